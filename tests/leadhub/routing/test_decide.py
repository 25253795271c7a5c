"""route_decide: each method's order, each check in the timeline with its reason."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

import pytest

from leadhub.routing.decide import route_decide, route_plan
from leadhub.routing.models import RouteMethod, RouteStep
from tests.factories import CapFactory, LeadFactory

pytestmark = pytest.mark.django_db

# Monday 30 March 2026, 10:00 BST.
MONDAY_MORNING = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def names(decision) -> list[str]:
    return [s.name for s in decision.order]


def test_a_waterfall_keeps_the_routes_order_and_leaves_out_what_does_not_fit(make_route) -> None:
    route = make_route(
        {"filters": [{"field": "email", "op": "contains", "value": "@corp.com"}]},
        {"schedule": {"sat": ["09:00", "17:00"]}},
        {},
        {},
        name="R",
    )
    CapFactory(step=RouteStep.objects.get(route=route, position=3), period="day", limit=0)
    lead = LeadFactory(email="ada@example.com")
    decision = route_decide(lead, route_plan(route), MONDAY_MORNING, source="api")
    assert names(decision) == ["R 2"]
    first, second, third, fourth = decision.timeline
    assert first["checks"][-1] == {
        "check": "filters",
        "ok": False,
        "words": "filter “email contains '@corp.com'” does not hold: the lead's email is "
        "'ada@example.com'",
        "clause": "email contains '@corp.com'",
        "field": "email",
        "actual": "ada@example.com",
    }
    assert second["checks"][-1]["check"] == "schedule"
    assert (
        "outside its hours (Europe/London); opens Sat 04 Apr 09:00"
        in (second["checks"][-1]["words"])
    )
    assert third["eligible"] and [c["check"] for c in third["checks"]] == [
        "active",
        "filters",
        "schedule",
        "cap",
    ]
    assert fourth["checks"][-1] == {
        "check": "cap",
        "ok": False,
        "words": "day cap reached (0 of 0); resets Tue 31 Mar 00:00",
        "period": "day",
        "used": 0,
        "limit": 0,
    }
    # The earliest change that may let one in: the Monday cap resets before Saturday opens.
    assert decision.recheck_at == datetime(2026, 3, 30, 23, 0, tzinfo=UTC)


def test_a_switched_off_destination_is_left_out(make_route) -> None:
    route = make_route({}, {})
    first = RouteStep.objects.get(route=route, position=0).destination
    first.is_active = False
    first.save()
    decision = route_decide(LeadFactory(), route_plan(route), MONDAY_MORNING, source="api")
    assert len(decision.order) == 1
    assert decision.timeline[0]["checks"] == [
        {"check": "active", "ok": False, "words": "switched off"}
    ]


def test_round_robin_picks_the_one_that_waited_longest(make_route) -> None:
    route = make_route({}, {}, {}, method=RouteMethod.ROUND_ROBIN, name="RR")
    steps = list(RouteStep.objects.filter(route=route).order_by("position"))
    for step, hour in zip(steps, (9, 7, 8), strict=True):
        step.last_chosen_at = datetime(2026, 3, 30, hour, tzinfo=UTC)
        step.save()
    decision = route_decide(LeadFactory(), route_plan(route), MONDAY_MORNING, source="api")
    assert names(decision) == ["RR 1", "RR 2", "RR 0"]


def test_weighted_draws_follow_the_weights_renormalised_when_one_drops_out(make_route) -> None:
    route = make_route(
        {"weight": 1},
        {"weight": 3},
        {"weight": 6, "filters": [{"field": "source", "op": "eq", "value": "import"}]},
        {"weight": 0},
        method=RouteMethod.WEIGHTED,
        name="W",
    )
    plan = route_plan(route)
    rng = random.Random(7)
    firsts = Counter(
        names(route_decide(LeadFactory.build(), plan, MONDAY_MORNING, source="api", rng=rng))[0]
        for _ in range(2000)
    )
    # W 2 is filtered out and W 3 weighs nothing: 1 to 3 between the two left.
    assert set(firsts) == {"W 0", "W 1"}
    assert 0.2 < firsts["W 0"] / 2000 < 0.3


def test_send_to_all_keeps_every_eligible_one(make_route) -> None:
    route = make_route({}, {}, {}, method=RouteMethod.ALL, max_destinations=2, name="A")
    decision = route_decide(LeadFactory(), route_plan(route), MONDAY_MORNING, source="api")
    assert names(decision) == ["A 0", "A 1", "A 2"]  # the at-most is applied when sending


def test_the_cap_usage_is_in_the_timeline(make_route) -> None:
    route = make_route({})
    cap = CapFactory(step=RouteStep.objects.get(route=route), period="hour", limit=10)
    decision = route_decide(
        LeadFactory(), route_plan(route), MONDAY_MORNING, source="api", usage={cap.pk: 4}
    )
    assert decision.timeline[0]["checks"][-1]["words"] == "4 of 10 hour cap used"
