"""Reading SalesByte quotes back: the service and the "Refresh from SalesByte" admin action."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from leadhub.delivery.outbox import submission_create
from leadhub.delivery.push import submission_push
from leadhub.demo import SALESBYTE_DESTINATIONS, demo_connections_ensure, demo_destinations_ensure
from leadhub.models import Submission
from leadhub.services.quotes import submission_quote_refresh
from sandbox.models import SandboxQuote
from sandbox.salesbyte.customer_pages import quote_sign
from tests.factories import ConnectionFactory, LeadFactory, SubmissionFactory
from vendors.models import Connection, Destination

pytestmark = pytest.mark.django_db(transaction=True)

# What staff fill in for the demo quote destination (the rest is fixed on it).
STAFF_VALUES = {"create_quote": {"send_type": "email", "signable": True}}
CHANGELIST = reverse("admin:leadhub_submission_changelist")


def sent_quote(destination: Destination) -> Submission:
    submission = submission_create(
        lead=LeadFactory(),
        destination=destination,
        payload={
            "quote_profile_id": 1,
            "customer_name": "Ada Lovelace",
            "send_type": "none",
            "workflows_enabled": True,
            "allow_customer_document_upload": False,
            "signable": True,
        },
    )
    submission_push(submission_id=submission.pk)  # inline already; a no-op if it was sent
    submission.refresh_from_db()
    assert submission.status == "accepted"
    return submission


def test_refresh_keeps_signed_state_on_the_submission(
    salesbyte_quote_destination: Destination,
) -> None:
    submission = sent_quote(salesbyte_quote_destination)
    unsigned = submission_quote_refresh(submission_id=submission.pk)
    assert (unsigned.refreshed, unsigned.signed) == (True, False)
    assert unsigned.message == (
        f"Submission {submission.pk}: SalesByte quote {submission.vendor_reference} is "
        "not signed yet."
    )
    quote_sign(SandboxQuote.objects.get(pk=int(submission.vendor_reference)))
    signed = submission_quote_refresh(submission_id=submission.pk)
    assert signed.signed is True
    assert signed.message.endswith("is signed (signed).")
    submission.refresh_from_db()
    state = submission.response_data["quote"]
    assert (state["is_signed"], state["statuses"]) == (True, ["signed"])
    assert submission.response_data["quote_id"] == int(submission.vendor_reference)
    assert submission.status == "accepted"  # reading a quote changes no delivery status


def test_refresh_says_so_for_a_bad_token(salesbyte_quote_destination: Destination) -> None:
    submission = sent_quote(salesbyte_quote_destination)
    connection = salesbyte_quote_destination.connection
    connection.credentials = {**connection.credentials, "api_token": "wrong-token-000"}
    connection.save()
    result = submission_quote_refresh(submission_id=submission.pk)
    assert not result.refreshed
    assert result.message.endswith(
        "SalesByte refused the Quotes API token: check it on the connection."
    )
    assert "quote" not in Submission.objects.get(pk=submission.pk).response_data


def test_refresh_skips_what_has_no_quote(leadbyte_destination: Destination) -> None:
    other = SubmissionFactory(destination=leadbyte_destination)
    assert "did not go to SalesByte" in submission_quote_refresh(submission_id=other.pk).message
    salesbyte = ConnectionFactory(kind="salesbyte", credentials={"uuid": "u" * 10})
    template = SubmissionFactory(
        destination__connection=salesbyte, destination__operation="create_quote_template"
    )
    assert "no SalesByte quote link" in submission_quote_refresh(submission_id=template.pk).message


def test_the_admin_action_reads_the_quote_and_shows_whether_it_is_signed(
    admin_client, salesbyte_quote_destination: Destination
) -> None:
    submission = sent_quote(salesbyte_quote_destination)
    quote_sign(SandboxQuote.objects.get(pk=int(submission.vendor_reference)))
    response = admin_client.post(
        CHANGELIST,
        {"action": "refresh_from_salesbyte", "_selected_action": [submission.pk]},
        follow=True,
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [
        f"Submission {submission.pk}: SalesByte quote {submission.vendor_reference} is "
        "signed (signed)."
    ]
    page = admin_client.get(reverse("admin:leadhub_submission_change", args=[submission.pk]))
    assert "Signed (signed) · read" in page.content.decode()


def test_the_demo_has_a_destination_per_salesbyte_operation_that_works(live_server) -> None:
    said: list[str] = []
    demo_connections_ensure(live_server.url)
    demo_destinations_ensure(said.append)
    connection = Connection.objects.get(kind="salesbyte")
    assert connection.base_url == f"{live_server.url}/sandbox/salesbyte/"
    destinations = Destination.objects.filter(connection=connection)
    assert {d.operation for d in destinations} == {
        "create_lead",
        "create_quote",
        "create_quote_template",
    }
    assert set(destinations.values_list("name", flat=True)) == set(SALESBYTE_DESTINATIONS)
    assert Destination.objects.filter(connection__kind="leadbyte").exists()  # LeadByte still
    lead = LeadFactory(phone="+46768741810", phone_e164="+46768741810")
    for destination in destinations:
        staff_values = STAFF_VALUES.get(destination.operation, {})
        payload = {
            **destination.fixed_values,
            "customer_name": lead.full_name,
            "customer_email": lead.email,
            **staff_values,
        }
        submission = submission_create(lead=lead, destination=destination, payload=payload)
        submission.refresh_from_db()
        assert submission.status == "accepted", (destination.name, submission.vendor_message)
    # Running the demo again reuses everything.
    demo_destinations_ensure(said.append)
    assert Destination.objects.filter(connection=connection).count() == len(SALESBYTE_DESTINATIONS)
