"""The delivery benchmark's measuring phases, each run in a child process with Django set up
on the bench database (``python -m bench.delivery_phases <phase>`` prints JSON).

- ``setup``: a fresh database, migrated.
- ``baseline``: the same POSTs from a plain ``requests`` loop, one session per thread.
- ``pipeline``: submissions created the product's way, a real qcluster (or two) sending them;
  the worker processes' CPU read from /proc before and after.
- ``latency``: leads arriving at a steady pace below capacity; enqueue → first attempt.
- ``breakdown``: the same push, in this process with no broker, counting every SQL
  statement and commit and timing them, beside the HTTP exchange and this process's CPU.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.proc_stats import cpu_seconds, descendants, peak_rss_mib, percentile

ROOT = Path(__file__).resolve().parent.parent
LEADS = int(os.environ.get("BENCH_LEADS", "1000"))
LATENCY_LEADS = int(os.environ.get("BENCH_LATENCY_LEADS", "200"))
LATENCY_RATE = float(os.environ.get("BENCH_LATENCY_RATE", "5"))  # leads per second
BREAKDOWN_LEADS = int(os.environ.get("BENCH_BREAKDOWN_LEADS", "200"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CLUSTERS = int(os.environ.get("BENCH_CLUSTERS", "1"))


def _ensure_database(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _django() -> None:
    import django

    django.setup()


def setup() -> dict[str, Any]:
    _ensure_database(os.environ["DATABASE_URL"])
    processes = _processes()
    processes.manage("migrate", "--noinput", timeout=600)
    processes.manage("createcachetable")
    _django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    return {"postgres": version}


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
    _django()
    import requests

    from tests.processes import LEADBYTE_KEY, lead_payload

    processes = _processes()
    concurrency = WORKERS * CLUSTERS
    try:
        destination = _sandbox_destination(processes)
        url = f"{destination.connection.base_url}restapi/v1.2/leads"
        sessions: dict[int, requests.Session] = {}

        def post(n: int) -> int:
            session = sessions.setdefault(threading.get_ident(), requests.Session())
            body = {"key": LEADBYTE_KEY, "lead": lead_payload(n, "base")}
            return session.post(url, json=body, timeout=(5, 20)).status_code

        started = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool:
            codes = list(pool.map(post, range(LEADS)))
        seconds = time.monotonic() - started
    finally:
        processes.stop_all()
    if codes.count(200) != LEADS:
        raise RuntimeError(f"the sandbox refused some baseline leads: {set(codes)}")
    return {"seconds": seconds, "rate": LEADS / seconds}


class _Pipeline:
    """The sandbox, a destination on it and ``CLUSTERS`` running qclusters."""

    def __init__(self) -> None:
        from leadhub.delivery.outbox import submission_create
        from leadhub.models import Lead
        from tests.processes import lead_payload

        self.processes = _processes()
        self.destination = _sandbox_destination(self.processes)
        self.broker = os.environ.get("Q_BROKER", "orm")
        # Clusters of one name share one queue, as two servers of one install would.
        self.clusters = [self.processes.cluster(f"cluster-{n}") for n in range(CLUSTERS)]

        def create(n: int, run: str) -> None:
            lead = Lead.objects.create(first_name="Ada", last_name=f"Lovelace {n}")
            submission_create(lead=lead, destination=self.destination, payload=lead_payload(n, run))

        self.create = create

    def settle(self, timeout: float = 900) -> None:
        from leadhub.models import Submission
        from leadhub.statuses import PENDING

        deadline = time.monotonic() + timeout
        while Submission.objects.filter(status__in=PENDING).exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the pipeline did not settle")
            time.sleep(0.02)

    def pids(self) -> list[int]:
        return sorted({pid for c in self.clusters for pid in [c.pid, *descendants(c.pid)]})

    def warm(self) -> None:
        """One lead through each worker first, so the clock starts with the cluster up and the
        connection known to answer quickly."""
        from django.db import transaction

        with transaction.atomic():
            for n in range(WORKERS * CLUSTERS):
                self.create(-1 - n, "warm")
        self.settle(120)
        _reset()


def pipeline() -> dict[str, Any]:
    """The real pipeline: submissions created the product's way, real qclusters."""
    _django()
    from django.db import transaction

    from leadhub.models import Attempt, Submission

    run = _Pipeline()
    try:
        run.warm()
        pids = run.pids()
        cpu_before = cpu_seconds(pids)
        started = time.monotonic()
        for start in range(0, LEADS, 50):
            with transaction.atomic():
                for n in range(start, min(start + 50, LEADS)):
                    run.create(n, run.broker)
        run.settle()
        seconds = time.monotonic() - started
        cpu = cpu_seconds(run.pids()) - cpu_before
        peak = peak_rss_mib(run.pids())
        statuses = set(Submission.objects.values_list("status", flat=True))
        sends = Attempt.objects.count()
        http_ms = [float(ms) for ms in Attempt.objects.values_list("duration_ms", flat=True)]
    finally:
        run.processes.stop_all()
    if statuses != {"accepted"}:
        raise RuntimeError(f"not every lead was accepted: {statuses}")
    if sends != LEADS:
        raise RuntimeError(f"{sends} sends for {LEADS} leads: a lead was sent twice")
    return {
        "seconds": seconds,
        "rate": LEADS / seconds,
        "worker_cpu_ms": cpu / LEADS * 1000,
        "http_ms": statistics.mean(http_ms),
        "peak_rss_mib": peak,
    }


def latency() -> dict[str, Any]:
    """Leads arriving at a steady pace below capacity: the pipeline's own latency."""
    _django()
    from django.db import transaction
    from django.db.models import Min

    from leadhub.models import Submission

    run = _Pipeline()
    try:
        run.warm()
        gap = 1 / LATENCY_RATE
        next_at = time.monotonic()
        for n in range(LATENCY_LEADS):
            with transaction.atomic():
                run.create(n, run.broker + "-latency")
            next_at += gap
            time.sleep(max(0.0, next_at - time.monotonic()))
        run.settle()
        waits = [
            (first - created).total_seconds() * 1000
            for created, first in Submission.objects.annotate(
                first=Min("attempts__started_at")
            ).values_list("created_at", "first")
        ]
    finally:
        run.processes.stop_all()
    return {"p50": statistics.median(waits), "p95": percentile(waits, 0.95)}


@contextmanager
def _counting_sql(counts: dict[str, float]) -> Iterator[None]:
    """Count and time every statement this process sends, and the commits that write (an
    autocommit write is one; an atomic block that wrote, at its COMMIT, another): each
    waits for the WAL to reach the disk, the cost a claim durable before HTTP must pay."""
    from django.db import connection

    wrote = {"in_block": False}

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any):
        counts["statements"] += 1
        writes = not sql.lstrip().upper().startswith("SELECT")
        if writes and connection.get_autocommit() and not connection.in_atomic_block:
            counts["commits"] += 1
        elif writes:
            wrote["in_block"] = True
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            counts["sql_seconds"] += time.perf_counter() - started

    original_commit = connection.commit

    def commit() -> None:
        counts["commits"] += wrote["in_block"]
        wrote["in_block"] = False
        started = time.perf_counter()
        original_commit()
        counts["sql_seconds"] += time.perf_counter() - started

    connection.commit = commit  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(wrapper):
            yield
    finally:
        connection.commit = original_commit  # type: ignore[method-assign]


def breakdown() -> dict[str, Any]:
    """One push after another in this process: statements, commits, SQL time, HTTP time and
    CPU per lead, from counters."""
    _django()
    from django.db import connections

    from leadhub.delivery.outbox import submission_build
    from leadhub.delivery.push import submission_push
    from leadhub.models import Attempt, Lead, Submission
    from tests.processes import lead_payload
    from vendors.models import Connection

    processes = _processes()
    try:
        destination = _sandbox_destination(processes)
        rows = [
            submission_build(
                lead=Lead.objects.create(first_name="Ada", last_name=f"Lovelace {n}"),
                destination=destination,
                payload=lead_payload(n, "breakdown"),
            )
            for n in range(BREAKDOWN_LEADS + 1)
        ]
        for row in rows:
            row.save()
        submission_push(submission_id=rows[0].pk)  # warm: the connection now answers quickly
        Connection.objects.filter(pk=destination.connection_id).update(
            last_success_at=Attempt.objects.latest("started_at").started_at
        )
        counts = {"statements": 0.0, "commits": 0.0, "sql_seconds": 0.0}
        cpu_before = time.process_time()
        wall_before = time.perf_counter()
        with _counting_sql(counts):
            for row in rows[1:]:
                submission_push(submission_id=row.pk)
        wall = time.perf_counter() - wall_before
        cpu = time.process_time() - cpu_before
        timed = Attempt.objects.exclude(submission=rows[0]).values_list("duration_ms", flat=True)
        http = sum(timed)
        accepted = Submission.objects.filter(status="accepted").count()
    finally:
        processes.stop_all()
        connections.close_all()
    if accepted != BREAKDOWN_LEADS + 1:
        raise RuntimeError(f"only {accepted} of {BREAKDOWN_LEADS + 1} accepted")
    n = BREAKDOWN_LEADS
    return {
        "statements": counts["statements"] / n,
        "commits": counts["commits"] / n,
        "sql_ms": counts["sql_seconds"] / n * 1000,
        "http_ms": http / n,
        "wall_ms": wall / n * 1000,
        "cpu_ms": cpu / n * 1000,
    }


PHASES: dict[str, Callable[[], dict[str, Any]]] = {
    "setup": setup,
    "baseline": baseline,
    "pipeline": pipeline,
    "latency": latency,
    "breakdown": breakdown,
}

if __name__ == "__main__":
    print(json.dumps(PHASES[sys.argv[-1]]()))
