"""“Try on recent leads”: an edited route of 10 destinations (10 clauses each, two of them
in an OR group; a daily cap each) run beside the saved one over the last 1,000 leads, as the route's
page does it: the median CPU time of one whole trial (both routes, every lead), and the
queries it makes.

    make bench BENCH=bench_routing_trial   # BENCH_DATABASE_URL overrides the database
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench.common import setup_django

REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))
LEADS, STEPS = 1000, 10
ROUTE = "Bench routing trial 10x10"
FILTERS = [
    {"field": "first_name", "op": "ne", "value": "Nobody"},
    {"field": "last_name", "op": "not_empty"},
    {"field": "source", "op": "not_in", "value": ["staff"]},
    {"field": "email", "op": "contains", "value": "@"},
    {"field": "email", "op": "regex", "value": r"^[a-z0-9.]+@example\.(com|org)$"},
    {"field": "phone", "op": "not_empty"},
    {"field": "company", "op": "empty"},
    {"field": "created_at", "op": "gt", "value": "2020-01-01"},
    {
        "any": [
            {"field": "extra.loan", "op": "lt", "value": 40000},
            {"field": "extra.band", "op": "eq", "value": "gold"},
        ]
    },
]


def route_ensure() -> int:
    from leadhub.routing.models import Cap, Route, RouteMethod, RouteStep
    from vendors.models import Connection, Destination

    found = Route.objects.filter(name=ROUTE).first()
    if found is not None:
        return found.pk
    connection = Connection.objects.create(
        kind="getlead", name="Bench routing trial", base_url="https://getlead.invalid/"
    )
    route = Route.objects.create(name=ROUTE, method=RouteMethod.WATERFALL)
    for n in range(STEPS):
        destination = Destination.objects.create(
            name=f"Bench trial {n}", connection=connection, operation="create_lead"
        )
        step = RouteStep.objects.create(
            route=route, destination=destination, position=n, filters=FILTERS
        )
        Cap.objects.create(step=step, period="day", limit=40)
    return route.pk


def leads_ensure() -> None:
    from leadhub.models import Lead

    missing = LEADS - Lead.objects.filter(erased_at__isnull=True).count()
    if missing <= 0:
        return
    start = datetime.now(UTC) - timedelta(days=10)
    Lead.objects.bulk_create(
        Lead(
            first_name="Ada",
            last_name=f"Trial{n}",
            email=f"ada.trial{n}@example.com",
            phone="07911 123456",
            extra={"loan": (n * 137) % 60000, "band": "gold" if n % 7 == 0 else "silver"},
            created_at=start + timedelta(minutes=15 * n),
        )
        for n in range(missing)
    )


def main() -> str:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from leadhub.routing.filters import clauses_compile, clauses_count
    from leadhub.routing.models import Route, RouteStep
    from leadhub.routing.trial import TrialResult, route_trial_run

    viewer, _ = get_user_model().objects.get_or_create(
        username="bench-trial", defaults={"is_staff": True, "is_superuser": True}
    )
    route = Route.objects.get(pk=route_ensure())
    leads_ensure()
    steps = list(RouteStep.objects.filter(route=route).order_by("position"))
    steps[0].filters = [*FILTERS[:-1], {"field": "extra.loan", "op": "lt", "value": 20000}]

    def trial() -> TrialResult:
        return route_trial_run(route=route, steps=steps, viewer=viewer, leads=LEADS)

    clauses = clauses_count(clauses_compile(FILTERS))
    trial()  # warm: the saved route compiled once, as after any route change
    samples, walls = [], []
    for _ in range(REPEATS):
        wall = time.perf_counter()
        cpu = time.process_time()
        result = trial()
        samples.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    with CaptureQueriesContext(connection) as queries:
        result = trial()
    assert result.leads == LEADS, result.leads
    line = (
        f"{LEADS} leads, {STEPS} destinations x {clauses} clauses + a daily cap, both "
        f"routes: median {statistics.median(samples):.0f} ms CPU, "
        f"{statistics.median(walls):.0f} ms wall, {len(queries)} queries; "
        f"{len(result.moved)} would move ({REPEATS} runs)"
    )
    print(line)
    return (
        f"## Try a route on recent leads ({LEADS} leads, {STEPS} destinations)\n\n"
        f"`route_trial_run`: the edited route and the saved one, {STEPS} destinations with "
        f"{clauses} clauses each (two of them in an OR group) and a daily cap, over the last "
        f"{LEADS} leads; CPU time (`time.process_time`) of one whole trial, {REPEATS} runs.\n\n"
        "| what | median ms CPU | max ms CPU | median ms wall | queries |\n|---|---|---|---|---|\n"
        f"| one trial, {LEADS} leads | {statistics.median(samples):.0f} | {max(samples):.0f} | "
        f"{statistics.median(walls):.0f} | {len(queries)} |"
    )
