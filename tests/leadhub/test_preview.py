"""The preview before sending: the real request per destination, masked, nothing saved."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from leadhub.models import Attempt, Lead, Submission
from tests.conftest import LEADBYTE_KEY
from tests.factories import UserFactory
from tests.leadhub.conftest import LEADBYTE_LEAD, LeadEntry
from vendors.models import Campaign, Destination
from vendors.redaction import MASK

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_valid_form_shows_the_masked_request_and_saves_nothing(
    lead_entry: LeadEntry, leadbyte_destination: Destination, leadbyte_form: dict[str, str]
) -> None:
    response = lead_entry.post(leadbyte_destination, leadbyte_form, press=None)
    assert response.status_code == 200
    assert response.templates[0].name == "admin/leadhub/lead/preview.html"
    page = response.content.decode()
    (preview,) = response.context["previews"]
    assert preview.request["method"] == "POST"
    assert preview.request["url"].endswith("/sandbox/leadbyte/restapi/v1.2/leads")
    assert preview.request["body"]["key"] == MASK
    assert preview.request["body"]["lead"] == LEADBYTE_LEAD
    assert LEADBYTE_KEY not in page
    assert MASK in page
    assert "31/12/1990" in page and "Make of car" in page
    # An admin has the raw request one click away (a closed <details>), names as sent.
    assert '<details class="lh-request">' in page and "<code>data13</code>" in page
    # What was typed travels on as hidden inputs for Confirm and Edit.
    assert f'name="d{leadbyte_destination.pk}__data13" value="Volvo"' in page
    assert 'name="confirm"' in page and 'name="edit"' in page
    assert not Lead.objects.exists()
    assert not Submission.objects.exists()


def test_confirm_sends_exactly_what_the_preview_showed(
    lead_entry: LeadEntry, leadbyte_destination: Destination, leadbyte_form: dict[str, str]
) -> None:
    response = lead_entry.post(leadbyte_destination, leadbyte_form, press=None)
    preview = response.context["previews"][0]
    lead_entry.send(leadbyte_destination, leadbyte_form)
    attempt = Attempt.objects.get()
    assert attempt.request["url"] == preview.request["url"]
    assert attempt.request["body"] == preview.request["body"]
    assert Submission.objects.get().status == "accepted"


def test_edit_goes_back_to_the_form_with_everything_kept(
    lead_entry: LeadEntry, leadbyte_destination: Destination, leadbyte_form: dict[str, str]
) -> None:
    response = lead_entry.post(leadbyte_destination, leadbyte_form, press="edit")
    assert response.status_code == 200
    assert response.templates[0].name == "admin/leadhub/lead/enter_lead.html"
    form = response.context["form"]
    assert form.data[f"d{leadbyte_destination.pk}__data13"] == "Volvo"
    assert form.data["email"] == "ada@example.com"
    assert 'value="Volvo"' in response.content.decode()
    assert not Lead.objects.exists()


def test_a_tampered_confirm_is_validated_again_and_saves_nothing(
    lead_entry: LeadEntry, leadbyte_destination: Destination, leadbyte_form: dict[str, str]
) -> None:
    data = {**leadbyte_form, "email": "not an email"}
    response = lead_entry.refuse(leadbyte_destination, data)
    assert "email" in response.context["form"].errors


def test_one_preview_per_destination(
    lead_entry: LeadEntry, leadbyte_destination: Destination, leadbyte_form: dict[str, str]
) -> None:
    review = Campaign.objects.get(reference="SOLAR-REVIEW")
    second = Destination.objects.create(
        name="LeadByte review",
        connection=review.connection,
        operation="create_lead",
        campaign=review,
        fixed_values={"sid": "1"},
    )
    data = {**leadbyte_form, f"d{second.pk}__data20": "Flat"}
    response = lead_entry.post([leadbyte_destination, second], data, press=None)
    previews = response.context["previews"]
    assert [p.destination for p in previews] == [leadbyte_destination, second]
    assert previews[1].request["body"]["lead"]["campid"] == "SOLAR-REVIEW"
    assert previews[1].request["body"]["lead"]["data20"] == "Flat"
    assert json.loads(previews[1].body_json)["key"] == MASK
    assert not Submission.objects.exists()


def test_sales_staff_read_the_preview_in_plain_words_without_the_request(
    leadbyte_destination: Destination, leadbyte_form: dict[str, str]
) -> None:
    # Sales staff's permissions (this module's database is emptied between tests, roles too).
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="leadhub", codename__in=["add_lead", "view_lead"]
        )
    )
    client = Client()
    client.force_login(user)
    entry = LeadEntry(client)
    response = entry.post(leadbyte_destination, leadbyte_form, press=None)
    assert response.status_code == 200
    page = response.content.decode()
    (preview,) = response.context["previews"]
    words = {row.label: row.words for row in preview.staff_rows}
    assert words["Gender"] == "Female"  # LeadByte is sent "F"
    assert words["Make of car"] == "Volvo" and words["Date of birth"] == "31/12/1990"
    assert words["Source ID"] == "1"  # set by the destination, said as such
    assert "(set by the destination)" in page
    for raw in (
        "lh-request",
        "Sent as",
        "<code>data13</code>",
        "campid",
        "/sandbox/leadbyte/",
        MASK,
    ):
        assert raw not in page, raw
