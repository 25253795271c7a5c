"""``route_decide``: which of a route's destinations may take a lead now, in what order, and
why each was or was not chosen (the timeline). It reads only; ``services`` sends.

A route is compiled once per change (``route_plan``: clauses and schedules checked and
compiled, cached by the route's ``updated_at``); a decision then compares values in memory,
with the caps' usage read in one query.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils.dateparse import parse_datetime

from leadhub.routing import caps as caps_module
from leadhub.routing.filters import (
    Node,
    clauses_check,
    clauses_compile,
    clauses_count,
    lead_values,
)
from leadhub.routing.models import Cap, Route, RouteMethod, RouteStep
from leadhub.routing.windows import (
    Hours,
    schedule_compile,
    schedule_next_opening,
    schedule_open,
    window_bounds,
    zone,
)


@dataclass(frozen=True)
class StepPlan:
    step_id: int
    position: int
    destination_id: int
    slug: str
    name: str
    weight: int
    step_seconds: int | None
    clauses: tuple[Node, ...]  # all must hold; a group holds all or any of its own
    hours: Hours
    caps: tuple[Cap, ...]


@dataclass(frozen=True)
class RoutePlan:
    route_id: int
    name: str
    method: str
    max_destinations: int | None
    time_zone: str
    tz: ZoneInfo
    steps: tuple[StepPlan, ...]
    # Read on every decision (they change without the route changing), by step id: why
    # the destination takes no leads now ('' when it does), and when round robin last
    # chose it.
    off: Mapping[int, str] = field(default_factory=dict)
    last_chosen: Mapping[int, datetime | None] = field(default_factory=dict)


# (route id, updated_at) → the route compiled: its steps' clauses, hours and caps. Any change
# to the route, a step or a cap bumps updated_at (models), so a stale plan is never read.
_PLANS: dict[tuple[int, datetime], RoutePlan] = {}


def _compile(route: Route) -> RoutePlan:
    steps = (
        RouteStep.objects.filter(route_id=route.pk)
        .select_related("destination")
        .prefetch_related("caps")
        .order_by("position", "pk")
    )
    return RoutePlan(
        route_id=route.pk,
        name=route.name,
        method=route.method,
        max_destinations=route.max_destinations,
        time_zone=route.time_zone,
        tz=zone(route.time_zone),
        steps=tuple(
            StepPlan(
                step_id=step.pk,
                position=step.position,
                destination_id=step.destination.pk,
                slug=step.destination.slug,
                name=step.destination.name,
                weight=step.weight,
                step_seconds=step.step_seconds,
                clauses=tuple(clauses_compile(step.filters)),
                hours=schedule_compile(step.schedule),
                caps=tuple(step.caps.all()),
            )
            for step in steps
        ),
    )


def destination_off_reason(active: bool, connection_active: bool, campaign: tuple[Any, ...]) -> str:
    if not active or not connection_active:
        return "switched off"
    campaign_id, campaign_active, listed, archived = campaign
    if campaign_id is None:
        return ""
    if archived:
        return "its campaign takes no leads (archived)"
    if not listed:
        return "its campaign takes no leads (no longer listed)"
    return "" if campaign_active else "its campaign takes no leads (off)"


# What changes without the route changing, per step: read on every decision. Its SQL is
# made by the ORM once and kept (a decision's budget is a couple of milliseconds).
_NOW_READ = (
    "pk",
    "last_chosen_at",
    "destination__is_active",
    "destination__connection__is_active",
    "destination__campaign_id",
    "destination__campaign__active",
    "destination__campaign__listed",
    "destination__campaign__archived",
)
_SQL: dict[str, str] = {}


def _now_read(route_id: int) -> list[tuple[Any, ...]]:
    sql = _SQL.get("now_read")
    if sql is None:
        query = RouteStep.objects.filter(route_id=0).values_list(*_NOW_READ).query
        sql = _SQL["now_read"] = query.sql_with_params()[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, [route_id])
        rows = cursor.fetchall()
    return [(row[0], _aware(row[1]), *row[2:]) for row in rows]


def _aware(value: Any) -> datetime | None:
    """A datetime as PostgreSQL gives it; SQLite gives text in UTC."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _stamp(route_id: int) -> datetime:
    sql = _SQL.get("stamp")
    if sql is None:
        query = Route.objects.filter(pk=0).values_list("updated_at").query
        sql = _SQL["stamp"] = query.sql_with_params()[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, [route_id])
        row = cursor.fetchone()
    if row is None:
        raise Route.DoesNotExist(f"No route {route_id}")
    stamp = _aware(row[0])
    assert stamp is not None
    return stamp


def route_plan(route: Route | int) -> RoutePlan:
    """The route as it is now: compiled once per change, with what changes on its own
    (destinations switched off, round robin's turns) read fresh: two small queries."""
    route_id = route if isinstance(route, int) else route.pk
    stamp = _stamp(route_id)
    plan = _PLANS.get((route_id, stamp))
    if plan is None:
        if len(_PLANS) > 1000:
            _PLANS.clear()
        plan = _PLANS[(route_id, stamp)] = _compile(Route.objects.get(pk=route_id))
    off: dict[int, str] = {}
    last_chosen: dict[int, datetime | None] = {}
    for row in _now_read(route_id):
        off[row[0]] = destination_off_reason(bool(row[2]), bool(row[3]), row[4:])
        last_chosen[row[0]] = row[1]
    return replace(plan, off=off, last_chosen=last_chosen)


@dataclass
class Decision:
    """The eligible steps in the order to try them, and every check on the way."""

    plan: RoutePlan
    order: list[StepPlan]
    timeline: list[dict[str, Any]]
    # When what kept a destination out may change by itself (a window resets, hours open).
    recheck_at: datetime | None = None
    reasons: list[str] = field(default_factory=list)


def _check(check: str, ok: bool, words: str, **more: Any) -> dict[str, Any]:
    return {"check": check, "ok": ok, "words": words, **more}


def _shown(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def route_decide(
    lead: Any,
    route: RoutePlan,
    now: datetime,
    *,
    source: str,
    exclude: Iterable[int] = (),
    usage: Mapping[int, int] | None = None,
    rng: random.Random | None = None,
) -> Decision:
    """Every step of ``route`` checked for ``lead`` at ``now``: switched on, its filters,
    its schedule, its caps. ``exclude``: steps already tried (a waterfall's fall-through)."""
    skipped = set(exclude)
    values = lead_values(lead, source=source)
    steps = [s for s in route.steps if s.step_id not in skipped]
    if usage is None:
        usage = caps_module.usage(
            [c for s in steps for c in s.caps], now, route.time_zone, route_id=route.route_id
        )
    decision = Decision(plan=route, order=[], timeline=[])
    for step in steps:
        off = route.off.get(step.step_id, "no longer in the route")
        checks = [_check("active", not off, off or "taking leads")]
        if checks[-1]["ok"]:
            checks.append(_filters_check(step, values))
        if checks[-1]["ok"]:
            checks.append(_schedule_check(step, now, route, decision))
        if checks[-1]["ok"]:
            checks.extend(_caps_check(step, now, route, usage, decision))
        if checks[-1]["ok"] and route.method == RouteMethod.WEIGHTED and step.weight <= 0:
            checks.append(_check("weight", False, "its weight is 0"))
        eligible = all(c["ok"] for c in checks)
        decision.timeline.append(
            {
                "at": now.isoformat(),
                "kind": "considered",
                "destination": step.slug,
                "name": step.name,
                "position": step.position,
                "eligible": eligible,
                "checks": checks,
            }
        )
        if eligible:
            decision.order.append(step)
        else:
            decision.reasons.append(f"{step.name}: {checks[-1]['words']}")
    decision.order = _ordered(
        decision.order, route.method, route.last_chosen, rng or random.Random()
    )
    return decision


def _filters_check(step: StepPlan, values: Mapping[str, Any]) -> dict[str, Any]:
    if not step.clauses:
        return _check("filters", True, "no filters")
    result = clauses_check(step.clauses, values)
    if result.ok:
        count = clauses_count(step.clauses)
        return _check("filters", True, f"its filters hold ({count} clause{'s' * (count > 1)})")
    assert result.failed is not None
    actual = _shown(result.actual)
    words = f"filter “{result.failed.words}” does not hold: the lead's {result.failed.field} "
    words += f"is {actual!r}" if actual not in (None, "") else "is empty"
    if result.error:
        words = f"filter “{result.failed.words}” could not be checked ({result.error})"
    return _check(
        "filters", False, words, clause=result.failed.words, field=result.failed.field,
        actual=actual,
    )  # fmt: skip


def _schedule_check(
    step: StepPlan, now: datetime, route: RoutePlan, decision: Decision
) -> dict[str, Any]:
    if schedule_open(step.hours, now, route.tz):
        return _check("schedule", True, "within its hours" if step.hours else "always open")
    opening = schedule_next_opening(step.hours, now, route.tz)
    _recheck(decision, opening)
    when = f"; opens {opening.astimezone(route.tz):%a %d %b %H:%M}" if opening else ""
    return _check("schedule", False, f"outside its hours ({route.time_zone}){when}")


def _caps_check(
    step: StepPlan,
    now: datetime,
    route: RoutePlan,
    usage: Mapping[int, int],
    decision: Decision,
) -> list[dict[str, Any]]:
    found = []
    for cap in step.caps:
        used = usage.get(cap.pk, 0)
        ok = used < cap.limit
        words = f"{used} of {cap.limit} {cap.period} cap used"
        if not ok:
            _, resets = window_bounds(cap.period, now, route.tz)
            _recheck(decision, resets)
            words = f"{cap.period} cap reached ({used} of {cap.limit}); resets "
            words += f"{resets.astimezone(route.tz):%a %d %b %H:%M}"
        found.append(_check("cap", ok, words, period=cap.period, used=used, limit=cap.limit))
        if not ok:
            break
    return found or [_check("cap", True, "no caps")]


def _recheck(decision: Decision, when: datetime | None) -> None:
    if when is not None and (decision.recheck_at is None or when < decision.recheck_at):
        decision.recheck_at = when


def _ordered(
    steps: list[StepPlan],
    method: str,
    last_chosen: Mapping[int, datetime | None],
    rng: random.Random,
) -> list[StepPlan]:
    if method == RouteMethod.ROUND_ROBIN:
        # The one that waited longest first; never chosen counts as longest.
        def waited(step: StepPlan) -> tuple[bool, Any, int]:
            at = last_chosen.get(step.step_id)
            return (at is not None, at, step.position)

        return sorted(steps, key=waited)
    if method == RouteMethod.WEIGHTED:
        # Draw one at a time from those left: the weights renormalise as each drops out.
        left, drawn = list(steps), []
        while left:
            pick = rng.choices(range(len(left)), weights=[s.weight for s in left])[0]
            drawn.append(left.pop(pick))
        return drawn
    return steps  # waterfall and send-to-all: the route's order
