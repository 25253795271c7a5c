"""API intake: POST /api/v1/leads under 8 concurrent clients, beside a bare Django view.

Both are served by the same gunicorn (2 processes x 4 threads, on loopback) on the same
PostgreSQL database, in the same run:

1. baseline: a bare Django view that parses the JSON body and INSERTs one row;
2. the API: key check, rate count, the admin's lead form, one lead and one queued
   submission (with its ORM-broker task) in one transaction, the answer.

Reports leads/s accepted (201s per second of wall-clock time) and each request's latency
p50/p95 as the clients see it. The clients run on the same machine (a 2-core box shares
its CPUs between them and the server): compare the two rows, measured side by side.

Needs PostgreSQL: BENCH_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/leadhub_bench_api
(created if missing).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/leadhub_bench_api"
REQUESTS = int(os.environ.get("BENCH_API_REQUESTS", "2000"))
CLIENTS = int(os.environ.get("BENCH_API_CLIENTS", "8"))
PORT = int(os.environ.get("BENCH_API_PORT", "8765"))
TARGETS = {"leads/s": 500.0, "p95 ms": 50.0, "x bare": 2.0}
LEAD = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "07911 123456",
    "destinations": [{"destination": "bench-getlead"}],
}
_numbers = itertools.count()


def lead_body() -> str:
    """The bench lead as another person each time (e-mail and phone), as real intake is: the
    same person again within the duplicate window would be a 409."""
    n = next(_numbers)  # itertools.count is atomic under the GIL: unique across clients
    return json.dumps({**LEAD, "email": f"ada{n}@example.com", "phone": f"07911 {n % 10**6:06d}"})


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        {
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE),
            "DJANGO_SETTINGS_MODULE": "bench.api_settings",
            "LEADHUB_ENV": "local",
            "DEBUG": "false",
            "Q_BROKER": "orm",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def setup() -> str:
    """Migrate, make the bench's destination, key and bare table; print the key."""
    from bench.common import database_ensure

    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from bench.api_urls import BARE_TABLE
    from leadhub.api.keys import api_key_create
    from leadhub.models import Lead
    from vendors.models import Connection, Destination

    call_command("migrate", verbosity=0)
    # A fresh start: the leads of a run before would make this run's people duplicates.
    Lead.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BARE_TABLE} (id bigserial PRIMARY KEY, body jsonb)"
        )
    owner, _ = get_user_model().objects.get_or_create(
        username="bench-api", defaults={"is_staff": True, "is_superuser": True}
    )
    vendor, _ = Connection.objects.get_or_create(
        name="Bench Getlead",
        defaults={
            "kind": "getlead",
            "base_url": "http://127.0.0.1:9/",
            "credentials": {"token": "gl_0123456789abcdef0123"},
        },
    )
    destination, _ = Destination.objects.get_or_create(
        slug="bench-getlead",
        defaults={
            "name": "Bench Getlead",
            "connection": vendor,
            "operation": "create_lead",
            "fixed_values": {"source": "bench"},
        },
    )
    return api_key_create(name="bench", owner=owner, destinations=[destination]).token


def _serve(env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            "-m",
            "gunicorn",
            "leadhub.wsgi:application",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=5)
            return server
        except requests.RequestException:  # not listening yet, or still loading
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start")


def _load(url: str, headers: dict[str, str], total: int) -> dict[str, Any]:
    """``total`` POSTs from CLIENTS threads, each with its own connection."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    per_client = total // CLIENTS

    def client() -> None:
        session = requests.Session()
        mine: list[float] = []
        codes: dict[int, int] = {}
        for _ in range(per_client):
            started = time.perf_counter()
            response = session.post(url, data=lead_body(), headers=headers, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
            codes[response.status_code] = codes.get(response.status_code, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "accepted_per_s": statuses.get(201, 0) / seconds,
        "p50": ordered[len(ordered) // 2],
        "p95": ordered[int(len(ordered) * 0.95) - 1],
        "statuses": statuses,
        "requests": len(latencies),
    }


def main() -> str:
    env = _env()
    made = subprocess.run(
        [sys.executable, "-m", "bench.bench_api", "--setup"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode:
        sys.stderr.write(made.stderr[-3000:])
        raise RuntimeError("the API benchmark's set-up failed")
    token = made.stdout.strip().splitlines()[-1]
    server = _serve(env)
    try:
        base = f"http://127.0.0.1:{PORT}"
        api_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        bare_headers = {"Content-Type": "application/json"}
        _load(f"{base}/bench/bare", bare_headers, CLIENTS * 20)  # warm both up
        _load(f"{base}/api/v1/leads", api_headers, CLIENTS * 20)
        bare = _load(f"{base}/bench/bare", bare_headers, REQUESTS)
        api = _load(f"{base}/api/v1/leads", api_headers, REQUESTS)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report = markdown(bare, api)
    print(report)
    return report


def markdown(bare: dict[str, Any], api: dict[str, Any]) -> str:
    ratio_rate = bare["accepted_per_s"] / api["accepted_per_s"] if api["accepted_per_s"] else 0
    ratio_p95 = api["p95"] / bare["p95"] if bare["p95"] else 0
    return "\n".join(
        [
            "## API intake (bench/bench_api.py)",
            "",
            f"{api['requests']} POSTs each from {CLIENTS} concurrent clients on the same machine; "
            "gunicorn 2 processes x 4 threads; PostgreSQL. The bare view parses the JSON body "
            "and INSERTs one row; the API checks the key, runs the admin's lead form and saves "
            "the lead and its queued submission.",
            "",
            "| run | accepted/s | p50 ms | p95 ms | answers |",
            "|---|---|---|---|---|",
            f"| bare Django view | {bare['accepted_per_s']:.0f} | {bare['p50']:.1f} | "
            f"{bare['p95']:.1f} | {bare['statuses']} |",
            f"| POST /api/v1/leads | {api['accepted_per_s']:.0f} | {api['p50']:.1f} | "
            f"{api['p95']:.1f} | {api['statuses']} |",
            "",
            f"The API takes {ratio_rate:.2f}x the bare view's time per lead (throughput) and "
            f"{ratio_p95:.2f}x its p95. Targets: ≥ {TARGETS['leads/s']:.0f} leads/s, p95 ≤ "
            f"{TARGETS['p95 ms']:.0f} ms, within {TARGETS['x bare']:.0f}x of the bare view.",
        ]
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--setup"]:
        print(setup())
    else:
        main()
