"""Routing a lead: sends, a waterfall's fall-through, caps given back, holding and release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from leadhub.delivery.outbox import submission_resend
from leadhub.events import Event, event_happened
from leadhub.notifications.models import Notification
from leadhub.routing.caps import caps_release, caps_take_again
from leadhub.routing.models import CapCounter, DecisionState, RouteMethod, RouteStep
from leadhub.routing.services import (
    route_apply,
    route_changed,
    routing_recheck,
    routing_sweep,
)
from leadhub.statuses import SubmissionStatus as S
from tests.factories import CapFactory, ChannelFactory
from tests.leadhub.routing.conftest import person, settle

pytestmark = pytest.mark.django_db

MONDAY_MORNING = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def sent_to(lead) -> list[str]:
    return [s.destination.name for s in lead.submissions.order_by("pk")]


def test_a_waterfall_sends_to_the_first_and_falls_through_on_rejection(make_route) -> None:
    route = make_route({}, {}, {}, name="WF")
    lead = person()
    decision = route_apply(lead=lead, route=route, source="api", now=MONDAY_MORNING)
    assert decision.state == DecisionState.WAITING
    assert sent_to(lead) == ["WF 0"]
    settle(lead.submissions.get(), S.REJECTED)  # the event moves it on, in that transaction
    assert sent_to(lead) == ["WF 0", "WF 1"]
    settle(lead.submissions.order_by("pk").last(), S.ACCEPTED)
    decision.refresh_from_db()
    assert decision.state == DecisionState.ACCEPTED
    assert sent_to(lead) == ["WF 0", "WF 1"]
    kinds = [e["kind"] for e in decision.timeline]
    assert kinds == [
        "route",
        "considered",
        "considered",
        "considered",
        "sent",
        "fell_through",
        "considered",
        "considered",
        "sent",
        "accepted",
    ]


def test_a_duplicate_at_the_vendor_falls_through_on_the_sweep(make_route) -> None:
    route = make_route({}, {}, name="DUP")
    lead = person()
    route_apply(lead=lead, route=route, source="api")
    settle(lead.submissions.get(), S.DUPLICATE)  # no event: the sweep sees it
    assert routing_sweep() == 1
    assert sent_to(lead) == ["DUP 0", "DUP 1"]
    assert routing_sweep() == 0


def test_no_answer_within_the_step_time_cancels_the_waiting_send_and_moves_on(
    make_route,
) -> None:
    route = make_route({"step_seconds": 60}, {}, name="T")
    lead = person()
    now = timezone.now()
    route_apply(lead=lead, route=route, source="api", now=now)
    assert routing_sweep(now + timedelta(seconds=30)) == 0
    routing_sweep(now + timedelta(seconds=61))
    first, second = lead.submissions.order_by("pk")
    assert first.status == S.CANCELLED and second.destination.name == "T 1"


def test_a_send_already_at_the_vendor_is_waited_for_after_the_step_time(make_route) -> None:
    route = make_route({"step_seconds": 60}, {}, name="V")
    lead = person()
    now = timezone.now()
    route_apply(lead=lead, route=route, source="api", now=now)
    first = lead.submissions.get()
    first.status = S.SENDING
    first.save()
    routing_sweep(now + timedelta(minutes=5))
    assert sent_to(lead) == ["V 0"]  # it may still be accepted: never two


def test_send_to_all_at_most_n(make_route) -> None:
    route = make_route({}, {}, {}, method=RouteMethod.ALL, max_destinations=2, name="ALL")
    lead = person()
    decision = route_apply(lead=lead, route=route, source="api")
    assert decision.state == DecisionState.ROUTED
    assert sent_to(lead) == ["ALL 0", "ALL 1"]


def test_round_robin_takes_turns(make_route) -> None:
    route = make_route({}, {}, method=RouteMethod.ROUND_ROBIN, name="RR")
    firsts = []
    for minute in range(4):
        lead = person()
        route_apply(
            lead=lead, route=route, source="api", now=MONDAY_MORNING + timedelta(minutes=minute)
        )
        firsts.append(sent_to(lead)[0])
    assert firsts == ["RR 0", "RR 1", "RR 0", "RR 1"]


def test_a_cap_counts_and_a_failed_send_gives_its_place_back(make_route) -> None:
    route = make_route({}, name="C")
    cap = CapFactory(step=RouteStep.objects.get(route=route), period="day", limit=1)
    first, second = person(), person()
    route_apply(lead=first, route=route, source="api")
    assert route_apply(lead=second, route=route, source="api").state == DecisionState.HELD
    settle(first.submissions.get(), S.REJECTED)
    assert CapCounter.objects.get(cap=cap).count == 0
    assert caps_release(submission_id=first.submissions.get().pk) == 0  # once only
    assert CapCounter.objects.get(cap=cap).count == 0


def test_a_failed_send_resent_and_accepted_takes_its_cap_place_again_once(make_route) -> None:
    route = make_route({}, name="R")
    cap = CapFactory(step=RouteStep.objects.get(route=route), period="day", limit=2)
    lead = person()
    route_apply(lead=lead, route=route, source="api")
    settle(lead.submissions.get(), S.REJECTED)
    assert CapCounter.objects.get(cap=cap).count == 0
    resent = submission_resend(submission=lead.submissions.get())
    settle(resent, S.ACCEPTED)
    assert CapCounter.objects.get(cap=cap).count == 1
    caps_take_again(resent, timezone.now())  # it holds its place: never counted twice
    assert CapCounter.objects.get(cap=cap).count == 1


def test_a_lead_nothing_can_take_is_held_with_the_reason_and_released_once(make_route) -> None:
    route = make_route({}, name="H")
    CapFactory(step=RouteStep.objects.get(route=route), period="day", limit=1)
    route_apply(lead=person(), route=route, source="api", now=MONDAY_MORNING)
    lead = person()
    decision = route_apply(lead=lead, route=route, source="api", now=MONDAY_MORNING)
    assert decision.state == DecisionState.HELD
    assert decision.held_reason == (
        "No destination could take it: H 0: day cap reached (1 of 1); resets Tue 31 Mar 00:00"
    )
    assert decision.recheck_at == datetime(2026, 3, 30, 23, tzinfo=UTC)
    assert routing_sweep(MONDAY_MORNING + timedelta(hours=1)) == 0  # not every tick
    assert routing_sweep(datetime(2026, 3, 30, 23, 1, tzinfo=UTC)) == 1
    decision.refresh_from_db()
    assert decision.state == DecisionState.WAITING and sent_to(lead) == ["H 0"]


def test_a_held_lead_is_looked_at_again_when_its_route_changes(make_route) -> None:
    route = make_route({"filters": [{"field": "company", "op": "eq", "value": "Acme"}]})
    lead = person(company="Initech")
    decision = route_apply(lead=lead, route=route, source="api")
    assert decision.state == DecisionState.HELD and decision.recheck_at is None
    step = RouteStep.objects.get(route=route)
    step.filters = []
    step.save()
    assert route_changed(route_id=route.pk) == 1
    assert routing_sweep() == 1
    assert routing_recheck(decision_id=decision.pk) == 0  # no longer held
    assert lead.submissions.count() == 1


def test_a_destination_this_person_went_to_recently_is_left_out(make_route) -> None:
    route = make_route({}, {}, method=RouteMethod.ALL, name="D")
    route_apply(lead=person(phone="07911 123456"), route=route, source="api")
    again = person(phone="07911 123456")
    decision = route_apply(lead=again, route=route, source="api")
    assert decision.state == DecisionState.HELD
    assert [e["kind"] for e in decision.timeline].count("duplicate") == 2


def test_a_held_lead_tells_the_channels_once_per_route_and_window_without_its_values(
    make_route, monkeypatch
) -> None:
    monkeypatch.setattr("leadhub.notifications.incidents.async_task", lambda *a, **k: None)
    channel = ChannelFactory()
    route = make_route({"filters": [{"field": "company", "op": "eq", "value": "Acme"}]})
    first = person(company="Initech")
    route_apply(lead=first, route=route, source="api")
    route_apply(lead=person(company="Initech"), route=route, source="api")
    told = Notification.objects.get(channel=channel, event="lead.held")
    assert told.occurrences == 2
    assert route.name in told.subject
    assert "Initech" not in told.body and first.email not in told.body


def test_a_held_lead_is_announced_once_not_on_each_recheck_or_route_edit(make_route) -> None:
    told: list[int] = []

    def heard(*, event: str, object_id: int, **_: object) -> None:
        if event == Event.LEAD_HELD:
            told.append(object_id)

    event_happened.connect(heard, dispatch_uid="test-held-once")
    try:
        route = make_route({"filters": [{"field": "company", "op": "eq", "value": "Acme"}]})
        lead = person(company="Initech")
        decision = route_apply(lead=lead, route=route, source="api")
        for _ in range(2):
            route_changed(route_id=route.pk)
            assert routing_sweep() == 1  # looked at again, still held
        decision.refresh_from_db()
        assert decision.state == DecisionState.HELD
    finally:
        event_happened.disconnect(dispatch_uid="test-held-once")
    assert told == [lead.pk]
