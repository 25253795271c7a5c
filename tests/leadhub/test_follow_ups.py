"""Getlead follow-ups from the lead's page, and leads sent to CRM.COM and Getlead destinations."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from leadhub.delivery.push import submission_push
from leadhub.models import Lead, Submission
from leadhub.services.follow_ups import FollowUpRefused, follow_up_create
from leadhub.statuses import SubmissionStatus
from sandbox.models import SandboxEnquiry, SandboxRecord, SandboxToken
from tests.conftest import CRMCOM_CREDENTIALS, GETLEAD_TOKEN
from tests.factories import DestinationFactory, LeadFactory, SubmissionFactory
from tests.leadhub.conftest import CONTACT, LeadEntry
from vendors.admin.destination_forms import DestinationForm
from vendors.models import Connection, Destination

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus


@pytest.fixture
def getlead_destination(getlead_connection: Connection) -> Destination:
    return DestinationFactory(
        name="Getlead website",
        connection=getlead_connection,
        fixed_values={"source": "LeadHub", "campaign_code": "SPRING"},
    )


@pytest.fixture
def crmcom_destination(crmcom_connection: Connection) -> Destination:
    return DestinationFactory(
        name="CRM.COM web lead",
        connection=crmcom_connection,
        fixed_values={
            "importance": "IMPORTANCE3",
            "priority": "3",
            "type_identifier": "Web lead",
            "source.type": "WEBSITE",
            "source.name": "LeadHub",
        },
    )


def crmcom_destination_fixing(connection: Connection, fixed: dict[str, str]) -> Destination:
    """A CRM.COM destination with its importance and priority fixed, and these fields too; the
    rest are asked of staff."""
    return DestinationFactory(
        connection=connection,
        fixed_values={"importance": "IMPORTANCE1", "priority": "1", **fixed},
    )


def lead_at(connection: Connection, **lead_fields: Any) -> Lead:
    """A lead the connection's vendor took (as far as LeadHub knows): follow-ups are offered."""
    lead = LeadFactory(**lead_fields)
    SubmissionFactory(
        lead=lead, destination=DestinationFactory(connection=connection), status=S.ACCEPTED
    )
    return lead


def follow_up_url(lead: Lead, connection: Connection, operation: str) -> str:
    url = reverse("admin:leadhub_lead_follow_up", args=[lead.pk])
    return f"{url}?follow_up={connection.pk}:{operation}"


# --- leads to the two vendors through the entry form --------------------------------------------


def test_a_lead_reaches_getlead_by_its_national_phone(
    lead_entry: LeadEntry, getlead_destination: Destination
) -> None:
    purpose = f"d{getlead_destination.pk}__purpose"
    lead = lead_entry.send(getlead_destination, {**CONTACT, purpose: "Quote"})
    submission = Submission.objects.get(lead=lead)
    assert submission.status == S.ACCEPTED
    assert submission.vendor_message == "Lead Added Successfully."
    assert submission.payload == {
        "campaign_code": "SPRING",
        "countrycode": "44",
        "mobileno": "7911123456",
        "source": "LeadHub",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "purpose": "Quote",
    }
    (attempt,) = submission.attempts.all()
    assert GETLEAD_TOKEN not in str(attempt.request) and "token=" in attempt.request["url"]
    assert SandboxEnquiry.objects.get().additional_fields == {"campaign_code": "SPRING"}


def test_a_lead_reaches_crmcom_with_the_login_recorded_and_masked(
    admin_client, lead_entry: LeadEntry, crmcom_destination: Destination
) -> None:
    lead = lead_entry.send(crmcom_destination, CONTACT)
    submission = Submission.objects.get(lead=lead)
    assert submission.status == S.ACCEPTED, submission.vendor_message
    assert len(submission.vendor_reference) == 32
    assert submission.response_data["number"] == "LD000001"
    assert submission.vendor_message == "CRM.COM created lead LD000001."
    login, create = submission.attempts.order_by("number")
    assert login.request["url"].endswith("authentication/token")
    assert login.message == "Logged in: CRM.COM issued a token."
    assert create.outcome == "accepted"
    stored = f"{login.request} {login.response_body} {create.request}"
    assert CRMCOM_CREDENTIALS["password"] not in stored
    token = Connection.objects.get(pk=crmcom_destination.connection_id).token_cache["token"]
    assert token not in stored
    page = admin_client.get(reverse("admin:leadhub_lead_change", args=[lead.pk])).content
    assert b"CRM.COM created lead LD000001." in page


def test_a_failed_token_renewal_rejects_the_submission_and_marks_the_connection(
    crmcom_destination: Destination,
) -> None:
    first = SubmissionFactory(destination=crmcom_destination, payload=_crm_payload())
    submission_push(submission_id=first.pk)
    SandboxToken.objects.update(released_at=timezone.now())  # the CRM dropped the token...
    connection = Connection.objects.get(pk=crmcom_destination.connection_id)
    assert connection.token_cache["token"]  # ...which the connection still holds
    connection.credentials = {**CRMCOM_CREDENTIALS, "password": "changed-1234"}
    connection.save()  # ...and the password was changed since
    second = SubmissionFactory(destination=crmcom_destination, payload=_crm_payload())
    submission_push(submission_id=second.pk)
    second.refresh_from_db()
    assert second.status == S.REJECTED
    assert second.vendor_message.startswith("CRM.COM refused the login")
    assert [a.status_code for a in second.attempts.all()] == [200, 200]
    connection.refresh_from_db()
    assert connection.last_error == second.vendor_message
    assert connection.token_cache == {}


def _crm_payload() -> dict[str, Any]:
    return {
        "importance": "IMPORTANCE3",
        "priority": "3",
        "type_identifier": "Web lead",
        "source.type": "WEBSITE",
        "source.name": "LeadHub",
        "contact_information.first_name": "Ada",
        "contact_email": "ada@example.com",
    }


# --- follow-ups from the lead's page --------------------------------------------------------------


def test_the_lead_page_offers_a_getlead_follow_up(
    admin_client, getlead_connection: Connection
) -> None:
    lead = lead_at(getlead_connection)
    page = admin_client.get(reverse("admin:leadhub_lead_change", args=[lead.pk])).content.decode()
    follow_up = reverse("admin:leadhub_lead_follow_up", args=[lead.pk])
    assert f'href="{follow_up}?kind=getlead"' in page
    assert "Getlead follow-up" in page
    chooser = admin_client.get(f"{follow_up}?kind=getlead").content.decode()
    for label in ("Add note", "Create task", "Change status", "Create deal"):
        assert f"Getlead test · {label}" in chooser


def test_the_follow_up_form_asks_only_what_the_lead_does_not_give(
    admin_client, getlead_connection: Connection
) -> None:
    lead = lead_at(getlead_connection)
    page = admin_client.get(follow_up_url(lead, getlead_connection, "create_deal")).content
    page = page.decode()
    assert 'name="deal_name"' in page and 'name="deal_amount"' in page
    assert 'name="mobile"' not in page and 'name="countrycode"' not in page
    assert "7911123456" in page  # shown: the phone Getlead will find the lead by


@pytest.mark.parametrize(
    ("operation", "form", "sent"),
    [
        ("add_note", {"note": "Called back"}, {"mobile_no": "7911123456", "note": "Called back"}),
        (
            "create_task",
            {"name": "Call Ada", "task_category_id": "2", "scheduled_date": "2026-11-30"},
            {"mobile_no": "7911123456", "task_category_id": "2", "scheduled_date": "2026-11-30"},
        ),
        ("change_status", {"status": "Interested"}, {"status": "Interested"}),
        (
            "create_deal",
            {"deal_name": "Solar", "status": "Open", "deal_amount": "4200"},
            {"mobile": "7911123456", "deal_name": "Solar", "deal_amount": 4200},
        ),
    ],
)
def test_a_follow_up_from_the_lead_page_reaches_getlead(
    admin_client,
    lead_entry: LeadEntry,
    getlead_destination: Destination,
    operation: str,
    form: dict[str, str],
    sent: dict[str, Any],
) -> None:
    lead = lead_entry.send(getlead_destination, CONTACT)
    response = admin_client.post(
        follow_up_url(lead, getlead_destination.connection, operation), form
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:leadhub_lead_change", args=[lead.pk])
    follow_up = Submission.objects.get(lead=lead, operation=operation)
    assert follow_up.destination is None
    assert follow_up.connection_id == getlead_destination.connection_id
    assert follow_up.payload["countrycode"] == "44"
    assert sent.items() <= follow_up.payload.items()
    assert follow_up.status == S.ACCEPTED, follow_up.vendor_message
    assert follow_up.attempts.count() == 1
    page = admin_client.get(response["Location"]).content.decode()
    label = getlead_destination.connection.adapter_class.operations[operation].label
    assert f"Getlead test · {label}" in page
    assert escape(follow_up.vendor_message) in page
    # Titled by what it is, and said to be taken as that, not as "the lead".
    noun = {"add_note": "note", "create_task": "task", "change_status": "status change"}.get(
        operation, "deal"
    )
    assert f"<h3>Getlead {noun}</h3>" in page
    assert f"Getlead took the {noun}." in page


def test_a_follow_up_for_a_lead_getlead_lacks_shows_the_plain_reason(
    admin_client, getlead_connection: Connection
) -> None:
    lead = lead_at(getlead_connection)  # LeadHub's record says so; Getlead's own does not
    admin_client.post(follow_up_url(lead, getlead_connection, "add_note"), {"note": "Hi"})
    follow_up = Submission.objects.get(lead=lead, destination=None)
    assert follow_up.status == S.REJECTED
    assert follow_up.vendor_message.startswith("Getlead has no lead with this phone number")
    page = admin_client.get(reverse("admin:leadhub_lead_change", args=[lead.pk])).content
    assert b"Getlead has no lead with this phone number" in page


def test_a_follow_up_needs_the_lead_phone_and_saves_nothing_without_it(
    admin_client, getlead_connection: Connection
) -> None:
    lead = lead_at(getlead_connection, phone="", phone_e164="")
    response = admin_client.post(
        follow_up_url(lead, getlead_connection, "add_note"), {"note": "Hi"}
    )
    assert response.status_code == 200
    assert "has no valid phone number" in response.content.decode()
    assert not Submission.objects.filter(destination=None).exists()
    assert not SandboxRecord.objects.filter(vendor="getlead").exists()


def test_a_follow_up_missing_a_required_field_is_shown_inline(
    admin_client, getlead_connection: Connection
) -> None:
    lead = lead_at(getlead_connection)
    response = admin_client.post(follow_up_url(lead, getlead_connection, "add_note"), {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Submission.objects.filter(destination=None).exists()


@pytest.mark.parametrize(
    "status", [None, S.REJECTED, S.QUEUED], ids=["never-sent", "refused", "on-its-way"]
)
def test_no_follow_up_is_offered_on_a_lead_getlead_does_not_have(
    admin_client, getlead_connection: Connection, status: str | None
) -> None:
    lead = LeadFactory()
    if status:
        destination = DestinationFactory(connection=getlead_connection)
        SubmissionFactory(lead=lead, destination=destination, status=status)
    page = admin_client.get(reverse("admin:leadhub_lead_change", args=[lead.pk])).content
    assert b"Getlead follow-up" not in page
    chooser = admin_client.get(
        reverse("admin:leadhub_lead_follow_up", args=[lead.pk]), {"kind": "getlead"}
    ).content.decode()
    assert "Getlead does not have" in chooser and "Add note" not in chooser
    response = admin_client.post(
        follow_up_url(lead, getlead_connection, "add_note"), {"note": "Hi"}
    )
    assert response.status_code == 200  # refused on the chooser: nothing queued, no rejection
    assert not Submission.objects.filter(destination=None).exists()
    with pytest.raises(FollowUpRefused, match="does not have"):
        follow_up_create(
            lead=lead, connection=getlead_connection, operation="add_note", values={"note": "Hi"}
        )


def test_an_unknown_follow_up_is_not_found(admin_client, getlead_connection: Connection) -> None:
    lead = LeadFactory()
    response = admin_client.get(follow_up_url(lead, getlead_connection, "create_lead"))
    assert response.status_code == 200  # back to the chooser, with the choice refused
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(FollowUpRefused):
        follow_up_create(
            lead=lead, connection=getlead_connection, operation="create_lead", values={}
        )


def test_destinations_never_offer_follow_ups(getlead_connection: Connection) -> None:
    getlead = dict(DestinationForm().fields["operation"].choices)["Getlead"]
    assert ("getlead:create_lead", "Create lead") in getlead
    assert not any(value == "getlead:add_note" for value, _ in getlead)
    form = DestinationForm(
        data={
            "name": "Notes",
            "connection": getlead_connection.pk,
            "operation": "getlead:add_note",
            "fixed_values": "{}",
            "is_active": "on",
        }
    )
    assert not form.is_valid()
    assert "operation" in form.errors


def test_crmcom_fields_staff_fill_in_are_nested_on_the_way_out(
    lead_entry: LeadEntry, crmcom_connection: Connection
) -> None:
    destination = crmcom_destination_fixing(crmcom_connection, {"source.type": "OTHER"})
    prefix = f"d{destination.pk}__"
    form_page = lead_entry.page(destination)
    assert f'name="{prefix}source.name"' in form_page
    assert f'name="{prefix}type_identifier"' in form_page
    assert f'name="{prefix}source.type"' not in form_page  # fixed, so hidden from staff
    lead = lead_entry.send(
        destination,
        {
            **CONTACT,
            f"{prefix}type_identifier": "Web lead",
            f"{prefix}source.name": "Trade fair",
            f"{prefix}probability_to_win": "55",
            f"{prefix}udf_date_1": "2026-12-24",
        },
    )
    submission = Submission.objects.get(lead=lead)
    assert submission.status == S.ACCEPTED, submission.vendor_message
    received = SandboxRecord.objects.get(reference=submission.vendor_reference).payload
    assert received["source"] == {"type": "OTHER", "name": "Trade fair"}
    assert received["probability_to_win"] == 55 and received["udf_date_1"] == "2026-12-24"


@pytest.mark.parametrize(
    ("destination", "contact", "field", "value", "message"),
    [
        (
            "getlead_destination",
            {"first_name": "Ada", "phone": "07911 123456"},
            "additional_fields",
            "Budget",
            "Write each additional field on its own line as name = value.",
        ),
        (
            "crmcom_destination",
            {"first_name": "Ada", "email": "ada@example.com"},
            "probability_to_win",
            "120",
            "less than or equal to 100",
        ),
    ],
    ids=["getlead-malformed-additional-field", "crmcom-probability-over-100"],
)
def test_a_value_the_vendor_cannot_take_is_shown_on_the_form_and_nothing_saved(
    request: pytest.FixtureRequest,
    lead_entry: LeadEntry,
    destination: str,
    contact: dict[str, str],
    field: str,
    value: str,
    message: str,
) -> None:
    target: Destination = request.getfixturevalue(destination)
    response = lead_entry.refuse(target, {**contact, f"d{target.pk}__{field}": value})
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "fields"),
    [("crmcom", ["username", "password", "organisation"]), ("getlead", ["token"])],
)
def test_the_connection_form_asks_for_each_vendor_credentials(
    admin_client, kind: str, fields: list[str]
) -> None:
    page = admin_client.get(
        reverse("admin:vendors_connection_add"), {"kind": kind}
    ).content.decode()
    for name in fields:
        assert f'name="credential__{name}"' in page


def test_a_source_name_crmcom_needs_is_asked_for_on_its_field(
    lead_entry: LeadEntry, crmcom_connection: Connection
) -> None:
    destination = crmcom_destination_fixing(crmcom_connection, {"type_identifier": "Web lead"})
    prefix = f"d{destination.pk}__"
    contact = {"first_name": "Ada", "email": "ada@example.com"}
    website = lead_entry.refuse(destination, {**contact, f"{prefix}source.type": "WEBSITE"})
    errors = website.context["form"].errors
    assert errors[f"{prefix}source.name"] == ["CRM.COM needs a source name for a website source."]
    lead_entry.send(destination, {**contact, f"{prefix}source.type": "COMMUNICATIONS"})
    assert Submission.objects.get().status == S.ACCEPTED
