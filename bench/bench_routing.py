"""A routing decision for a route of 50 destinations with 10 filter clauses each (and a
daily cap each): the median CPU time of one decision, target ≤ 2 ms.

"Decision" is what the API does per lead before sending: the route read (its steps,
destinations and caps: three queries, the clauses compiled once per route change), every
clause of every step checked, schedules, and the caps' usage read in one query. Beside it,
the same decision on a route already read (the checks alone), and the worst case of the
required-fields check made before each send (``step_ready``): the destinations read and
every one of the 50 checked, as a "send to all" route does (a waterfall checks only those
it reaches), measured in the same run.

    make bench BENCH=bench_routing   # BENCH_DATABASE_URL overrides the database
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.common import setup_django

REPEATS = int(os.environ.get("BENCH_REPEATS", "300"))
STEPS, CLAUSES = 50, 10
ROUTE = "Bench routing 50x10"
# Ten clauses of every kind that all hold for the bench lead, so each one is evaluated.
FILTERS = [
    {"field": "first_name", "op": "eq", "value": "Ada"},
    {"field": "last_name", "op": "ne", "value": "Hopper"},
    {"field": "source", "op": "in", "value": ["api", "web_form"]},
    {"field": "source", "op": "not_in", "value": ["import"]},
    {"field": "email", "op": "contains", "value": "@example.com"},
    {"field": "email", "op": "regex", "value": r"^[a-z.]+@example\.(com|org)$"},
    {"field": "consent_date", "op": "gt", "value": "2020-01-01"},
    {"field": "extra.loan", "op": "lt", "value": 50000},
    {"field": "phone", "op": "not_empty"},
    {"field": "company", "op": "empty"},
]


def route_ensure() -> int:
    from leadhub.routing.models import Cap, Route, RouteMethod, RouteStep
    from vendors.models import Connection, Destination

    found = Route.objects.filter(name=ROUTE).first()
    if found is not None:
        return found.pk
    assert len(FILTERS) == CLAUSES
    connection = Connection.objects.create(
        kind="getlead", name="Bench routing", base_url="https://getlead.invalid/"
    )
    route = Route.objects.create(name=ROUTE, method=RouteMethod.WATERFALL)
    for n in range(STEPS):
        destination = Destination.objects.create(
            name=f"Bench routing {n}",
            connection=connection,
            operation="create_lead",
            fixed_values={"source": "Bench"},  # every required field filled: all 50 ready
        )
        step = RouteStep.objects.create(
            route=route, destination=destination, position=n, filters=FILTERS
        )
        Cap.objects.create(step=step, period="day", limit=1000)
    return route.pk


def cpu_ms(run: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(REPEATS):
        start = time.process_time()
        run()
        samples.append((time.process_time() - start) * 1000)
    return samples


def main() -> str:
    setup_django()
    from datetime import date

    from leadhub.models import Lead
    from leadhub.routing.decide import route_decide, route_plan
    from leadhub.routing.services import route_steps, step_ready
    from leadhub.services.leads import lead_contact

    route_id = route_ensure()
    lead = Lead(
        first_name="Ada",
        last_name="Lovelace",
        email="ada.lovelace@example.com",
        phone="07911 123456",
        consent_date=date(2026, 5, 1),
        extra={"loan": 25000},
    )
    now = datetime(2026, 3, 30, 9, tzinfo=UTC)

    def whole() -> object:
        decision = route_decide(lead, route_plan(route_id), now, source="api")
        assert len(decision.order) == STEPS
        return decision

    plan = route_plan(route_id)
    whole()  # warm: the clauses compiled once, as after any route change
    full = cpu_ms(whole)
    checks = cpu_ms(lambda: route_decide(lead, plan, now, source="api", usage={}))

    contact = lead_contact(lead)

    def ready() -> object:
        decision, destinations, order, _ = route_steps(lead, route_id, "api", now, [], False)
        ready = [
            s
            for s in order
            if step_ready(contact, s, destinations[s.destination_id], decision, now)
        ]
        assert len(ready) == STEPS  # every required field filled: none left out
        return ready

    steps = cpu_ms(ready)

    def first() -> object:
        decision, destinations, order, _ = route_steps(lead, route_id, "api", now, [], False)
        step = order[0]
        assert step_ready(contact, step, destinations[step.destination_id], decision, now)
        return step

    waterfall = cpu_ms(first)
    read = cpu_ms(lambda: route_steps(lead, route_id, "api", now, [], False))
    rows = [
        ("decision: route read + checks + caps' usage", full),
        ("checks alone (route already read)", checks),
        ("decision + the 50 destinations read (route_steps, no field check)", read),
        ("decision + the first destination's required fields (a waterfall's send)", waterfall),
        ("decision + all 50 destinations' required fields checked", steps),
    ]
    for label, samples in rows:
        print(
            f"{label}: median {statistics.median(samples):.2f} ms CPU, "
            f"max {max(samples):.2f} ms ({REPEATS} runs)"
        )
    table = "\n".join(
        f"| {label} | {statistics.median(s):.2f} | {max(s):.2f} |" for label, s in rows
    )
    return (
        f"## Routing decision ({STEPS} destinations, {CLAUSES} clauses each, a daily cap each)\n\n"
        f"CPU time per decision (`time.process_time`), {REPEATS} runs; target: median ≤ 2 ms.\n\n"
        "| what | median ms | max ms |\n|---|---|---|\n" + table
    )
