"""Delivery throughput and latency: the real pipeline against a plain requests loop.

Pushes N leads (default 2,000) to the LeadByte sandbox served by gunicorn on loopback:

1. baseline: a plain ``requests`` loop with the same concurrency as the cluster's workers;
2. the real pipeline (submission row → django-q2 → claim → send → record) with the ORM
   broker on PostgreSQL;
3. the same with the Redis broker.

Reports leads/s, the per-lead overhead over the baseline (wall-clock ms per lead), the time
from enqueue to first attempt (p50/p95, measured with leads arriving at a steady pace
below capacity, so it is the pipeline's latency rather than a backlog's), and the peak RSS
of a worker process.

Needs PostgreSQL: BENCH_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/leadhub_bench
(created if missing, and emptied on every run). Redis at BENCH_REDIS_URL or
redis://127.0.0.1:6379/3 for the Redis run (skipped if unreachable).

The measuring runs in a child process with LeadHub's own settings pointed at that
database; ``main()`` returns its figures as Markdown.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/leadhub_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/3"
LEADS = int(os.environ.get("BENCH_LEADS", "2000"))
LATENCY_LEADS = int(os.environ.get("BENCH_LATENCY_LEADS", "200"))
LATENCY_RATE = float(os.environ.get("BENCH_LATENCY_RATE", "5"))  # leads per second
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def _run_child(phase: str, env: dict[str, str]) -> dict[str, Any]:
    child = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.bench_delivery", "--child", phase],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(child.stderr[-3000:])
    if child.returncode:
        raise RuntimeError(f"the delivery benchmark's {phase} phase failed ({child.returncode})")
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> str:
    database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "Q_BROKER", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {
            "DATABASE_URL": database,
            "DJANGO_SETTINGS_MODULE": "leadhub.settings",
            "LEADHUB_ENV": "local",
            "LOG_LEVEL": "WARNING",
            "Q_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(ROOT),
        }
    )
    results = _run_child("setup", env)
    results["baseline"] = _run_child("baseline", env)
    results["orm"] = _run_child("pipeline", {**env, "Q_BROKER": "orm"})
    if _redis_reachable(redis_url):
        results["redis"] = _run_child(
            "pipeline", {**env, "Q_BROKER": "redis", "REDIS_URL": redis_url}
        )
    else:
        results["redis_skipped"] = f"Redis unreachable at {redis_url}"
    report = markdown(results)
    print(report)
    return report


def _redis_reachable(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url)
        client.ping()
        client.flushdb()
        return True
    except Exception:
        return False


def markdown(r: dict[str, Any]) -> str:
    base = r["baseline"]
    lines = [
        "## Delivery pipeline (bench/bench_delivery.py)",
        "",
        f"{r['leads']} leads to the LeadByte sandbox (gunicorn, 2 processes x 8 threads, on "
        f"loopback), {r['workers']} worker processes / threads, PostgreSQL "
        f"{r['postgres']}. Overhead is wall-clock time per lead over the plain loop. "
        f"Latency: {r['latency_leads']} leads arriving at {r['latency_rate']:g}/s, from the "
        "submission's creation to the start of its first HTTP attempt.",
        "",
        "| run | leads/s | overhead ms/lead | enqueue → first attempt p50 / p95 ms "
        "| peak worker RSS MiB |",
        "|---|---|---|---|---|",
        f"| plain requests loop ({r['workers']} threads) | {base['rate']:.1f} | — | — | — |",
    ]
    for name, label in (("orm", "pipeline, ORM broker"), ("redis", "pipeline, Redis broker")):
        run = r.get(name)
        if run is None:
            lines.append(f"| {label} | skipped: {r.get(name + '_skipped', '')} | | | |")
            continue
        overhead = (run["seconds"] - base["seconds"]) / r["leads"] * 1000
        lines.append(
            f"| {label} | {run['rate']:.1f} | {overhead:.2f} | "
            f"{run['latency_p50']:.0f} / {run['latency_p95']:.0f} | {run['peak_rss_mib']:.0f} |"
        )
    lines += [
        "",
        "Targets: overhead ≤ 5 ms per lead on PostgreSQL; enqueue → first attempt p50 ≤ 300 "
        "ms with the ORM broker.",
        "",
        "What the pipeline does per lead to keep its overhead down: the claim is one "
        "conditional UPDATE; with the ORM broker the task row is written inside the "
        "submission's own transaction (no commit of its own); django-q2 logs no successes "
        "(`save_limit=-1`: the submission and its attempts are the record); a healthy "
        "connection is written at most every 10 s, not once per lead. Every commit waits "
        "for PostgreSQL's WAL flush (`synchronous_commit=on`), and the claim's commit must "
        "stay durable before any HTTP call; the sandbox, PostgreSQL and the cluster share "
        "the machine's CPUs, so the figures move with its load.",
    ]
    return "\n".join(lines)


# --- the child: everything below runs with Django set up on the bench database ------------


def _ensure_database(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _peak_rss_mib(pids: list[int]) -> float:
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def setup() -> dict[str, Any]:
    """A fresh bench database, migrated."""
    database = os.environ["DATABASE_URL"]
    _ensure_database(database)
    processes = _processes()
    processes.manage("migrate", "--noinput", timeout=600)
    processes.manage("createcachetable")
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    return {
        "leads": LEADS,
        "workers": WORKERS,
        "latency_leads": LATENCY_LEADS,
        "latency_rate": LATENCY_RATE,
        "postgres": version,
    }


def _processes() -> Any:
    from tests.processes import Processes, child_env

    env = child_env(
        os.environ["DATABASE_URL"],
        Q_WORKERS=WORKERS,
        SUBMISSION_OUTCOME_CHECK_DELAYS="86400",
        CONNECTION_BREAKER_THRESHOLD=1000,
    )
    for name in ("REDIS_URL", "Q_BROKER"):
        if name in os.environ:
            env[name] = os.environ[name]
    return Processes(env=env, log_dir=ROOT / "var" / "bench-logs")


def _sandbox_destination(processes: Any) -> Any:
    """Start the sandbox and return a LeadByte destination on it (everything else emptied)."""
    from sandbox.models import SandboxCredential
    from sandbox.seed import seed_all
    from tests.processes import LEADBYTE_KEY, free_port
    from vendors.campaign_sync import campaigns_sync
    from vendors.models import Campaign, Connection, Destination

    _reset()
    Destination.objects.all().delete()
    Campaign.objects.all().delete()
    Connection.objects.all().delete()
    seed_all()
    SandboxCredential.register("leadbyte", LEADBYTE_KEY)
    port = free_port()
    processes.sandbox(port)
    conn = Connection.objects.create(
        kind="leadbyte",
        name="Bench",
        base_url=f"http://127.0.0.1:{port}/sandbox/leadbyte/",
        credentials={"api_key": LEADBYTE_KEY},
    )
    campaigns_sync(connection=conn)
    campaign = Campaign.objects.get(connection=conn, reference="EXAMPLE-CAMPAIGN")
    return Destination.objects.create(
        name="Bench",
        connection=conn,
        operation="create_lead",
        campaign=campaign,
        fixed_values={"sid": "1"},
    )


def _reset() -> None:
    from django_q.models import OrmQ, Task

    from leadhub.models import Attempt, Lead, Submission
    from sandbox.models import SandboxRecord

    SandboxRecord.objects.all().delete()
    Attempt.objects.all().delete()
    Submission.objects.all().delete()
    Lead.objects.all().delete()
    OrmQ.objects.all().delete()
    Task.objects.all().delete()


def baseline() -> dict[str, Any]:
    """The same POSTs from a plain requests loop with the workers' concurrency."""
    import django

    django.setup()
    import requests

    from tests.processes import LEADBYTE_KEY, lead_payload

    processes = _processes()
    try:
        destination = _sandbox_destination(processes)
        url = f"{destination.connection.base_url}restapi/v1.2/leads"
        sessions: dict[int, requests.Session] = {}

        def post(n: int) -> int:
            import threading

            session = sessions.setdefault(threading.get_ident(), requests.Session())
            body = {"key": LEADBYTE_KEY, "lead": lead_payload(n, "base")}
            return session.post(url, json=body, timeout=(5, 20)).status_code

        started = time.monotonic()
        with ThreadPoolExecutor(WORKERS) as pool:
            codes = list(pool.map(post, range(LEADS)))
        seconds = time.monotonic() - started
    finally:
        processes.stop_all()
    if codes.count(200) != LEADS:
        raise RuntimeError(f"the sandbox refused some baseline leads: {set(codes)}")
    print(f"baseline: {LEADS / seconds:.1f} leads/s", file=sys.stderr)
    return {"seconds": seconds, "rate": LEADS / seconds}


def pipeline() -> dict[str, Any]:
    """The real pipeline: submissions created the product's way, a real qcluster."""
    import django

    django.setup()
    from django.db import transaction
    from django.db.models import Min

    from leadhub.delivery.outbox import submission_create
    from leadhub.models import Lead, Submission
    from leadhub.statuses import PENDING
    from tests.processes import lead_payload

    broker = os.environ.get("Q_BROKER", "orm")
    processes = _processes()
    try:
        destination = _sandbox_destination(processes)

        def create(n: int, run: str) -> None:
            lead = Lead.objects.create(first_name="Ada", last_name=f"Lovelace {n}")
            submission_create(lead=lead, destination=destination, payload=lead_payload(n, run))

        def settle(timeout: float = 900) -> None:
            deadline = time.monotonic() + timeout
            while Submission.objects.filter(status__in=PENDING).exists():
                if time.monotonic() > deadline:
                    raise TimeoutError("the pipeline did not settle")
                time.sleep(0.05)

        cluster = processes.cluster(broker)
        # One lead through first, so the clock starts with the cluster up.
        with transaction.atomic():
            create(-1, "warm")
        settle(120)
        _reset()
        pids = _descendants(cluster.pid)
        started = time.monotonic()
        for start in range(0, LEADS, 50):
            with transaction.atomic():
                for n in range(start, min(start + 50, LEADS)):
                    create(n, broker)
        settle()
        seconds = time.monotonic() - started
        statuses = set(Submission.objects.values_list("status", flat=True))
        if statuses != {"accepted"}:
            raise RuntimeError(f"not every lead was accepted: {statuses}")

        # Latency with leads arriving at a steady pace below capacity.
        _reset()
        gap = 1 / LATENCY_RATE
        next_at = time.monotonic()
        for n in range(LATENCY_LEADS):
            with transaction.atomic():
                create(n, broker + "-latency")
            next_at += gap
            time.sleep(max(0.0, next_at - time.monotonic()))
        settle()
        waits = [
            (first - created).total_seconds() * 1000
            for created, first in Submission.objects.annotate(
                first=Min("attempts__started_at")
            ).values_list("created_at", "first")
        ]
        peak = _peak_rss_mib(sorted(set(pids + _descendants(cluster.pid))))
    finally:
        processes.stop_all()
    print(f"{broker}: {LEADS / seconds:.1f} leads/s", file=sys.stderr)
    return {
        "seconds": seconds,
        "rate": LEADS / seconds,
        "latency_p50": statistics.median(waits),
        "latency_p95": _percentile(waits, 0.95),
        "peak_rss_mib": peak,
    }


PHASES = {"setup": setup, "baseline": baseline, "pipeline": pipeline}

if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(PHASES[sys.argv[-1]]()))
    else:
        main()
