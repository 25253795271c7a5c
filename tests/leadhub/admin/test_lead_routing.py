"""Staff's "Route automatically" on the lead form, and hand picks kept on the lead's
routing timeline the same way (leadhub/admin/leads.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leadhub.models import Lead
from leadhub.routing.models import DecisionState, RoutingDecision
from leadhub.routing.services import routing_recheck, routing_sweep
from tests.factories import RouteFactory, RouteStepFactory
from tests.leadhub.conftest import CONTACT
from tests.leadhub.routing.conftest import held_destination

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:leadhub_lead_add")


@pytest.fixture
def staff_route():
    """A route offered to staff: a waterfall over two destinations that keep what they get."""
    route = RouteFactory(name="Desk route", for_staff=True)
    RouteStepFactory(route=route, destination=held_destination("First choice"), position=0)
    RouteStepFactory(route=route, destination=held_destination("Second choice"), position=1)
    return route


def test_the_first_step_offers_only_routes_marked_for_staff(admin_client, staff_route) -> None:
    RouteFactory(name="Imports only", for_imports=True)
    page = admin_client.get(ADD_URL).content.decode()
    assert "Or route automatically" in page and "Desk route" in page
    assert "Imports only" not in page


def test_no_route_for_staff_leaves_the_page_as_it_was(admin_client) -> None:
    RouteFactory(name="API only")
    page = admin_client.get(ADD_URL).content.decode()
    assert "route automatically" not in page.lower()


def test_ticking_and_routing_at_once_or_neither_is_refused(admin_client, staff_route) -> None:
    destination = staff_route.steps.first().destination
    both = admin_client.get(
        ADD_URL, {"chosen": "1", "destinations": destination.pk, "route": staff_route.pk}
    ).content.decode()
    assert "Tick destinations or route automatically, not both." in both
    neither = admin_client.get(ADD_URL, {"chosen": "1", "route": ""}).content.decode()
    assert "Choose at least one destination." in neither
    unknown = admin_client.get(ADD_URL, {"chosen": "1", "route": "99999"})
    assert unknown.status_code == 200 and "Select a valid choice" in unknown.content.decode()


def test_route_automatically_previews_then_saves_and_routes(admin_client, staff_route) -> None:
    url = f"{ADD_URL}?chosen=1&route={staff_route.pk}"
    form = admin_client.get(url).content.decode()
    assert 'name="first_name"' in form and "route automatically" in form
    preview = admin_client.post(url, CONTACT).content.decode()
    assert "It would go to <strong>First choice</strong> now." in preview
    assert not Lead.objects.exists()  # nothing saved before Confirm
    done = admin_client.post(url, {**CONTACT, "confirm": "1"})
    assert done.status_code == 302
    lead = Lead.objects.get()
    assert [s.destination.name for s in lead.submissions.all()] == ["First choice"]
    decision = RoutingDecision.objects.get(lead=lead)
    assert decision.route == staff_route and decision.source == "staff"
    assert decision.state == DecisionState.WAITING
    assert lead.source.kind == "staff"
    page = admin_client.get(done["Location"]).content.decode()
    assert "Routing: Desk route" in page and "Sent to First choice" in page


def test_a_contact_error_stays_on_the_form(admin_client, staff_route) -> None:
    url = f"{ADD_URL}?chosen=1&route={staff_route.pk}"
    page = admin_client.post(url, {**CONTACT, "email": "not-an-email", "confirm": "1"})
    assert page.status_code == 200 and "Enter a valid email address." in page.content.decode()
    assert not Lead.objects.exists()


def test_hand_picks_are_kept_on_the_timeline_saying_who_picked(admin_client) -> None:
    destination = held_destination("Picked")
    url = f"{ADD_URL}?chosen=1&destinations={destination.pk}"
    done = admin_client.post(url, {**CONTACT, "confirm": "1"})
    assert done.status_code == 302
    decision = RoutingDecision.objects.get()
    assert decision.route is None and decision.source == "staff"
    assert [e["kind"] for e in decision.timeline] == ["by_hand"]
    assert decision.timeline[0]["words"] == "Picked by hand by admin: Picked"
    page = admin_client.get(done["Location"]).content.decode()
    assert "Destinations picked by hand" in page


def test_hand_picks_stay_out_of_routed_leads_and_of_every_sweep(admin_client) -> None:
    destination = held_destination("Picked")
    url = f"{ADD_URL}?chosen=1&destinations={destination.pk}"
    admin_client.post(url, {**CONTACT, "confirm": "1"})
    decision = RoutingDecision.objects.get()
    listed = admin_client.get(reverse("admin:leadhub_routing_routingdecision_changelist"))
    assert listed.status_code == 200
    assert f"Lead #{decision.lead_id}" not in listed.content.decode()
    later = timezone.now() + timedelta(days=1)
    assert routing_sweep(later) == 0
    assert routing_recheck(decision_id=decision.pk, now=later) == 0
    decision.refresh_from_db()
    assert decision.state == DecisionState.ROUTED
    assert [e["kind"] for e in decision.timeline] == ["by_hand"]
