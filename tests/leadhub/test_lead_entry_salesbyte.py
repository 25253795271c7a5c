"""Sending a lead to SalesByte through the admin: the conditional rules, the alternatives rows,
and the quote id with its four links on the lead's page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from sandbox.models import SandboxQuote
from tests.factories import DestinationFactory
from tests.leadhub.conftest import CONTACT, LeadEntry
from vendors.models import Connection, Destination

pytestmark = pytest.mark.django_db(transaction=True)


def management(prefix: str, total: int = 3) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }


def quote_form(destination: Destination, *rows: dict[str, str], **overrides: str) -> dict[str, str]:
    """The quote form filled in for Ada, with these alternatives rows (an empty one left blank)
    in its three."""
    prefix = f"d{destination.pk}__"
    filled = {
        f"{prefix}alternatives-{number}-{name}": value
        for number, row in enumerate(rows)
        for name, value in row.items()
    }
    return {
        **CONTACT,
        "phone": "+46 76 874 18 10",
        "company": "Engines AB",
        f"{prefix}send_type": "email",
        f"{prefix}signable": "on",
        **management(f"{prefix}alternatives"),
        **filled,
        **overrides,
    }


@pytest.fixture
def template_destination(salesbyte_connection: Connection) -> Destination:
    """A destination that makes SalesByte's quotes from a template, telling the customer
    nothing."""
    return DestinationFactory(
        name="SalesByte template",
        connection=salesbyte_connection,
        operation="create_quote_template",
        fixed_values={"quote_template_id": 10, "trigger_created_messages_to_customer": False},
    )


def test_the_quote_form_shows_fields_rows_and_hides_fixed_values(
    lead_entry: LeadEntry, salesbyte_quote_destination: Destination
) -> None:
    html = lead_entry.page(salesbyte_quote_destination)
    prefix = f"d{salesbyte_quote_destination.pk}__"
    assert f'name="{prefix}send_type"' in html
    assert f'name="{prefix}signable_until"' in html
    for row in range(3):
        assert f'name="{prefix}alternatives-{row}-bundle_id"' in html
        assert f'name="{prefix}alternatives-{row}-skus"' in html
    assert f'name="{prefix}alternatives-TOTAL_FORMS"' in html
    assert f'name="{prefix}quote_profile_id"' not in html  # fixed on the destination
    assert f'name="{prefix}customer_email"' not in html  # the contact's email fills it


@pytest.mark.parametrize(
    ("send_type", "contact", "field", "message"),
    [
        ("email", {"email": ""}, "email", "Required when the quote is sent by email."),
        ("dual", {"email": ""}, "email", "Required when the quote is sent by dual."),
        ("sms", {"phone": ""}, "phone", "Required when the quote is sent by sms."),
        ("dual", {"phone": ""}, "phone", "Required when the quote is sent by dual."),
        (
            "none",
            {"phone": "07911 123456"},
            "phone",
            "SalesByte takes a Swedish number, like +46768741810.",
        ),
    ],
)
def test_send_type_rules_are_checked_in_the_form_on_the_right_field(
    lead_entry: LeadEntry,
    salesbyte_quote_destination: Destination,
    send_type: str,
    contact: dict,
    field: str,
    message: str,
) -> None:
    prefix = f"d{salesbyte_quote_destination.pk}__"
    data = quote_form(salesbyte_quote_destination, **contact, **{f"{prefix}send_type": send_type})
    response = lead_entry.refuse(salesbyte_quote_destination, data)
    assert response.context["form"].errors[field] == [f"SalesByte quote: {message}"]


def test_send_type_none_needs_neither_email_nor_phone(
    lead_entry: LeadEntry, salesbyte_quote_destination: Destination
) -> None:
    prefix = f"d{salesbyte_quote_destination.pk}__"
    data = quote_form(
        salesbyte_quote_destination, email="", phone="", **{f"{prefix}send_type": "none"}
    )
    lead_entry.send(salesbyte_quote_destination, data)
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.ACCEPTED
    assert "customer_email" not in submission.payload


def test_alternatives_rows_reach_salesbyte(
    lead_entry: LeadEntry, salesbyte_quote_destination: Destination
) -> None:
    prefix = f"d{salesbyte_quote_destination.pk}__"
    data = quote_form(
        salesbyte_quote_destination,
        {"title": "Basic", "bundle_id": "7"},
        {},  # left blank: ignored
        {"title": "Premium", "skus": "123, 4343"},
        **{
            f"{prefix}custom_fields": "roof = Tiles\nnot a pair",
            f"{prefix}signable_until": "2026-12-31",
        },
    )
    lead_entry.send(salesbyte_quote_destination, data)
    submission = Submission.objects.get()
    assert submission.payload["alternatives"] == [
        {"title": "Basic", "bundle_id": 7, "sort_order": 1},
        {"title": "Premium", "skus": [123, 4343], "sort_order": 2},
    ]
    assert submission.payload["custom_fields"] == {
        "roof": {
            "attribute": {"required": False, "editableByContact": False, "hideFromContact": False},
            "value": "Tiles",
        }
    }
    assert submission.payload["signable_until"] == "2026-12-31"
    assert submission.status == SubmissionStatus.ACCEPTED
    sent = SandboxQuote.objects.get(pk=int(submission.vendor_reference)).data
    assert sent["alternatives"][1]["skus"] == [123, 4343]


def test_an_alternative_with_both_bundle_and_skus_is_shown_on_its_row(
    lead_entry: LeadEntry, salesbyte_quote_destination: Destination
) -> None:
    data = quote_form(
        salesbyte_quote_destination,
        {"title": "Neither"},
        {"bundle_id": "7", "skus": "123", "title": "Both"},
    )
    response = lead_entry.refuse(salesbyte_quote_destination, data)
    rows = f"d{salesbyte_quote_destination.pk}__alternatives"
    form = response.context["form"]
    for row in (0, 1):
        row_form = form.row_sets[rows].forms[row]
        assert row_form.errors["bundle_id"] == ["Give a bundle id or SKUs, not both."]
    assert form.non_field_errors() == ["SalesByte quote: correct the alternatives rows."]
    assert "Give a bundle id or SKUs, not both." in response.content.decode()


def test_a_bad_row_value_is_shown_and_nothing_is_saved(
    lead_entry: LeadEntry, salesbyte_quote_destination: Destination
) -> None:
    data = quote_form(salesbyte_quote_destination, {"bundle_id": "seven"})
    response = lead_entry.refuse(salesbyte_quote_destination, data)
    rows = f"d{salesbyte_quote_destination.pk}__alternatives"
    assert response.context["form"].row_sets[rows].forms[0].errors["bundle_id"]


def test_a_template_needs_an_email_or_a_phone(
    lead_entry: LeadEntry, template_destination: Destination
) -> None:
    data = {"first_name": "Ada", "email": "", "phone": ""}
    errors = lead_entry.refuse(template_destination, data).context["form"].errors
    message = "SalesByte template: Give an email address or a phone number: the template needs one."
    assert errors["email"] == [message]
    assert errors["phone"] == [message]


def test_a_template_lead_is_accepted_without_id_or_links(
    lead_entry: LeadEntry, template_destination: Destination
) -> None:
    customer_fields = f"d{template_destination.pk}__customer_fields"
    data = {"first_name": "Ada", "phone": "+46768741810", customer_fields: "roof=Tiles"}
    lead_entry.send(template_destination, data)
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.ACCEPTED
    assert (submission.vendor_reference, submission.links) == ("", {})
    assert submission.payload == {
        "quote_template_id": 10,
        "customer_name": "Ada",
        "customer_phone": "+46768741810",
        "trigger_created_messages_to_customer": False,
        "customer_fields": {"roof": "Tiles"},
    }


def test_a_quote_shows_its_id_and_four_link_buttons_on_the_lead_and_submission_pages(
    admin_client, lead_entry: LeadEntry, salesbyte_quote_destination: Destination
) -> None:
    lead = lead_entry.send(salesbyte_quote_destination, quote_form(salesbyte_quote_destination))
    submission = Submission.objects.get()
    created = SandboxQuote.objects.get()
    assert submission.status == SubmissionStatus.ACCEPTED
    assert submission.vendor_reference == str(created.pk)
    assert submission.payload["customer_name"] == "Ada Lovelace"
    assert submission.payload["customer_phone"] == "+46768741810"
    for url in (
        reverse("admin:leadhub_lead_change", args=[lead.pk]),
        reverse("admin:leadhub_submission_change", args=[submission.pk]),
    ):
        page = admin_client.get(url).content.decode()
        assert f"SalesByte created quote {created.pk}." in page
        buttons = dict(
            (label, href)
            for href, label in re.findall(
                r'<a class="button lh-link" href="([^"]+)"[^>]*>([^<]+)</a>', page
            )
        )
        assert buttons == {
            "Edit in vendor": submission.links["edit"],
            "Customer view": submission.links["customer_view"],
            "Verification": submission.links["customer_verificate"],
            "Project approval": submission.links["customer_project_approval"],
        }
        assert buttons["Customer view"].endswith(f"/sandbox/salesbyte/view/{created.key}")


def test_tampered_rows_give_errors_not_a_500(
    lead_entry: LeadEntry, salesbyte_quote_destination: Destination
) -> None:
    rows = f"d{salesbyte_quote_destination.pk}__alternatives"
    data = quote_form(salesbyte_quote_destination, **{f"{rows}-TOTAL_FORMS": "500"})
    del data[f"{rows}-INITIAL_FORMS"]
    response = lead_entry.refuse(salesbyte_quote_destination, data)
    assert "Alternatives: correct the rows below." in response.context["form"].non_field_errors()
