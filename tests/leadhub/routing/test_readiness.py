"""A routed lead is checked against each destination's required fields before it is sent:
a destination it cannot satisfy is left out with the reason, never refused later."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadhub.models import Lead
from leadhub.routing.models import DecisionState, RouteMethod
from leadhub.routing.preview import route_preview
from leadhub.routing.readiness import destination_missing
from leadhub.routing.services import route_apply
from leadhub.services.leads import lead_contact
from tests.leadhub.routing.conftest import person, wants_loan_amount

pytestmark = pytest.mark.django_db


def test_a_destination_says_which_required_fields_a_lead_lacks() -> None:
    destination = wants_loan_amount("Loans")
    lead = person()
    assert destination_missing(destination, lead_contact(lead)) == ["Loan amount"]
    destination.fixed_values = {**destination.fixed_values, "loan": "5000"}
    assert destination_missing(destination, lead_contact(lead)) == []


def test_a_waterfall_skips_a_destination_missing_required_fields_before_sending(
    make_route,
) -> None:
    route = make_route({"destination": wants_loan_amount("Loans")}, {}, name="RF")
    lead = person()
    decision = route_apply(lead=lead, route=route, source="api")
    assert [s.destination.name for s in lead.submissions.all()] == ["RF 1"]
    assert decision.state == DecisionState.WAITING
    skipped = [e for e in decision.timeline if e["kind"] == "missing_fields"]
    assert skipped[0]["destination"] == route.steps.first().destination.slug
    assert skipped[0]["missing"] == ["Loan amount"]
    assert "Loans: the lead lacks what it requires: Loan amount; not sent" in skipped[0]["words"]


def test_a_lead_no_destination_is_ready_for_is_held_with_the_reason(make_route) -> None:
    route = make_route({"destination": wants_loan_amount("Loans")}, method=RouteMethod.ALL)
    lead = person()
    decision = route_apply(lead=lead, route=route, source="api")
    assert not lead.submissions.exists()
    assert decision.state == DecisionState.HELD
    assert "Loans: lacks required fields" in decision.held_reason


def test_the_dry_run_says_the_same_and_saves_nothing(make_route) -> None:
    route = make_route({"destination": wants_loan_amount("Loans")}, {}, name="DRY")
    contact = {"first_name": "Ada", "email": "ada@example.com", "phone": "07700 900123"}
    before = Lead.objects.count()
    would = route_preview(contact=contact, route=route, source="api")
    assert [d.name for d in would.chosen] == ["DRY 1"]
    assert "missing_fields" in [e["kind"] for e in would.timeline]
    assert Lead.objects.count() == before


def test_the_check_reads_every_campaigns_fields_in_one_query(make_route) -> None:
    def queries(size: int) -> int:
        route = make_route(
            *({"destination": wants_loan_amount(f"L{size}-{n}")} for n in range(size))
        )
        contact = {"first_name": "Ada", "email": "ada@example.com"}
        with CaptureQueriesContext(connection) as done:
            route_preview(contact=contact, route=route, source="api")
        return len(done.captured_queries)

    assert queries(6) == queries(2)
