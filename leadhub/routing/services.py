"""The one writer of a routed lead's ``RoutingDecision``: route a lead, fall through a
waterfall, hold what nothing can take and release it (staff's own picks: by_hand.py).

Everything runs in the caller's transaction (the lead's, or the one that settled a
submission): a cap's place, the submission and the decision commit together or not at all.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from leadhub.delivery.outbox import submission_create
from leadhub.delivery.rows import submission_transition
from leadhub.events import Event, event_announce
from leadhub.models import Lead, Submission
from leadhub.privacy.duplicates import Duplicate, duplicates_find
from leadhub.routing.caps import caps_release, caps_take, caps_take_again, reservations_record
from leadhub.routing.decide import Decision, StepPlan, route_decide, route_plan
from leadhub.routing.models import (
    DecisionState,
    Route,
    RouteMethod,
    RouteStep,
    RoutingDecision,
    route_touch,
)
from leadhub.routing.readiness import destination_missing, destinations_load, missing_words
from leadhub.services.leads import destination_payload_build, lead_contact
from leadhub.statuses import NOT_TAKEN
from leadhub.statuses import SubmissionStatus as S
from vendors.models import Destination

# Gone without reaching the vendor: cancelled when its step time runs out.
NOT_SENT_YET = frozenset({S.QUEUED, S.RETRY_WAIT})


def timeline_entry(now: datetime, kind: str, words: str, **more: Any) -> dict[str, Any]:
    return {"at": now.isoformat(), "kind": kind, "words": words, **more}


def _send(
    lead: Lead,
    step: StepPlan,
    destination: Destination,
    decision: Decision,
    now: datetime,
    created_by: Any,
) -> Submission | None:
    """Take the step's caps and write its submission, or say in the timeline why not."""
    counters, full = caps_take(step.caps, now, decision.plan.time_zone)
    if full is not None:
        decision.timeline.append(
            timeline_entry(
                now,
                "cap_full",
                f"{destination.name}: its {full.period} cap of {full.limit} filled up "
                "before the lead could take a place",
                destination=destination.slug,
            )
        )
        return None
    payload = destination_payload_build(
        destination=destination, contact=lead_contact(lead), values={}
    )
    submission = submission_create(
        lead=lead, destination=destination, payload=payload, created_by=created_by
    )
    reservations_record(submission, counters)
    RouteStep.objects.filter(pk=step.step_id).update(last_chosen_at=now)
    decision.timeline.append(
        timeline_entry(
            now,
            "sent",
            f"Sent to {destination.name}",
            destination=destination.slug,
            submission=submission.pk,
        )
    )
    return submission


def _duplicates(
    lead: Lead, decision: Decision, destinations: dict[int, Destination], now: datetime
) -> dict[int, Duplicate]:
    """The eligible destinations this person went to recently, each said in the timeline."""
    if not decision.order:
        return {}
    found = duplicates_find(lead_contact(lead), list(destinations.values()), now=now)
    for step in decision.order:
        earlier = found.get(step.destination_id)
        if earlier is not None and earlier.lead_id != lead.pk:
            decision.timeline.append(
                timeline_entry(
                    now,
                    "duplicate",
                    f"{step.name}: this person was sent there on "
                    f"{earlier.created_at:%Y-%m-%d} (lead {earlier.lead_id})",
                    destination=step.slug,
                )
            )
            decision.reasons.append(f"{step.name}: a duplicate")
    return found


def route_steps(
    lead: Lead, route_id: int, source: str, now: datetime, tried: list[int], guard: bool
) -> tuple[Decision, dict[int, Destination], list[StepPlan], dict[int, Duplicate]]:
    """The route's decision for the lead: the steps to try in order, less the destinations
    this person went to recently unless the duplicate guard is off (``guard``)."""
    decision = route_decide(
        lead, route_plan(route_id), now, source=source, exclude=tried, rng=random.Random()
    )
    destinations = destinations_load([s.destination_id for s in decision.order])
    found = _duplicates(lead, decision, destinations, now) if guard else {}
    order = [s for s in decision.order if s.destination_id not in found]
    return decision, destinations, order, found


def step_ready(
    contact: dict[str, Any],
    step: StepPlan,
    destination: Destination,
    decision: Decision,
    now: datetime,
) -> bool:
    """Whether the lead carries what the step's destination requires (readiness.py); if
    not, the timeline says what is missing and the route goes on. Checked just before a
    send, so a waterfall reads only the destinations it reaches."""
    missing = destination_missing(destination, contact)
    if missing:
        words = missing_words(step.name, missing)
        decision.timeline.append(
            timeline_entry(now, "missing_fields", words, destination=step.slug, missing=missing)
        )
        decision.reasons.append(f"{step.name}: lacks required fields")
    return not missing


def _route(
    row: RoutingDecision, lead: Lead, now: datetime, created_by: Any = None, guard: bool = True
) -> None:
    """Decide and send as the route's method says; hold when nothing took the lead."""
    if row.route_id is None:
        return  # picked by hand: no route to follow
    decision, destinations, order, _ = route_steps(
        lead, row.route_id, row.source, now, row.tried, guard
    )
    plan = decision.plan
    sent: list[Submission] = []
    at_most = plan.max_destinations if plan.method == RouteMethod.ALL else 1
    contact = lead_contact(lead)
    for step in order:
        if not step_ready(contact, step, destinations[step.destination_id], decision, now):
            continue
        submission = _send(lead, step, destinations[step.destination_id], decision, now, created_by)
        if submission is None:
            continue
        sent.append(submission)
        row.tried = [*row.tried, step.step_id]
        if at_most is not None and len(sent) >= at_most:
            break
    row.timeline = [*row.timeline, *decision.timeline]
    if not sent:
        _hold(row, decision, now)
        return
    row.held_reason, row.recheck_at = "", None
    if plan.method == RouteMethod.WATERFALL:
        step = next(s for s in order if s.step_id == row.tried[-1])
        row.state, row.current = DecisionState.WAITING, sent[0]
        row.step_deadline = (
            now + timedelta(seconds=step.step_seconds) if step.step_seconds else None
        )
    else:
        row.state, row.current, row.step_deadline = DecisionState.ROUTED, None, None


def _hold(row: RoutingDecision, decision: Decision, now: datetime) -> None:
    waterfall_tried = bool(row.tried) and decision.plan.method == RouteMethod.WATERFALL
    reason = "; ".join(decision.reasons) or "the route has no destination"
    row.state = DecisionState.HELD
    row.current, row.step_deadline = None, None
    row.held_reason = (
        f"Every destination was tried or could not take it: {reason}"
        if waterfall_tried
        else f"No destination could take it: {reason}"
    )
    row.recheck_at = decision.recheck_at
    when = (
        f" Looked at again {decision.recheck_at.astimezone(decision.plan.tz):%a %d %b %H:%M}."
        if decision.recheck_at
        else " Looked at again when the route changes, or route it by hand."
    )
    row.timeline = [*row.timeline, timeline_entry(now, "held", f"Held. {row.held_reason}.{when}")]


def _save(row: RoutingDecision, *, was: str | None) -> None:
    """Save the decision; a lead that has just come to be held (``was``: its state before,
    None for a new one) is announced once its decision is there to read. Still held after
    a recheck or a route edit is no news: webhooks and channels hear it once."""
    row.save()
    if row.state == DecisionState.HELD and was != DecisionState.HELD:
        event_announce(Event.LEAD_HELD, object_id=row.lead_id, route_id=row.route_id)


@transaction.atomic
def route_apply(
    *,
    lead: Lead,
    route: Route,
    source: str,
    now: datetime | None = None,
    created_by: Any = None,
    allow_duplicate: bool = False,
) -> RoutingDecision:
    """Route a new lead by ``route``: its decision saved with the timeline, what it chose
    sent (caps taken in this transaction), or held with the reason. ``allow_duplicate``:
    the sender asked to send even where this person went recently."""
    now = now or timezone.now()
    row = RoutingDecision(lead=lead, route=route, source=source, state=DecisionState.ROUTED)
    row.timeline = [
        timeline_entry(now, "route", f"Routed by “{route.name}” ({route.get_method_display()})")
    ]
    _route(row, lead, now, created_by, guard=not allow_duplicate)
    _save(row, was=None)
    return row


def _locked(**where: Any) -> RoutingDecision | None:
    return RoutingDecision.objects.select_for_update().filter(**where).first()


def _submission_locked(submission_id: int, *, skip_locked: bool = False) -> Submission | None:
    """The submission row, locked for this transaction (None: gone, or busy when
    ``skip_locked``); its status is read under the lock."""
    skip = skip_locked and connection.features.has_select_for_update_skip_locked
    rows = Submission.objects.select_for_update(skip_locked=skip).filter(pk=submission_id)
    return rows.first()


# The submission locked, and whether its lead has a decision: written once, not built by
# the ORM for every send that ends (most have none: a fifth of a push's CPU).
_LOCK_ROUTED = (
    "SELECT EXISTS (SELECT 1 FROM {decision} d WHERE d.lead_id = s.lead_id)"
    " FROM {submission} s WHERE s.id = %s{for_update}"
)


def _submission_lock_routed(submission_id: int) -> bool:
    """Lock the submission (as ``_submission_locked``); whether its lead has a decision."""
    quote = connection.ops.quote_name
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = _LOCK_ROUTED.format(
        decision=quote(RoutingDecision._meta.db_table),
        submission=quote(Submission._meta.db_table),
        for_update=for_update,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [submission_id])
        row = cursor.fetchone()
    return bool(row and row[0])


def routing_submission_ended(*, submission_id: int) -> None:
    """A routed send ended: a waterfall moves on, or ends when it was accepted; a failed
    send gives its caps back. Called in the transaction that settled the submission.

    Every path locks in one order, the submission, then its decision, then cap counters:
    the worker settling a send holds the submission when this runs, and the sweep takes the
    submission first too, so the two never wait on each other (no deadlock to roll back
    halfway and send the lead twice). The status is read under the lock, never passed in.

    A lead with no decision (sent by the API or an import to destinations named) has no
    waterfall and no caps: the lock's one statement says so and nothing more is read. Its
    decision, if any, is written in the transaction that wrote its submissions."""
    if not _submission_lock_routed(submission_id):
        return
    submission = _submission_locked(submission_id)
    if submission is None:
        return
    status = submission.status
    row = _locked(current_id=submission_id, state=DecisionState.WAITING)
    now = timezone.now()
    if status in NOT_TAKEN:
        caps_release(submission_id=submission_id)
    elif status == S.ACCEPTED:
        caps_take_again(submission, now)  # a resend accepted after its places went back
    if row is None:
        return
    destination = Destination.objects.filter(submissions=submission_id).first()
    name = destination.name if destination else "The destination"
    if status == S.ACCEPTED:
        row.state, row.step_deadline = DecisionState.ACCEPTED, None
        row.timeline = [*row.timeline, timeline_entry(now, "accepted", f"{name} accepted the lead")]
        row.save()
        return
    if status not in NOT_TAKEN:
        return
    row.timeline = [
        *row.timeline,
        timeline_entry(now, "fell_through", f"{name}: {S(status).label.lower()}; trying the next"),
    ]
    lead = Lead.objects.get(pk=row.lead_id)
    _route(row, lead, now)
    _save(row, was=DecisionState.WAITING)


def _submission_ended_sweep(submission_id: int) -> None:
    """A send that ended without an event (a duplicate): its submission first, skipped
    while a worker holds it (that worker's own event does the work)."""
    if _submission_locked(submission_id, skip_locked=True) is not None:
        routing_submission_ended(submission_id=submission_id)


def _step_time_up(decision_id: int, submission_id: int, now: datetime) -> None:
    """No answer within the step's time: cancel the send if it has not gone yet, and move
    on; one already at the vendor is waited for (it may still be accepted). The submission
    is locked before the decision, as a worker settling it does; one a worker holds is
    left for the next sweep."""
    submission = _submission_locked(submission_id, skip_locked=True)
    if submission is None or submission.status not in NOT_SENT_YET:
        return
    row = _locked(
        pk=decision_id,
        current_id=submission_id,
        state=DecisionState.WAITING,
        step_deadline__lte=now,
    )
    if row is None:
        return
    submission_transition(submission, S.CANCELLED, completed_at=now)
    routing_submission_ended(submission_id=submission.pk)


def routing_sweep(now: datetime | None = None, *, limit: int = 200) -> int:
    """The minute's work: waterfall steps out of time or ended without an event (a
    duplicate), and held leads whose recheck time came (once each: the recheck time moves
    to the next event, or is cleared). Only ids are read here; each is looked at again
    under its locks."""
    now = now or timezone.now()
    done = 0
    waiting = RoutingDecision.objects.filter(state=DecisionState.WAITING).filter(
        current__status__in=sorted(NOT_TAKEN)
    )
    late = RoutingDecision.objects.filter(
        state=DecisionState.WAITING, step_deadline__lte=now, current__isnull=False
    )
    for current_id in waiting.values_list("current_id", flat=True)[:limit]:
        with transaction.atomic():
            _submission_ended_sweep(current_id)
        done += 1
    for pk, current_id in late.values_list("pk", "current_id")[:limit]:
        with transaction.atomic():
            _step_time_up(pk, current_id, now)
        done += 1
    held = RoutingDecision.objects.filter(state=DecisionState.HELD, recheck_at__lte=now)
    for pk in held.values_list("pk", flat=True)[:limit]:
        done += routing_recheck(decision_id=pk, now=now)
    return done


@transaction.atomic
def routing_recheck(*, decision_id: int, now: datetime | None = None) -> int:
    """Look at a held lead again; 1 if it was looked at."""
    now = now or timezone.now()
    row = _locked(pk=decision_id, state=DecisionState.HELD)
    if row is None:
        return 0
    row.timeline = [*row.timeline, timeline_entry(now, "recheck", "Looked at again")]
    _route(row, Lead.objects.get(pk=row.lead_id), now)
    _save(row, was=DecisionState.HELD)
    return 1


def route_changed(*, route_id: int) -> int:
    """A route or one of its steps changed: bump its stamp; its held leads are looked at
    again by the next sweep, once."""
    now = timezone.now()
    route_touch(route_id)
    return RoutingDecision.objects.filter(route_id=route_id, state=DecisionState.HELD).update(
        recheck_at=now
    )
