"""Leads sent where staff chose (leadhub/routing/by_hand.py)."""

from __future__ import annotations

import pytest

from leadhub.models import Submission
from leadhub.routing.by_hand import route_by_hand
from leadhub.routing.models import DecisionState, RouteStep
from leadhub.routing.services import route_apply
from tests.leadhub.routing.conftest import person

pytestmark = pytest.mark.django_db


def test_staff_route_a_held_lead_by_hand(make_route, admin_user) -> None:
    route = make_route({"filters": [{"field": "company", "op": "eq", "value": "Acme"}]})
    lead = person(company="Initech")
    decision = route_apply(lead=lead, route=route, source="api")
    destination = RouteStep.objects.get(route=route).destination
    routed = route_by_hand(decision_id=decision.pk, destinations=[destination], user=admin_user)
    assert routed is not None and routed.state == DecisionState.ROUTED
    assert Submission.objects.filter(lead=lead, destination=destination).count() == 1
    assert routed.timeline[-1]["words"] == f"Sent by hand by admin to {destination.name}"
