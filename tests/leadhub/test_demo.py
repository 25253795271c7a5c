"""The demo `make run` sets up: a sandbox connection per vendor and destinations that work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from leadhub.api.models import ApiKey, KeyKind
from leadhub.demo import (
    DEMO_ROUTE,
    demo_api_keys_ensure,
    demo_connections_ensure,
    demo_destinations_ensure,
)
from leadhub.routing.models import DecisionState, Route, RoutingDecision
from leadhub.routing.services import route_apply
from leadhub.services.leads import lead_create_and_send
from leadhub.statuses import SubmissionStatus
from tests.factories import DestinationFactory
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_demo_destination_takes_a_lead(live_server) -> None:
    connections = demo_connections_ensure(live_server.url)
    assert {"leadbyte", "crmcom", "getlead"} <= {c.kind for c in connections}
    said: list[str] = []
    demo_destinations_ensure(said.append)
    wanted = [
        "LeadByte · Example Campaign A",
        "CRM.COM · Web lead",
        "CRM.COM · Phone enquiry",
        "Getlead · Website enquiry",
    ]
    destinations = [Destination.objects.get(name=name) for name in wanted]
    lead = lead_create_and_send(
        contact={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "phone": "07911 123456",
        },
        destinations=destinations,
        destination_values={destinations[0].pk: {"data13": "Volvo"}},
    )
    results = {s.destination.name: (s.status, s.vendor_message) for s in lead.submissions.all()}
    assert {name: status for name, (status, _) in results.items()} == dict.fromkeys(
        wanted, SubmissionStatus.ACCEPTED
    ), results
    # Running the demo again reuses everything.
    demo_connections_ensure(live_server.url)
    demo_destinations_ensure(said.append)
    assert Destination.objects.filter(name__in=wanted).count() == len(wanted)


def test_the_demo_makes_a_web_form_key_and_says_how_to_make_an_api_key(db) -> None:
    get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-admin-123456")
    DestinationFactory(name="Getlead · Website enquiry")
    said: list[str] = []
    demo_api_keys_ensure(said.append)
    demo_api_keys_ensure(said.append)
    key = ApiKey.objects.get(kind=KeyKind.PUBLISHABLE)  # once, however often the demo runs
    assert key.public_token.startswith("lh_pub_")
    assert "getlead-website-enquiry" in {d.slug for d in key.destinations.all()}
    assert "manage.py api_key_create --name Demo --owner admin" in said[0]
    assert not ApiKey.objects.filter(kind=KeyKind.SECRET).exists()


def test_the_demo_route_tries_leadbyte_then_getlead(live_server) -> None:
    get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-admin-123456")
    demo_connections_ensure(live_server.url)
    said: list[str] = []
    demo_destinations_ensure(said.append)
    demo_api_keys_ensure(said.append)
    assert f'--route "{DEMO_ROUTE}"' in said[-1]
    route = Route.objects.get(name=DEMO_ROUTE)
    lead = lead_create_and_send(
        contact={"first_name": "Ada", "last_name": "Lovelace", "phone": "07911 123456"},
        destinations=[],
        destination_values={},
    )
    monday_morning = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)  # 10:00 in London
    route_apply(lead=lead, route=route, source="api", now=monday_morning)
    sent = {s.destination.name: s.status for s in lead.submissions.all()}
    decision = RoutingDecision.objects.get(lead=lead)
    # The example campaign wants fields a routed lead does not carry: LeadByte is left out
    # before anything is sent, saying which, and the waterfall goes on to Getlead.
    assert sent == {"Getlead · Website enquiry": SubmissionStatus.ACCEPTED}, decision.timeline
    assert decision.state == DecisionState.ACCEPTED
    skipped = next(e for e in decision.timeline if e["kind"] == "missing_fields")
    assert skipped["words"].startswith("LeadByte · Example Campaign A: the lead lacks")
