"""Sending a lead to SalesByte through the admin: the conditional rules, the alternatives rows,
and the quote id with its four links on the lead's page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from leadhub.models import Lead, Submission
from leadhub.statuses import SubmissionStatus
from sandbox.models import SandboxQuote
from tests.factories import DestinationFactory
from vendors.models import Connection, Destination

pytestmark = pytest.mark.django_db(transaction=True)

ADD_URL = reverse("admin:leadhub_lead_add")


def management(prefix: str, total: int = 3) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }


def quote_form(destination: Destination, **overrides: str) -> dict[str, str]:
    prefix = f"d{destination.pk}__"
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "+46 76 874 18 10",
        "company": "Engines AB",
        f"{prefix}send_type": "email",
        f"{prefix}signable": "on",
        **management(f"{prefix}alternatives"),
    }
    data.update(overrides)
    return data


def post(client, destination: Destination, data: dict[str, str]):
    # Posted past the preview, as the Confirm button does.
    return client.post(f"{ADD_URL}?destinations={destination.pk}", {**data, "confirm": "1"})


def test_the_quote_form_shows_fields_rows_and_hides_fixed_values(
    admin_client, salesbyte_quote_destination: Destination
) -> None:
    page = admin_client.get(ADD_URL, {"destinations": salesbyte_quote_destination.pk})
    html = page.content.decode()
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
    admin_client,
    salesbyte_quote_destination: Destination,
    send_type: str,
    contact: dict,
    field: str,
    message: str,
) -> None:
    prefix = f"d{salesbyte_quote_destination.pk}__"
    data = quote_form(salesbyte_quote_destination, **contact, **{f"{prefix}send_type": send_type})
    response = post(admin_client, salesbyte_quote_destination, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [f"SalesByte quote: {message}"]
    assert not Lead.objects.exists() and not Submission.objects.exists()


def test_send_type_none_needs_neither_email_nor_phone(
    admin_client, salesbyte_quote_destination: Destination
) -> None:
    prefix = f"d{salesbyte_quote_destination.pk}__"
    data = quote_form(
        salesbyte_quote_destination, email="", phone="", **{f"{prefix}send_type": "none"}
    )
    assert post(admin_client, salesbyte_quote_destination, data).status_code == 302
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.ACCEPTED
    assert "customer_email" not in submission.payload


def test_alternatives_rows_reach_salesbyte(
    admin_client, salesbyte_quote_destination: Destination
) -> None:
    prefix = f"d{salesbyte_quote_destination.pk}__"
    rows = f"{prefix}alternatives"
    data = quote_form(
        salesbyte_quote_destination,
        **{
            f"{rows}-0-title": "Basic",
            f"{rows}-0-bundle_id": "7",
            # row 1 left blank: ignored
            f"{rows}-2-title": "Premium",
            f"{rows}-2-skus": "123, 4343",
            f"{prefix}custom_fields": "roof = Tiles\nnot a pair",
            f"{prefix}signable_until": "2026-12-31",
        },
    )
    assert post(admin_client, salesbyte_quote_destination, data).status_code == 302
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
    admin_client, salesbyte_quote_destination: Destination
) -> None:
    rows = f"d{salesbyte_quote_destination.pk}__alternatives"
    data = quote_form(
        salesbyte_quote_destination,
        **{
            f"{rows}-0-title": "Neither",
            f"{rows}-1-bundle_id": "7",
            f"{rows}-1-skus": "123",
            f"{rows}-1-title": "Both",
        },
    )
    response = post(admin_client, salesbyte_quote_destination, data)
    assert response.status_code == 200
    form = response.context["form"]
    for row in (0, 1):
        row_form = form.row_sets[rows].forms[row]
        assert row_form.errors["bundle_id"] == ["Give a bundle id or SKUs, not both."]
    assert form.non_field_errors() == ["SalesByte quote: correct the alternatives rows."]
    assert "Give a bundle id or SKUs, not both." in response.content.decode()
    assert not Lead.objects.exists()


def test_a_bad_row_value_is_shown_and_nothing_is_saved(
    admin_client, salesbyte_quote_destination: Destination
) -> None:
    rows = f"d{salesbyte_quote_destination.pk}__alternatives"
    data = quote_form(salesbyte_quote_destination, **{f"{rows}-0-bundle_id": "seven"})
    response = post(admin_client, salesbyte_quote_destination, data)
    assert response.context["form"].row_sets[rows].forms[0].errors["bundle_id"]
    assert not Lead.objects.exists()


def test_a_template_needs_an_email_or_a_phone(
    admin_client, salesbyte_connection: Connection
) -> None:
    destination = DestinationFactory(
        name="SalesByte template",
        connection=salesbyte_connection,
        operation="create_quote_template",
        fixed_values={"quote_template_id": 10},
    )
    response = post(admin_client, destination, {"first_name": "Ada", "email": "", "phone": ""})
    errors = response.context["form"].errors
    message = "SalesByte template: Give an email address or a phone number: the template needs one."
    assert errors["email"] == [message]
    assert errors["phone"] == [message]
    assert not Lead.objects.exists()


def test_a_template_lead_is_accepted_without_id_or_links(
    admin_client, salesbyte_connection: Connection
) -> None:
    destination = DestinationFactory(
        name="SalesByte template",
        connection=salesbyte_connection,
        operation="create_quote_template",
        fixed_values={"quote_template_id": 10, "trigger_created_messages_to_customer": False},
    )
    prefix = f"d{destination.pk}__"
    response = post(
        admin_client,
        destination,
        {"first_name": "Ada", "phone": "+46768741810", f"{prefix}customer_fields": "roof=Tiles"},
    )
    assert response.status_code == 302
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
    admin_client, salesbyte_quote_destination: Destination
) -> None:
    response = post(
        admin_client, salesbyte_quote_destination, quote_form(salesbyte_quote_destination)
    )
    assert response.status_code == 302
    submission = Submission.objects.get()
    created = SandboxQuote.objects.get()
    assert submission.status == SubmissionStatus.ACCEPTED
    assert submission.vendor_reference == str(created.pk)
    assert submission.payload["customer_name"] == "Ada Lovelace"
    assert submission.payload["customer_phone"] == "+46768741810"
    for url in (
        response["Location"],
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
    admin_client, salesbyte_quote_destination: Destination
) -> None:
    rows = f"d{salesbyte_quote_destination.pk}__alternatives"
    data = quote_form(salesbyte_quote_destination, **{f"{rows}-TOTAL_FORMS": "500"})
    del data[f"{rows}-INITIAL_FORMS"]
    response = post(admin_client, salesbyte_quote_destination, data)
    assert response.status_code == 200
    assert "Alternatives: correct the rows below." in response.context["form"].non_field_errors()
    assert not Lead.objects.exists()
