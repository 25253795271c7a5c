"""Sending a lead through the admin: destinations, the generated form, the background push."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from leadhub.forms.lead_entry import ContactForm
from leadhub.models import Submission
from leadhub.services.leads import lead_fields
from leadhub.statuses import SubmissionStatus
from tests.leadhub.conftest import LEADBYTE_LEAD, LeadEntry
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)

ADD_URL = reverse("admin:leadhub_lead_add")


def test_first_step_lists_the_destinations(admin_client, leadbyte_destination: Destination) -> None:
    response = admin_client.get(ADD_URL)
    assert response.status_code == 200
    assert "LeadByte example" in response.content.decode()


def test_the_form_is_generated_from_the_campaign_fields(
    lead_entry: LeadEntry, leadbyte_destination: Destination
) -> None:
    page = lead_entry.page(leadbyte_destination)
    prefix = f"d{leadbyte_destination.pk}__"
    for name in ("data13", "data14", "dob", "gender", "postcode"):
        assert f'name="{prefix}{name}"' in page
    assert "Make of car" in page and "make_of_car" not in page  # plain label shown...
    assert f'name="{prefix}sid"' not in page  # ...a fixed value is not asked for
    assert f'name="{prefix}firstname"' not in page  # contact fields are entered once


def test_a_lead_reaches_the_sandbox_and_shows_its_queue_id(
    admin_client,
    lead_entry: LeadEntry,
    leadbyte_destination: Destination,
    leadbyte_form: dict[str, str],
) -> None:
    lead = lead_entry.send(leadbyte_destination, leadbyte_form)
    submission = Submission.objects.get(lead=lead)
    assert submission.status == SubmissionStatus.ACCEPTED
    assert len(submission.vendor_reference) == 40
    assert submission.payload == LEADBYTE_LEAD
    assert submission.attempts.count() == 1
    page = admin_client.get(reverse("admin:leadhub_lead_change", args=[lead.pk])).content.decode()
    assert submission.vendor_reference in page
    assert "Accepted" in page


def test_a_missing_required_field_is_shown_inline_and_nothing_is_saved(
    lead_entry: LeadEntry, leadbyte_destination: Destination, leadbyte_form: dict[str, str]
) -> None:
    field = f"d{leadbyte_destination.pk}__data13"
    response = lead_entry.refuse(leadbyte_destination, {**leadbyte_form, field: ""})
    assert response.context["form"].errors[field] == ["This field is required."]


def test_contact_fields_are_checked_against_each_destinations_rules(
    lead_entry: LeadEntry, leadbyte_destination: Destination, leadbyte_form: dict[str, str]
) -> None:
    data = {**leadbyte_form, "phone": "020 7946 0018", "email": ""}
    errors = lead_entry.refuse(leadbyte_destination, data).context["form"].errors
    assert "UK mobile" in errors["phone"][0]
    assert "LeadByte example" in errors["email"][0]


def test_anything_in_the_form_gives_errors_not_a_500(
    lead_entry: LeadEntry, leadbyte_destination: Destination
) -> None:
    prefix = f"d{leadbyte_destination.pk}__"
    data = {
        "first_name": "x" * 5000,
        f"{prefix}dob": "\x00",
        f"{prefix}gender": "??",
        "email": "@" * 300,
        "phone": "☎",
    }
    assert lead_entry.refuse(leadbyte_destination, data).context["form"].errors


def test_an_unknown_destination_goes_back_to_the_first_step(admin_client) -> None:
    response = admin_client.get(ADD_URL, {"destinations": "99999"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_continue_with_no_destination_says_to_choose_one(
    admin_client, leadbyte_destination: Destination
) -> None:
    first = admin_client.get(ADD_URL).content.decode()
    assert "Choose at least one destination." not in first  # no error before Continue
    assert 'name="chosen"' in first
    response = admin_client.get(ADD_URL, {"chosen": "1"})  # Continue, nothing ticked
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="lh-destination-choice"' in html
    choice = html.split('id="lh-destination-choice"', 1)[1].split("</fieldset>", 1)[0]
    assert 'class="errorlist' in choice and "Choose at least one destination." in choice
    assert "LeadByte example" in choice  # the message sits with the destinations


def test_the_contact_phone_takes_a_plausible_mobile_and_explains_a_refusal(settings) -> None:
    settings.PHONE_DEFAULT_REGION = "GB"
    form = ContactForm({"first_name": "Ada", "phone": "07911 654321"})
    assert form.is_valid(), form.errors
    assert lead_fields(form.cleaned_data)["phone_e164"] == "+447911654321"

    form = ContactForm({"first_name": "Ada", "phone": "0791 165"})
    assert not form.is_valid()
    assert form.errors["phone"] == [
        "Enter a phone number with its area code, e.g. 020 7946 0000 or +44 20 7946 0000."
    ]


def test_required_fields_are_marked_before_preview(
    lead_entry: LeadEntry, leadbyte_destination: Destination
) -> None:
    page = lead_entry.page(leadbyte_destination)
    prefix = f"d{leadbyte_destination.pk}__"
    marked = set(re.findall(r'<label class="required" for="id_([^"]+)">', page))
    # LeadHub's own, the campaign's own, and contact fields the campaign needs.
    assert {"first_name", f"{prefix}data13", "last_name", "email"} <= marked
    assert f"{prefix}data14" not in marked and "company" not in marked
    assert "Needed by LeadByte example." in page
    # Every generated field says what to type.
    assert "A date: type it or pick it from the calendar." in page
    assert "Pick one, or leave it blank." in page
    # Gender once per answer, not also LeadByte's "M" and "F".
    assert page.count(">Female</option>") == 1 and ">F</option>" not in page
