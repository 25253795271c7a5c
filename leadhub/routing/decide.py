"""``route_decide``: which of a route's destinations may take a lead now, in what order, and
why each was or was not chosen (the timeline). It reads only; ``services`` sends.

A route is compiled once per change (``route_plan``: clauses and schedules checked and
compiled, cached by the route's ``updated_at``); a decision then compares values in memory,
with the caps' usage read in one query.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from leadhub.routing import caps as caps_module
from leadhub.routing.filters import Clause, clauses_check, clauses_compile, lead_values
from leadhub.routing.models import Cap, Route, RouteMethod, RouteStep
from leadhub.routing.windows import (
    Hours,
    schedule_compile,
    schedule_next_opening,
    schedule_open,
    window_bounds,
    zone,
)
from vendors.models import Destination


@dataclass(frozen=True)
class StepPlan:
    step_id: int
    position: int
    destination: Destination
    weight: int
    step_seconds: int | None
    clauses: tuple[Clause, ...]
    hours: Hours
    caps: tuple[Cap, ...]
    last_chosen_at: datetime | None


@dataclass(frozen=True)
class RoutePlan:
    route_id: int
    name: str
    method: str
    max_destinations: int | None
    time_zone: str
    tz: ZoneInfo
    steps: tuple[StepPlan, ...]


# (step id, route updated_at) → compiled clauses and hours; a route's change bumps the key.
_COMPILED: dict[tuple[int, datetime], tuple[tuple[Clause, ...], Hours]] = {}


def _compiled(step: RouteStep, stamp: datetime) -> tuple[tuple[Clause, ...], Hours]:
    key = (step.pk, stamp)
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) > 10_000:
            _COMPILED.clear()
        found = (tuple(clauses_compile(step.filters)), schedule_compile(step.schedule))
        _COMPILED[key] = found
    return found


def route_plan(route: Route | int) -> RoutePlan:
    """The route as read now (its steps, destinations and caps: three queries)."""
    route_id = route if isinstance(route, int) else route.pk
    fresh = Route.objects.get(pk=route_id)
    steps = (
        RouteStep.objects.filter(route_id=route_id)
        .select_related("destination__connection", "destination__campaign")
        .prefetch_related("caps")
        .order_by("position", "pk")
    )
    plans = []
    for step in steps:
        clauses, hours = _compiled(step, fresh.updated_at)
        plans.append(
            StepPlan(
                step_id=step.pk,
                position=step.position,
                destination=step.destination,
                weight=step.weight,
                step_seconds=step.step_seconds,
                clauses=clauses,
                hours=hours,
                caps=tuple(step.caps.all()),
                last_chosen_at=step.last_chosen_at,
            )
        )
    return RoutePlan(
        route_id=fresh.pk,
        name=fresh.name,
        method=fresh.method,
        max_destinations=fresh.max_destinations,
        time_zone=fresh.time_zone,
        tz=zone(fresh.time_zone),
        steps=tuple(plans),
    )


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


def _destination_check(destination: Destination) -> dict[str, Any]:
    if not destination.is_active or not destination.connection.is_active:
        return _check("active", False, "switched off")
    campaign = destination.campaign
    if campaign is not None and not campaign.usable:
        return _check("active", False, f"its campaign takes no leads ({campaign.unusable_reason})")
    return _check("active", True, "taking leads")


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
        usage = caps_module.usage([c for s in steps for c in s.caps], now, route.time_zone)
    decision = Decision(plan=route, order=[], timeline=[])
    for step in steps:
        checks = [_destination_check(step.destination)]
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
                "destination": step.destination.slug,
                "name": step.destination.name,
                "position": step.position,
                "eligible": eligible,
                "checks": checks,
            }
        )
        if eligible:
            decision.order.append(step)
        else:
            decision.reasons.append(f"{step.destination.name}: {checks[-1]['words']}")
    decision.order = _ordered(decision.order, route.method, rng or random.Random())
    return decision


def _filters_check(step: StepPlan, values: Mapping[str, Any]) -> dict[str, Any]:
    if not step.clauses:
        return _check("filters", True, "no filters")
    result = clauses_check(step.clauses, values)
    if result.ok:
        return _check("filters", True, f"all {len(step.clauses)} filters hold")
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


def _ordered(steps: list[StepPlan], method: str, rng: random.Random) -> list[StepPlan]:
    if method == RouteMethod.ROUND_ROBIN:
        # The one that waited longest first; never chosen counts as longest.
        return sorted(
            steps, key=lambda s: (s.last_chosen_at is not None, s.last_chosen_at, s.position)
        )
    if method == RouteMethod.WEIGHTED:
        # Draw one at a time from those left: the weights renormalise as each drops out.
        left, drawn = list(steps), []
        while left:
            pick = rng.choices(range(len(left)), weights=[s.weight for s in left])[0]
            drawn.append(left.pop(pick))
        return drawn
    return steps  # waterfall and send-to-all: the route's order
