"""CPU per lead in this process, robust to a busy machine: a push, and an API intake.

``python -m bench.cpu_profile push`` sends ``BENCH_CPU_LEADS`` (default 200) due submissions
one after another to the LeadByte sandbox (gunicorn on loopback, real HTTP), in this process
with no broker, as the delivery benchmark's breakdown does; ``... api`` makes as many
``POST /api/v1/leads`` through Django's test client (the bench_api lead, key and
destination). Each prints CPU ms per call (``time.process_time``, which another process's
load does not inflate) and, with ``BENCH_CPU_PROFILE=1``, the top of a CPU-time cProfile of
the same loop (cumulative and own time; ``BENCH_CPU_PSTATS=<file>`` keeps it for pstats).
Needs PostgreSQL: ``DATABASE_URL`` (emptied and migrated).
"""

from __future__ import annotations

import cProfile
import functools
import io
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

LEADS = int(os.environ.get("BENCH_CPU_LEADS", "200"))
PROFILE = os.environ.get("BENCH_CPU_PROFILE") == "1"
TOP = int(os.environ.get("BENCH_CPU_TOP", "35"))


def _measure(calls: list[Callable[[], Any]]) -> dict[str, Any]:
    """CPU ms per call over the calls, then (if asked) a profile of the same kind of loop."""
    half = len(calls) // 2 if PROFILE else len(calls)
    cpu_before = time.process_time()
    wall_before = time.perf_counter()
    for call in calls[:half]:
        call()
    cpu = time.process_time() - cpu_before
    wall = time.perf_counter() - wall_before
    figures: dict[str, Any] = {
        "calls": half,
        "cpu_ms": round(cpu / half * 1000, 3),
        "wall_ms": round(wall / half * 1000, 3),
    }
    if PROFILE:
        profile = cProfile.Profile(time.process_time)  # CPU, not waits
        profile.enable()
        for call in calls[half:]:
            call()
        profile.disable()
        if os.environ.get("BENCH_CPU_PSTATS"):
            profile.dump_stats(os.environ["BENCH_CPU_PSTATS"])
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(TOP)
            sys.stderr.write(out.getvalue())
    return figures


def push() -> dict[str, Any]:
    from bench.delivery_phases import _processes, _sandbox_destination, setup

    setup()
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
                payload=lead_payload(n, "cpu"),
            )
            for n in range(LEADS + 1)
        ]
        for row in rows:
            row.save()
        submission_push(submission_id=rows[0].pk)  # warm: the connection answers quickly
        Connection.objects.filter(pk=destination.connection_id).update(
            last_success_at=Attempt.objects.latest("started_at").started_at
        )
        figures = _measure(
            [functools.partial(submission_push, submission_id=row.pk) for row in rows[1:]]
        )
        accepted = Submission.objects.filter(status="accepted").count()
    finally:
        processes.stop_all()
        connections.close_all()
    if accepted != LEADS + 1:
        raise RuntimeError(f"only {accepted} of {LEADS + 1} accepted")
    return figures


def api() -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"
    from bench.bench_api import lead_body
    from bench.bench_api import setup as api_setup
    from bench.delivery_phases import _ensure_database

    _ensure_database(os.environ["DATABASE_URL"])
    token = api_setup()
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def post() -> None:
        answer = client.post("/api/v1/leads", lead_body(), content_type="application/json")
        if answer.status_code != 201:
            raise RuntimeError(f"{answer.status_code}: {answer.content[:300]!r}")

    for _ in range(10):
        post()  # warm: first-use imports and caches
    return _measure([post] * LEADS)


def api_routed() -> dict[str, Any]:
    """``api`` with no destinations named: the key's route (one step, to the bench's
    Getlead destination) chooses."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"
    from bench.bench_api import LEAD
    from bench.bench_api import setup as api_setup
    from bench.delivery_phases import _ensure_database

    _ensure_database(os.environ["DATABASE_URL"])
    token = api_setup()
    from django.test import Client

    from leadhub.api.models import ApiKey
    from leadhub.routing.models import Route, RouteMethod, RouteStep
    from vendors.models import Destination

    route, made = Route.objects.get_or_create(
        name="Bench route", defaults={"method": RouteMethod.WATERFALL}
    )
    if made:
        RouteStep.objects.create(
            route=route, destination=Destination.objects.get(slug="bench-getlead"), position=0
        )
    ApiKey.objects.filter(prefix=token[:16]).update(route=route)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    numbers = iter(range(10**9))

    def post() -> None:
        n = next(numbers)
        body = {k: v for k, v in LEAD.items() if k != "destinations"}
        body.update(email=f"ada{n}@example.com", phone=f"07911 {n % 10**6:06d}")
        answer = client.post("/api/v1/leads", json.dumps(body), content_type="application/json")
        if answer.status_code != 201:
            raise RuntimeError(f"{answer.status_code}: {answer.content[:300]!r}")

    for _ in range(10):
        post()  # warm: first-use imports and caches
    return _measure([post] * LEADS)


TARGETS: dict[str, Callable[[], dict[str, Any]]] = {
    "push": push,
    "api": api,
    "api_routed": api_routed,
}

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    print(json.dumps(TARGETS[sys.argv[-1]]()))
