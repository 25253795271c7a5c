"""Try a route before saving it: the edited (unsaved) route and the saved one, each run over
the last N leads, and what would change: the leads that would go elsewhere, the counts per
destination, and the caps' usage.

It reads only: no decision, submission or cap place is written, no vendor is called. Each
lead is decided as of when it came in (its schedule read at that hour); caps are counted in
memory over the leads tried, oldest first, in their own windows, so a cap the edit would
fill shows as leads kept out. The duplicate guard is left out: it is about the person, not
the rules. A weighted route draws each lead's dice from the lead's id, the same for both,
so only the rules' change moves a lead.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from leadhub.models import Lead
from leadhub.routing import caps as caps_module
from leadhub.routing.decide import (
    RoutePlan,
    StepPlan,
    destination_off_reason,
    route_decide,
    route_plan,
)
from leadhub.routing.filters import FIELDS, clauses_compile
from leadhub.routing.models import Cap, Route, RouteMethod, RouteStep
from leadhub.routing.readiness import destinations_load
from leadhub.routing.services import step_ready
from leadhub.routing.windows import schedule_compile, window_bounds, zone
from leadhub.selectors import sees_everything, visible_leads
from leadhub.services.leads import CONSENT_FIELDS, CONTACT_FIELDS, lead_contact
from vendors.models import Destination

HELD = "held (no destination could take it)"


def trial_lead_count() -> int:
    return int(getattr(settings, "ROUTING_TRIAL_LEADS", 1000))


@dataclass(frozen=True)
class TrialMove:
    lead_id: int
    created_at: datetime
    before: str
    after: str
    why: str  # the edited route's reasons, when a destination dropped out


@dataclass(frozen=True)
class TrialCount:
    name: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class TrialCap:
    name: str
    period: str
    limit: int
    used_now: int | None  # this window's real usage; None for a cap not saved yet
    peak_before: int | None  # None: the saved route has no such cap
    peak_after: int | None
    kept_out_before: int
    kept_out_after: int


@dataclass
class TrialResult:
    leads: int
    moved: list[TrialMove] = field(default_factory=list)
    counts: list[TrialCount] = field(default_factory=list)
    caps: list[TrialCap] = field(default_factory=list)
    held_before: int = 0
    held_after: int = 0
    cpu_seconds: float = 0.0
    own_leads_only: bool = False  # the viewer sees only their own leads: only those tried


def trial_plan(route: Route, steps: Sequence[RouteStep]) -> RoutePlan:
    """The edited route as a plan, from unsaved objects: ``steps`` in their edited state (a
    new one without an id); caps as saved for the steps that have them. Filters and hours
    must already be valid (the form checked them)."""
    saved = [s.pk for s in steps if s.pk]
    caps: dict[int, list[Cap]] = {}
    for cap in Cap.objects.filter(step_id__in=saved).order_by("pk"):
        caps.setdefault(cap.step_id, []).append(cap)
    destination_ids = [s.destination_id for s in steps]
    destinations = Destination.objects.in_bulk(destination_ids)
    off = _off(destination_ids)
    ordered = sorted(enumerate(steps), key=lambda pair: (pair[1].position, pair[0]))
    plans = []
    for index, step in ordered:
        destination = destinations[step.destination_id]
        step_id = step.pk or -(index + 1)  # a new step: an id of its own for this run only
        plans.append(
            StepPlan(
                step_id=step_id,
                position=step.position,
                destination_id=destination.pk,
                slug=destination.slug,
                name=destination.name,
                weight=step.weight,
                step_seconds=step.step_seconds,
                clauses=tuple(clauses_compile(step.filters)),
                hours=schedule_compile(step.schedule),
                caps=tuple(caps.get(step.pk, ())) if step.pk else (),
            )
        )
    return RoutePlan(
        route_id=route.pk or 0,
        name=route.name,
        method=route.method,
        max_destinations=route.max_destinations,
        time_zone=route.time_zone,
        tz=zone(route.time_zone),
        steps=tuple(plans),
        off={p.step_id: off.get(p.destination_id, "") for p in plans},
        last_chosen={},
    )


def _off(destination_ids: Iterable[int]) -> dict[int, str]:
    rows = Destination.objects.filter(pk__in=list(destination_ids)).values_list(
        "pk",
        "is_active",
        "connection__is_active",
        "campaign_id",
        "campaign__active",
        "campaign__listed",
        "campaign__archived",
    )
    return {row[0]: destination_off_reason(bool(row[1]), bool(row[2]), row[3:]) for row in rows}


class _Run:
    """One plan run over the leads, oldest first, its caps counted in memory."""

    def __init__(self, plan: RoutePlan, destinations: Mapping[int, Destination]) -> None:
        # Round robin's turns start afresh for both runs and move as each run sends.
        self.plan = plan
        self.last_chosen: dict[int, datetime | None] = {}
        self.plan_now = replace(plan, last_chosen=self.last_chosen)
        self.caps = [c for s in plan.steps for c in s.caps]
        self.periods = sorted({c.period for c in self.caps})
        self.counts: Counter[tuple[int, datetime]] = Counter()
        self.kept_out: Counter[int] = Counter()
        self.sent: Counter[str] = Counter()
        self.held = 0
        self.at_most = plan.max_destinations if plan.method == RouteMethod.ALL else 1
        self.destinations = destinations  # with what the required-fields check reads

    def decide(self, lead: Any, source: str) -> tuple[list[StepPlan], list[str]]:
        at = lead.created_at
        starts = {p: window_bounds(p, at, self.plan.tz)[0] for p in self.periods}
        usage = {c.pk: self.counts[(c.pk, starts[c.period])] for c in self.caps}
        decision = route_decide(
            lead, self.plan_now, at, source=source, usage=usage, rng=random.Random(lead.pk)
        )
        for entry in decision.timeline:
            failing = entry["checks"][-1]
            if failing["check"] == "cap" and not failing["ok"]:
                step = next(s for s in self.plan.steps if s.slug == entry["destination"])
                cap = next(c for c in step.caps if c.period == failing["period"])
                self.kept_out[cap.pk] += 1
        # As routing sends: each destination, in order, only if the lead carries what it
        # requires (the same check), until enough are chosen.
        chosen: list[StepPlan] = []
        contact = lead_contact(lead)
        for step in decision.order:
            if self.at_most is not None and len(chosen) >= self.at_most:
                break
            destination = self.destinations[step.destination_id]
            if step_ready(contact, step, destination, decision, at):
                chosen.append(step)
        for step in chosen:
            for cap in step.caps:
                self.counts[(cap.pk, starts[cap.period])] += 1
            self.last_chosen[step.step_id] = at
            self.sent[step.name] += 1
        if not chosen:
            self.held += 1
        return chosen, decision.reasons

    def peak(self, cap_id: int) -> int:
        return max((n for (pk, _), n in self.counts.items() if pk == cap_id), default=0)


def _recent_leads(count: int, viewer: Any) -> list[Lead]:
    """The last ``count`` leads ``viewer`` may see (the lead list's rule): the trial's
    reasons quote the leads' values."""
    fields = {name for name in (*FIELDS, *CONTACT_FIELDS, *CONSENT_FIELDS) if name != "source"}
    leads = (
        visible_leads(viewer)
        .filter(erased_at__isnull=True)
        .only("pk", "extra", *fields)
        .annotate(source_kind=Coalesce(F("source__kind"), Value("")))
        .order_by("-created_at", "-pk")[:count]
    )
    return list(reversed(leads))


def _names(steps: Iterable[StepPlan]) -> str:
    return ", ".join(s.name for s in steps) or HELD


def route_trial_run(
    *, route: Route, steps: Sequence[RouteStep], viewer: Any, leads: int | None = None
) -> TrialResult:
    """The edited ``route`` and ``steps`` (unsaved) against the saved route (none for a new
    one) over the last ``leads`` leads ``viewer`` may see (default ``ROUTING_TRIAL_LEADS``):
    what would change. Nothing is written."""
    started = time.process_time()
    edited = trial_plan(route, steps)
    saved = Route.objects.filter(pk=route.pk).exists() if route.pk else False
    stored = route_plan(route.pk) if saved else None
    plans = [edited] if stored is None else [edited, stored]
    destinations = destinations_load([s.destination_id for p in plans for s in p.steps])
    after = _Run(edited, destinations)
    before = _Run(stored, destinations) if stored else None
    recent = _recent_leads(leads if leads is not None else trial_lead_count(), viewer)
    result = TrialResult(leads=len(recent), own_leads_only=not sees_everything(viewer))
    for lead in recent:
        source = lead.source_kind  # type: ignore[attr-defined]
        new, reasons = after.decide(lead, source)
        old = before.decide(lead, source)[0] if before else []
        was, now = _names(old), _names(new)
        if was != now:
            dropped = {s.step_id for s in old} - {s.step_id for s in new}
            why = "; ".join(reasons) if dropped or not new else ""
            result.moved.append(TrialMove(lead.pk, lead.created_at, was, now, why))
    result.held_after = after.held
    result.held_before = before.held if before else 0
    names = [s.name for s in after.plan.steps]
    if before:
        names += [s.name for s in before.plan.steps if s.name not in names]
    result.counts = [TrialCount(n, before.sent[n] if before else 0, after.sent[n]) for n in names]
    result.caps = _caps(before, after)
    result.cpu_seconds = time.process_time() - started
    return result


def _caps(before: _Run | None, after: _Run) -> list[TrialCap]:
    runs = [r for r in (before, after) if r is not None]
    caps: dict[int, tuple[str, Cap]] = {}
    for run in runs:
        for step in run.plan.steps:
            for cap in step.caps:
                caps.setdefault(cap.pk, (step.name, cap))
    now_used: Mapping[int, int] = {}
    if caps and before is not None:
        now_used = caps_module.usage(
            [c for _, c in caps.values()],
            timezone.now(),
            before.plan.time_zone,
            route_id=before.plan.route_id,
        )
    before_ids = {c.pk for c in before.caps} if before else set()
    after_ids = {c.pk for c in after.caps}
    return [
        TrialCap(
            name=name,
            period=cap.period,
            limit=cap.limit,
            used_now=now_used.get(pk, 0) if before is not None else None,
            peak_before=before.peak(pk) if before and pk in before_ids else None,
            peak_after=after.peak(pk) if pk in after_ids else None,
            kept_out_before=before.kept_out[pk] if before else 0,
            kept_out_after=after.kept_out[pk],
        )
        for pk, (name, cap) in caps.items()
    ]
