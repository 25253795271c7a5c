"""Leads: contact details as vendors take them, payloads per destination, and a lead saved
with its submissions all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from leadhub.delivery import outbox
from leadhub.models import Lead, Submission
from leadhub.services.leads import (
    contact_values,
    destination_payload_build,
    lead_create_and_send,
    payload_build,
)
from leadhub.statuses import SubmissionStatus
from tests.factories import (
    CampaignFactory,
    CampaignFieldFactory,
    ConnectionFactory,
    DestinationFactory,
    UserFactory,
)
from vendors.base import VendorAdapter
from vendors.fieldspec import FieldSpec, FieldType
from vendors.leadbyte import LeadByte
from vendors.models import Destination

S = SubmissionStatus

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


# --- contact details -----------------------------------------------------------------------


def test_a_valid_phone_goes_as_e164_with_its_parts() -> None:
    values = contact_values({**ADA, "phone": "07911 123456"})
    assert values["phone"] == "+447911123456"
    assert (values["phone_country_code"], values["phone_national"]) == ("44", "7911123456")
    assert values["full_name"] == "Ada Lovelace"
    assert (values["company"], values["notes"]) == ("", "")


def test_a_phone_that_is_not_valid_goes_as_typed_without_parts() -> None:
    values = contact_values({"first_name": "Ada", "phone": "12345"})
    assert values["phone"] == "12345"
    assert "phone_country_code" not in values and "phone_national" not in values
    assert values["full_name"] == "Ada"
    assert values["email"] == ""


# --- payloads ------------------------------------------------------------------------------

EMAIL = FieldSpec("email", "Email", FieldType.EMAIL, contact="email")
FIRST_NAME = FieldSpec("firstname", "First name", contact="first_name")
COMPANY = FieldSpec("company", "Company", contact="company")
CAR = FieldSpec("data13", "make_of_car")
NOTES = FieldSpec("notes", "Notes", FieldType.TEXTAREA)
TAGS = FieldSpec("tags", "Tags")
DOB = FieldSpec("dob", "Date of birth", FieldType.DATE)


def test_a_fixed_value_beats_the_contact_mapping_which_beats_a_typed_value() -> None:
    payload = payload_build(
        vendor=VendorAdapter,
        specs=[EMAIL, FIRST_NAME, CAR],
        contact=ADA,
        values={"email": "typed@example.com", "firstname": "Typed", "data13": "Volvo"},
        fixed_values={"email": "fixed@example.com"},
    )
    assert payload == {"email": "fixed@example.com", "firstname": "Ada", "data13": "Volvo"}


def test_blank_values_are_left_out_and_the_base_payload_kept() -> None:
    base = {"campid": "EXAMPLE-CAMPAIGN"}
    payload = payload_build(
        vendor=VendorAdapter,
        specs=[COMPANY, CAR, NOTES, TAGS, FIRST_NAME],
        contact=ADA,  # no company
        values={"data13": None, "notes": "", "tags": []},
        payload=base,
    )
    assert payload == {"campid": "EXAMPLE-CAMPAIGN", "firstname": "Ada"}
    assert base == {"campid": "EXAMPLE-CAMPAIGN"}  # the caller's dict is not changed


def test_contact_values_given_by_the_caller_are_used_as_they_are() -> None:
    payload = payload_build(
        vendor=VendorAdapter,
        specs=[FIRST_NAME],
        contact=ADA,
        values={},
        mapped={"first_name": "Augusta"},
    )
    assert payload == {"firstname": "Augusta"}


@pytest.mark.parametrize(
    ("settings", "sent"),
    [(None, "31/12/1990"), ({"date_format": "YYYY-MM-DD"}, "1990-12-31")],
    ids=["leadbyte-default", "connection-date-format"],
)
def test_values_are_formatted_the_way_the_vendor_wants_with_the_connections_settings(
    settings: dict[str, str] | None, sent: str
) -> None:
    payload = payload_build(
        vendor=LeadByte,
        settings=settings,
        specs=[DOB],
        contact={},
        values={"dob": date(1990, 12, 31)},
    )
    assert payload == {"dob": sent}


@pytest.mark.django_db
def test_a_destinations_payload_carries_what_its_vendor_and_connection_add() -> None:
    connection = ConnectionFactory(settings={"date_format": "YYYY-MM-DD"})
    campaign = CampaignFactory(connection=connection, reference="CARS-2026")
    for name, data_type in (("firstname", "Text"), ("phone1", "UK Mobile Number"), ("dob", "Date")):
        CampaignFieldFactory(campaign=campaign, name=name, data_type=data_type)
    destination = DestinationFactory(
        connection=connection, campaign=campaign, fixed_values={"sid": "7"}
    )
    payload = destination_payload_build(
        destination=destination,
        contact={**ADA, "phone": "07911 123456"},
        values={"dob": date(1990, 12, 31)},
    )
    assert payload == {
        "campid": "CARS-2026",
        "firstname": "Ada",
        "phone1": "+447911123456",
        "dob": "1990-12-31",
    }


# --- a lead and its submissions ------------------------------------------------------------


def unreachable_destination(name: str) -> Destination:
    """A destination whose vendor is never reached (nothing here is meant to be sent)."""
    campaign = CampaignFactory(connection=ConnectionFactory(base_url="http://127.0.0.1:9/"))
    CampaignFieldFactory(campaign=campaign, name="data13")
    return DestinationFactory(name=name, connection=campaign.connection, campaign=campaign)


@pytest.mark.django_db
def test_a_lead_is_saved_with_one_queued_submission_per_destination(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, monkeypatch
) -> None:
    owner = UserFactory()
    first, second = unreachable_destination("First"), unreachable_destination("Second")
    with django_capture_on_commit_callbacks() as pushes:
        lead = lead_create_and_send(
            contact={**ADA, "phone": "07911 123456"},
            destinations=[first, second],
            destination_values={first.pk: {"data13": "Volvo"}, second.pk: {"data13": "Saab"}},
            owner=owner,
        )
    assert (lead.owner, lead.phone_e164) == (owner, "+447911123456")
    sent = {s.destination_id: s for s in Submission.objects.filter(lead=lead)}
    assert set(sent) == {first.pk, second.pk}
    assert sent[first.pk].payload["data13"] == "Volvo"
    assert sent[second.pk].payload["data13"] == "Saab"
    assert {(s.status, s.created_by) for s in sent.values()} == {(S.QUEUED, owner)}
    assert len(pushes) == 1  # handed over once the lead commits: a task per submission
    handed: list[tuple[object, ...]] = []
    monkeypatch.setattr(outbox, "async_task", lambda *args, **_: handed.append(args))
    pushes[0]()
    assert sorted(pk for _, pk in handed) == sorted(s.pk for s in sent.values())


@pytest.mark.django_db(transaction=True)
def test_a_lead_whose_submission_cannot_be_saved_is_not_saved_either() -> None:
    kept, gone = unreachable_destination("Kept"), unreachable_destination("Deleted meanwhile")
    Destination.objects.filter(pk=gone.pk).delete()  # while the entry form was open
    with pytest.raises(IntegrityError):
        lead_create_and_send(contact=ADA, destinations=[kept, gone], destination_values={})
    assert not Lead.objects.exists()
    assert not Submission.objects.exists()
