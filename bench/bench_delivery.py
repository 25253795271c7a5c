"""Delivery throughput and latency: the real pipeline against a plain requests loop.

Each round pushes ``BENCH_LEADS`` leads (default 1,000) to the LeadByte sandbox served by
gunicorn on loopback three ways, one right after the other so they share the machine's
load: a plain ``requests`` loop with the workers' concurrency, the real pipeline (submission
row → django-q2 → claim → send → record) on the ORM broker, and on Redis. The headline is
each round's ratio pipeline / plain loop, median and spread over ``BENCH_ROUNDS`` rounds
(default 3). Then:

- where a lead's time goes, from counters: SQL statements and commits per push, their time,
  the HTTP exchange, CPU in the pushing process, and the cluster's CPU per lead;
- enqueue → first attempt (p50 / p95) with leads arriving at a steady 5/s on each broker;
- scale-out on the ORM broker: 1, 2 and 4 workers, and two clusters of two against one
  database, each beside a plain loop of the same concurrency, no lead sent twice.

Needs PostgreSQL: BENCH_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/leadhub_bench
(created if missing, and emptied on every run). Redis at BENCH_REDIS_URL or
redis://127.0.0.1:6379/3 for the Redis runs (skipped if unreachable). The phases run in
child processes (bench/delivery_phases.py); ``main()`` returns the figures as Markdown.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/leadhub_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/3"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SCALE = [(1, 1), (2, 1), (4, 1), (2, 2)]  # (workers per cluster, clusters)


def _run(phase: str, env: dict[str, str], **extra: Any) -> dict[str, Any]:
    child = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.delivery_phases", phase],
        cwd=ROOT,
        env={**env, **{k: str(v) for k, v in extra.items()}},
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        sys.stderr.write(child.stderr[-3000:])
        raise RuntimeError(f"the delivery benchmark's {phase} phase failed ({child.returncode})")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"  {phase} {extra}: {result}", file=sys.stderr)
    return result


def _redis_reachable(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url)
        client.ping()
        client.flushdb()
        return True
    except Exception:
        return False


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> str:
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "Q_BROKER", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE),
            "DJANGO_SETTINGS_MODULE": "leadhub.settings",
            "LEADHUB_ENV": "local",
            "LOG_LEVEL": "WARNING",
            "Q_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(ROOT),
        }
    )
    brokers = {"orm": {**env, "Q_BROKER": "orm"}}
    if _redis_reachable(redis_url):
        brokers["redis"] = {**env, "Q_BROKER": "redis", "REDIS_URL": redis_url}
    r: dict[str, Any] = {"load_before": _load(), **_run("setup", env)}
    r["rounds"] = []
    for _ in range(ROUNDS):
        entry = {"baseline": _run("baseline", env)}
        for name, broker_env in brokers.items():
            entry[name] = _run("pipeline", broker_env)
        r["rounds"].append(entry)
    r["breakdown"] = _run("breakdown", env)
    r["latency"] = {name: _run("latency", broker_env) for name, broker_env in brokers.items()}
    r["scale"] = []
    for workers, clusters in SCALE:
        sized = {"BENCH_WORKERS": workers, "BENCH_CLUSTERS": clusters}
        r["scale"].append(
            {
                "workers": workers,
                "clusters": clusters,
                "baseline": _run("baseline", env, **sized),
                "orm": _run("pipeline", brokers["orm"], **sized),
            }
        )
    r["load_after"] = _load()
    report = markdown(r)
    print(report)
    return report


def _spread(values: list[float], fmt: str = "{:.1f}") -> str:
    middle = fmt.format(statistics.median(values))
    return f"{middle} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def markdown(r: dict[str, Any]) -> str:
    leads = int(os.environ.get("BENCH_LEADS", "1000"))
    rounds = r["rounds"]
    brokers = [name for name in ("orm", "redis") if name in rounds[0]]
    label = {"orm": "ORM broker", "redis": "Redis broker"}
    lines = [
        "## Delivery pipeline (bench/bench_delivery.py)",
        "",
        f"`make bench BENCH=bench_delivery`: {len(rounds)} rounds of {leads} leads each to the "
        "LeadByte sandbox (gunicorn, 2 processes x 8 threads, on loopback), PostgreSQL "
        f"{r['postgres']}, 2 worker processes. Each round runs the plain loop and the pipeline "
        "on each broker one after the other; the ratio is taken within a round. Load average "
        f"(1/5/15 min) {r['load_before']} before, {r['load_after']} after.",
        "",
        "| run | leads/s, median (min-max) | pipeline ÷ plain loop, median (min-max) "
        "| cluster CPU ms/lead | peak worker RSS MiB |",
        "|---|---|---|---|---|",
        "| plain requests loop, 2 threads | "
        f"{_spread([x['baseline']['rate'] for x in rounds])} | — | — | — |",
    ]
    for name in brokers:
        ratios = [x[name]["rate"] / x["baseline"]["rate"] * 100 for x in rounds]
        lines.append(
            f"| pipeline, {label[name]} | {_spread([x[name]['rate'] for x in rounds])} | "
            f"**{_spread(ratios, '{:.0f}')} %** | "
            f"{statistics.median(x[name]['worker_cpu_ms'] for x in rounds):.1f} | "
            f"{max(x[name]['peak_rss_mib'] for x in rounds):.0f} |"
        )
    b = r["breakdown"]
    lines += [
        "",
        "Target: the pipeline ≥ 95 % of the plain loop on both brokers.",
        "",
        "**Where one push's time goes** (counters, one push after another in one process, no "
        f"broker; {os.environ.get('BENCH_BREAKDOWN_LEADS', '200')} leads): "
        f"{b['statements']:.1f} SQL statements and {b['commits']:.1f} commits that write per "
        "lead, "
        f"{b['sql_ms']:.2f} ms in them; the HTTP exchange {b['http_ms']:.2f} ms; "
        f"{b['wall_ms']:.2f} ms per push in all, of which {b['cpu_ms']:.2f} ms CPU in the "
        "pushing process (Python: building the request, masking, parsing, the ORM). The "
        "cluster column above adds the broker's own work (django-q2's pusher, monitor and "
        "the task's pickling) to the same per-lead cost.",
        "",
        "Why the gap: the plain loop spends its CPU on one request per lead; a push spends "
        f"{b['cpu_ms']:.1f} ms of Python per lead besides the exchange (building the request, "
        "masking the exchange in every encoded form, parsing, the ORM) and waits "
        f"{b['sql_ms']:.1f} ms on PostgreSQL, on two cores shared with the sandbox and the "
        "database. The round trips are at their floor for a claim that is durable before "
        "HTTP (one read, one UPDATE; one UPDATE and one INSERT to record); what is left is CPU "
        "per push, the next thing to cut.",
        "",
        "| enqueue → first attempt, leads at a steady 5/s | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    for name, latency in r["latency"].items():
        lines.append(f"| {label[name]} | {latency['p50']:.0f} | {latency['p95']:.0f} |")
    lines += [
        "",
        "Target: p50 ≤ 100 ms on the ORM broker.",
        "",
        "**Scale-out**, ORM broker, one run each beside a plain loop of the same concurrency; "
        "every lead accepted and sent exactly once (the phase fails otherwise):",
        "",
        "| workers | leads/s | plain loop leads/s | ratio | leads/s per worker |",
        "|---|---|---|---|---|",
    ]
    for s in r["scale"]:
        total = s["workers"] * s["clusters"]
        shape = f"{s['clusters']} clusters x {s['workers']}" if s["clusters"] > 1 else total
        lines.append(
            f"| {shape} | {s['orm']['rate']:.1f} | {s['baseline']['rate']:.1f} | "
            f"{s['orm']['rate'] / s['baseline']['rate'] * 100:.0f} % | "
            f"{s['orm']['rate'] / total:.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
