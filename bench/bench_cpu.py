"""CPU per lead in the pushing process and in the API, from ``time.process_time``.

Throughput on a shared 2-core machine moves with whatever else runs; the CPU a process spends
on one push or one intake moves much less. Each target runs in a child process
(bench/cpu_profile.py) on its own PostgreSQL database (BENCH_CPU_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/leadhub_bench_cpu, emptied each run), ``BENCH_CPU_ROUNDS``
times (default 3); the median and the spread are reported.
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
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/leadhub_bench_cpu"
ROUNDS = int(os.environ.get("BENCH_CPU_ROUNDS", "3"))
TARGETS = {
    "push": "one push of a due submission to the LeadByte sandbox (real HTTP, no broker)",
    "api": "one POST /api/v1/leads (Django's test client, one Getlead destination)",
    "api_routed": "one POST /api/v1/leads naming no destination (the key's one-step route)",
}

WHERE = """Where it goes (a CPU-time cProfile of the same loops, `BENCH_CPU_PROFILE=1`;
shares of the profiled time, which overstates the ORM's many small calls): a push is about
half the claim
(the read with its connection and two subqueries, and the conditional UPDATE), a fifth the
vendor call (requests and http.client; masking every encoded form of the secret is under 2 %),
and a quarter recording (the settle UPDATE, the attempt INSERT, the webhook endpoints read);
compiling SQL is a quarter of all of it. An API intake is mostly its five statements in one
transaction (the lead, its source, the submission, the broker's task, the webhook endpoints)
and the duplicate check before them; the key, its destinations, their field specs and the lead
form's cleaner are kept per process (leadhub/api/key_cache.py), and the two reads made on every
lead are compiled once (leadhub/compiled_query.py). A routed intake decides its route twice (a
dry decision for the duplicate guard's 409, then the real one). What was cut: requests walking
os.environ for proxies on every send (8 % of a push; now read once per vendor host), the
claim's subqueries resolved anew per push (10 %), an ORDER BY built for reads of one row by its
key, the API's submissions read back after they were saved (13 % of an intake), and the webhook
subscriptions built as model objects; since, the key cache, the two compiled reads, and the
payload and the answer's key no longer read back or built twice."""


def _run(target: str, env: dict[str, str]) -> dict[str, Any]:
    child = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.cpu_profile", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        sys.stderr.write(child.stderr[-3000:])
        raise RuntimeError(f"the CPU benchmark's {target} run failed ({child.returncode})")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"  {target}: {result}", file=sys.stderr)
    return result


def main() -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "Q_BROKER", "DJANGO_SETTINGS_MODULE")
    }
    env["DATABASE_URL"] = os.environ.get("BENCH_CPU_DATABASE_URL", DEFAULT_DATABASE)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    figures = {target: [_run(target, env)["cpu_ms"] for _ in range(ROUNDS)] for target in TARGETS}
    rows = [
        f"| {TARGETS[t]} | {statistics.median(v):.1f} | {min(v):.1f}-{max(v):.1f} |"
        for t, v in figures.items()
    ]
    report = "\n".join(
        [
            "## CPU per lead (bench/bench_cpu.py)",
            "",
            f"`make bench BENCH=bench_cpu`: {ROUNDS} runs of 200 calls each, in-process, "
            f"PostgreSQL; `time.process_time` of the calling process only (the sandbox and "
            f"the database are other processes). Load average before: {load}.",
            "",
            "| call | CPU ms per call, median | min-max |",
            "|---|---|---|",
            *rows,
            "",
            WHERE,
        ]
    )
    print(report)
    return report


if __name__ == "__main__":
    main()
