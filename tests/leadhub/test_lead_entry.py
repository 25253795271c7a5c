"""Sending a lead through the admin: destinations, the generated form, the background push."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadhub.models import Lead, Submission
from leadhub.statuses import SubmissionStatus
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)

ADD_URL = reverse("admin:leadhub_lead_add")


def form_data(destination: Destination, **overrides: str) -> dict[str, str]:
    prefix = f"d{destination.pk}__"
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "07911 123456",
        f"{prefix}data13": "Volvo",
        f"{prefix}gender": "F",
        f"{prefix}dob": "1990-12-31",
    }
    data.update(overrides)
    return data


def test_first_step_lists_the_destinations(admin_client, leadbyte_destination: Destination) -> None:
    response = admin_client.get(ADD_URL)
    assert response.status_code == 200
    assert "LeadByte example" in response.content.decode()


def test_the_form_is_generated_from_the_campaign_fields(
    admin_client, leadbyte_destination: Destination
) -> None:
    response = admin_client.get(ADD_URL, {"destinations": leadbyte_destination.pk})
    page = response.content.decode()
    prefix = f"d{leadbyte_destination.pk}__"
    for name in ("data13", "data14", "dob", "gender", "postcode"):
        assert f'name="{prefix}{name}"' in page
    assert "make_of_car" in page  # the label is shown...
    assert f'name="{prefix}sid"' not in page  # ...a fixed value is not asked for
    assert f'name="{prefix}firstname"' not in page  # contact fields are entered once


def test_a_lead_reaches_the_sandbox_and_shows_its_queue_id(
    admin_client, leadbyte_destination: Destination
) -> None:
    response = admin_client.post(
        f"{ADD_URL}?destinations={leadbyte_destination.pk}",
        {**form_data(leadbyte_destination), "confirm": "Confirm and send"},
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    submission = Submission.objects.get(lead=lead)
    assert submission.status == SubmissionStatus.ACCEPTED
    assert len(submission.vendor_reference) == 40
    assert submission.payload == {
        "campid": "EXAMPLE-CAMPAIGN",
        "sid": "1",
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
        "phone1": "+447911123456",
        "data13": "Volvo",
        "gender": "F",
        "dob": "31/12/1990",
    }
    assert submission.attempts.count() == 1
    page = admin_client.get(response["Location"]).content.decode()
    assert submission.vendor_reference in page
    assert "Accepted" in page


def test_a_missing_required_field_is_shown_inline_and_nothing_is_saved(
    admin_client, leadbyte_destination: Destination
) -> None:
    prefix = f"d{leadbyte_destination.pk}__"
    response = admin_client.post(
        f"{ADD_URL}?destinations={leadbyte_destination.pk}",
        form_data(leadbyte_destination, **{f"{prefix}data13": ""}),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors[f"{prefix}data13"] == ["This field is required."]
    assert not Lead.objects.exists() and not Submission.objects.exists()


def test_contact_fields_are_checked_against_each_destinations_rules(
    admin_client, leadbyte_destination: Destination
) -> None:
    response = admin_client.post(
        f"{ADD_URL}?destinations={leadbyte_destination.pk}",
        form_data(leadbyte_destination, phone="020 7946 0018", email=""),
    )
    errors = response.context["form"].errors
    assert "UK mobile" in errors["phone"][0]
    assert "LeadByte example" in errors["email"][0]
    assert not Lead.objects.exists()


def test_anything_in_the_form_gives_errors_not_a_500(
    admin_client, leadbyte_destination: Destination
) -> None:
    prefix = f"d{leadbyte_destination.pk}__"
    response = admin_client.post(
        f"{ADD_URL}?destinations={leadbyte_destination.pk}",
        {
            "first_name": "x" * 5000,
            f"{prefix}dob": "\x00",
            f"{prefix}gender": "??",
            "email": "@" * 300,
            "phone": "☎",
        },
    )
    assert response.status_code == 200
    assert not Lead.objects.exists()


def test_an_unknown_destination_goes_back_to_the_first_step(admin_client) -> None:
    response = admin_client.get(ADD_URL, {"destinations": "99999"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
