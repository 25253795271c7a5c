"""The destination form: each vendor's own operations, and campaigns LeadByte would refuse."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django import forms
from django.urls import reverse

from leadhub.demo import CRMCOM_GETLEAD_DESTINATIONS, SALESBYTE_DESTINATIONS
from tests.factories import (
    CampaignFactory,
    CampaignFieldFactory,
    ConnectionFactory,
    DestinationFactory,
)
from vendors.admin.destination_forms import DestinationForm, operation_choice
from vendors.models import Campaign, Connection, Destination
from vendors.registry import adapter_class, implemented_kinds

pytestmark = pytest.mark.django_db


def destination_form(connection: Connection, operation: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": "To the vendor",
        "connection": connection.pk,
        "operation": operation_choice(connection.kind, operation),
        "fixed_values": "{}",
        "is_active": "on",
        **fields,
    }


def destination_operations() -> list[tuple[str, str]]:
    return [
        (kind, op.name)
        for kind in implemented_kinds()
        for op in adapter_class(kind).operations.values()
        if not op.follow_up
    ]


@pytest.mark.parametrize(("kind", "operation"), destination_operations())
def test_the_operation_round_trips_for_each_vendor(admin_client, kind: str, operation: str) -> None:
    connection = ConnectionFactory(kind=kind)
    extra = {}
    if adapter_class(kind).operations[operation].uses_campaign:
        extra["campaign"] = CampaignFactory(connection=connection).pk
    response = admin_client.post(
        reverse("admin:vendors_destination_add"), destination_form(connection, operation, **extra)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    destination = Destination.objects.get()
    assert destination.operation == operation
    page = admin_client.get(reverse("admin:vendors_destination_change", args=[destination.pk]))
    form = page.context["adminform"].form
    # Re-opened, the select shows this vendor's operation, not another vendor's namesake.
    assert form["operation"].value() == f"{kind}:{operation}"
    assert f'value="{kind}:{operation}" selected' in page.content.decode()


def test_operations_are_grouped_by_vendor_and_never_offer_follow_ups() -> None:
    groups = dict(DestinationForm().fields["operation"].choices)
    assert ("crmcom:create_lead", "Create lead") in groups["CRM.COM"]
    assert ("leadbyte:create_lead", "Create lead") in groups["LeadByte"]
    assert not any(value == "getlead:add_note" for value, _ in groups["Getlead"])


def test_another_vendors_operation_is_refused_for_the_connection() -> None:
    connection = ConnectionFactory(kind="crmcom")
    form = DestinationForm(
        data={**destination_form(connection, "create_lead"), "operation": "getlead:create_lead"}
    )
    assert not form.is_valid()
    assert "pick one listed under CRM.COM" in form.errors["operation"][0]


@pytest.mark.parametrize(
    "inactive",
    [{"active": False}, {"archived": True}, {"listed": False}],
    ids=["off", "archived", "unlisted"],
)
def test_a_campaign_leadbyte_would_refuse_is_marked_and_cannot_be_chosen(
    inactive: dict[str, bool],
) -> None:
    connection = ConnectionFactory(kind="leadbyte")
    campaign: Campaign = CampaignFactory(connection=connection, name="Winter", **inactive)
    form = DestinationForm(data=destination_form(connection, "create_lead", campaign=campaign.pk))
    labels = [label for _, label in form.fields["campaign"].choices]
    marked = [label for label in labels if "not active in LeadByte" in label]
    assert len(marked) == 1 and marked[0].startswith("Winter [")
    assert not form.is_valid()
    assert "not active in LeadByte" in form.errors["campaign"][0]


def test_a_destination_whose_campaign_went_inactive_can_still_be_edited() -> None:
    campaign = CampaignFactory(active=False)
    destination = DestinationFactory(connection=campaign.connection, campaign=campaign)
    data = destination_form(
        campaign.connection, destination.operation, campaign=campaign.pk, name="Renamed"
    )
    form = DestinationForm(data=data, instance=destination)
    assert form.is_valid(), form.errors


# --- fixed values as typed fields --------------------------------------------------------

ADD = "admin:vendors_destination_add"
LEADBYTE_FIXED = {"sid": "1", "data14": "Repayment", "dob": "1990-12-31", "phone1": None}


def typed_values(fixed: dict[str, Any]) -> dict[str, Any]:
    """What an admin types for ``fixed`` in the typed fields: text in boxes, Yes/No for
    true/false, and the fields never sent ticked. No JSON."""
    data: dict[str, Any] = {"fixed_values": "", "left_out": []}
    for name, value in fixed.items():
        if value is None:
            data["left_out"].append(name)
        elif isinstance(value, bool):
            data[f"fixed__{name}"] = "true" if value else "false"
        else:
            data[f"fixed__{name}"] = str(value)
    return data


def exactly(values: dict[str, Any]) -> str:
    """Compared as JSON text, so 1 is not True and "1" is not 1."""
    return json.dumps(values, sort_keys=True)


def operation_cases() -> list[tuple[str, str, dict[str, Any]]]:
    """Each vendor's operation, with the fixed values the demo sets up as JSON."""
    cases = [("leadbyte", "create_lead", LEADBYTE_FIXED)]
    cases += [("salesbyte", op, fixed) for op, fixed in SALESBYTE_DESTINATIONS.values()]
    cases += [
        (kind, op, fixed)
        for kind, rows in CRMCOM_GETLEAD_DESTINATIONS.items()
        for _, op, fixed in rows
    ]
    return cases


def leadbyte_campaign(connection: Connection) -> Campaign:
    campaign = CampaignFactory(connection=connection)
    for name, label, data_type, required in [
        ("sid", "SID", "Text", True),
        ("data14", "Mortgage type", "Text", False),
        ("dob", "Date of birth", "Date", False),
        ("phone1", "Phone", "UK Mobile Number", False),
    ]:
        CampaignFieldFactory(
            campaign=campaign, name=name, label=label, data_type=data_type, required=required
        )
    return campaign


def add_url(connection: Connection, operation: str, campaign: Campaign | None = None) -> str:
    query = {"connection": connection.pk, "operation": operation_choice(connection.kind, operation)}
    if campaign is not None:
        query["campaign"] = campaign.pk
    return f"{reverse(ADD)}?{urlencode(query)}"


def form_data(form: Any) -> dict[str, Any]:
    """What the browser posts for a rendered admin form, as it is."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    return data


@pytest.mark.parametrize(
    ("kind", "operation", "fixed"),
    operation_cases(),
    ids=[f"{k}-{op}-{n}" for n, (k, op, _) in enumerate(operation_cases())],
)
def test_each_operation_is_set_up_without_json_and_stores_what_the_json_did(
    admin_client, kind: str, operation: str, fixed: dict[str, Any]
) -> None:
    connection = ConnectionFactory(kind=kind)
    campaign = leadbyte_campaign(connection) if kind == "leadbyte" else None
    url = add_url(connection, operation, campaign)
    page = admin_client.get(url)
    form = page.context["adminform"].form
    specs = {s.name: s for s in form.target_specs}
    for name, value in fixed.items():
        if value is not None:
            # Each value has its own field, under the vendor field's label.
            assert form.fields[f"fixed__{name}"].label == specs[name].label
    data = {
        "name": "Set up by typing",
        "connection": connection.pk,
        "is_active": "on",
        **({"campaign": campaign.pk} if campaign else {}),
        **typed_values(fixed),
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    destination = Destination.objects.get()
    assert exactly(destination.fixed_values) == exactly(fixed)

    # Re-opened, every value is back in its field; saved as shown, nothing changes.
    change = reverse("admin:vendors_destination_change", args=[destination.pk])
    form = admin_client.get(change).context["adminform"].form
    assert json.loads(form["fixed_values"].value()) == {}
    response = admin_client.post(change, form_data(form))
    assert response.status_code == 302, response.context["adminform"].form.errors
    destination.refresh_from_db()
    assert exactly(destination.fixed_values) == exactly(fixed)


def test_the_first_step_asks_where_the_destination_sends(admin_client) -> None:
    connection = ConnectionFactory(kind="leadbyte")
    off = CampaignFactory(connection=connection, active=False, name="Winter")
    page = admin_client.get(reverse(ADD))
    assert page.context["title"] == "Add a destination: where it sends"
    assert "fixed__sid" not in page.content.decode()
    page = admin_client.get(
        reverse(ADD),
        {"connection": connection.pk, "operation": "leadbyte:create_lead", "campaign": off.pk},
    )
    assert "not active in LeadByte" in page.context["form"].errors["campaign"][0]
    page = admin_client.get(
        reverse(ADD), {"connection": connection.pk, "operation": "leadbyte:create_lead"}
    )
    assert "sends to a campaign" in page.context["form"].errors["campaign"][0]


def test_a_wrong_type_is_an_inline_error_naming_the_field(admin_client) -> None:
    connection = ConnectionFactory(kind="salesbyte")
    url = add_url(connection, "create_quote")
    data = {
        "name": "Quotes",
        "connection": connection.pk,
        **typed_values({"quote_profile_id": "one"}),
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"fixed__quote_profile_id": ["Enter a whole number."]}
    row = re.search(
        r'<div class="form-row errors field-fixed__quote_profile_id">(.*?)</fieldset>',
        response.content.decode(),
        re.S,
    )
    assert row and "Enter a whole number." in row.group(1) and "Quote profile id" in row.group(1)
    assert not Destination.objects.exists()


@pytest.mark.parametrize(
    ("kind", "operation", "extra", "error"),
    [
        (
            "salesbyte",
            "create_quote",
            {"quote_profile_id": "one"},
            "Quote profile id (quote_profile_id): Enter a whole number.",
        ),
        (
            "salesbyte",
            "create_quote",
            {"chat_enabled": "yes"},
            "Chat enabled (chat_enabled): Give true or false.",
        ),
        (
            "salesbyte",
            "create_quote",
            {"quote_profil_id": 1},
            "quote_profil_id (quote_profil_id): SalesByte has no such field",
        ),
        ("salesbyte", "create_quote", {"quote_profile_id": None}, "cannot be left out"),
        (
            "salesbyte",
            "create_quote",
            {"alternatives": [{"title": "A", "bundle": 3}]},
            "Row 1: no field “bundle”",
        ),
        ("crmcom", "create_lead", {"priority": "9"}, "Priority (priority): Select a valid choice."),
        (
            "crmcom",
            "create_lead",
            {"source": {"type": "WEBSITE"}},
            "Give it as source.type, source.name",
        ),
        (
            "crmcom",
            "create_lead",
            {"status_identifier": {"name": "New", "code": "NEW"}},
            "Lead status (status_identifier): Give one plain value",
        ),
        (
            "getlead",
            "create_lead",
            {"campaign_ref": ["a", "b"]},
            "Getlead takes an extra field as text or a number.",
        ),
        (
            "getlead",
            "create_lead",
            {"date_of_birth": "31/13/1990"},
            "Date of birth (date_of_birth): Enter a valid date.",
        ),
    ],
)
def test_the_json_escape_hatch_is_checked_like_the_fields(
    admin_client, kind: str, operation: str, extra: dict[str, Any], error: str
) -> None:
    connection = ConnectionFactory(kind=kind)
    data = {"name": "Advanced", "connection": connection.pk, "fixed_values": json.dumps(extra)}
    response = admin_client.post(add_url(connection, operation), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["fixed_values"]
    assert error in errors["fixed_values"][0]


@pytest.mark.parametrize(
    ("kind", "operation", "extra"),
    [
        ("crmcom", "create_lead", {"category_identifier": {"alternative_code": "RES"}}),
        ("getlead", "create_lead", {"campaign_ref": "Spring", "budget": 5000}),
        # More alternatives than the typed rows offer.
        (
            "salesbyte",
            "create_quote",
            {"alternatives": [{"title": f"Option {n}", "bundle_id": n} for n in range(1, 5)]},
        ),
        (
            "salesbyte",
            "create_quote",
            {"custom_fields": {"Colour": {"attribute": {"required": True}, "value": "Red"}}},
        ),
        ("leadbyte", "create_lead", {"sid": 1}),
    ],
)
def test_what_only_json_can_say_is_kept_under_advanced(
    admin_client, kind: str, operation: str, extra: dict[str, Any]
) -> None:
    connection = ConnectionFactory(kind=kind)
    campaign = leadbyte_campaign(connection) if kind == "leadbyte" else None
    data = {
        "name": "Advanced",
        "connection": connection.pk,
        "fixed_values": json.dumps(extra),
        **({"campaign": campaign.pk} if campaign else {}),
    }
    response = admin_client.post(add_url(connection, operation, campaign), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    destination = Destination.objects.get()
    assert exactly(destination.fixed_values) == exactly(extra)
    change = reverse("admin:vendors_destination_change", args=[destination.pk])
    form = admin_client.get(change).context["adminform"].form
    assert exactly(json.loads(form["fixed_values"].value())) == exactly(extra)


def test_quote_alternatives_are_typed_in_rows_of_fields_and_come_back_in_them(
    admin_client,
) -> None:
    connection = ConnectionFactory(kind="salesbyte")
    url = add_url(connection, "create_quote")
    page = admin_client.get(url)
    form = page.context["adminform"].form
    assert form.fields["fixed__alternatives__0__bundle_id"].label == "1. Bundle id"
    assert form.fields["fixed__alternatives__2__skus"].label == "3. SKUs"
    assert 'class="fieldset-heading">Alternatives</h2>' in page.content.decode()
    data = {
        "name": "Quotes with options",
        "connection": connection.pk,
        "fixed_values": "{}",
        **typed_values({"quote_profile_id": 3}),
        "fixed__alternatives__0__title": "Standard",
        "fixed__alternatives__0__bundle_id": "7",
        # The second row left blank: left out; the third typed.
        "fixed__alternatives__2__title": "Premium",
        "fixed__alternatives__2__skus": "123, 4343",
        "fixed__alternatives__2__sort_order": "2",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    destination = Destination.objects.get()
    alternatives = [
        {"title": "Standard", "bundle_id": 7},
        {"title": "Premium", "skus": "123, 4343", "sort_order": 2},
    ]
    assert destination.fixed_values["alternatives"] == alternatives

    # Re-opened, the rows are back in their fields, none under Advanced; saved as shown,
    # nothing changes.
    change = reverse("admin:vendors_destination_change", args=[destination.pk])
    form = admin_client.get(change).context["adminform"].form
    assert json.loads(form["fixed_values"].value()) == {}
    assert form["fixed__alternatives__1__title"].value() == "Premium"
    assert form["fixed__alternatives__1__sort_order"].value() == "2"
    response = admin_client.post(change, form_data(form))
    assert response.status_code == 302, response.context["adminform"].form.errors
    destination.refresh_from_db()
    assert destination.fixed_values["alternatives"] == alternatives


def test_a_wrong_type_in_a_quote_alternative_is_an_inline_error_on_its_field(
    admin_client,
) -> None:
    connection = ConnectionFactory(kind="salesbyte")
    data = {
        "name": "Quotes",
        "connection": connection.pk,
        "fixed_values": "{}",
        "fixed__alternatives__1__bundle_id": "seven",
        "fixed__alternatives__1__sort_order": "-1",
    }
    response = admin_client.post(add_url(connection, "create_quote"), data)
    errors = response.context["adminform"].form.errors
    assert errors["fixed__alternatives__1__bundle_id"] == ["Enter a whole number."]
    assert "greater than or equal to 0" in errors["fixed__alternatives__1__sort_order"][0]
    assert not Destination.objects.exists()


def test_an_alternative_salesbyte_would_refuse_is_an_error_on_its_own_row(admin_client) -> None:
    connection = ConnectionFactory(kind="salesbyte")
    data = {
        "name": "Quotes",
        "connection": connection.pk,
        "fixed_values": "{}",
        "fixed__alternatives__0__title": "Fine",
        "fixed__alternatives__0__bundle_id": "7",
        # The second row left blank; the third gives both a bundle and SKUs.
        "fixed__alternatives__2__title": "Both",
        "fixed__alternatives__2__bundle_id": "8",
        "fixed__alternatives__2__skus": "1, 2",
    }
    response = admin_client.post(add_url(connection, "create_quote"), data)
    errors = response.context["adminform"].form.errors
    assert errors == {"fixed__alternatives__2__bundle_id": ["Give a bundle id or SKUs, not both."]}
    assert not Destination.objects.exists()


def test_a_value_typed_and_given_as_json_is_refused(admin_client) -> None:
    connection = ConnectionFactory(kind="getlead")
    data = {
        "name": "Twice",
        "connection": connection.pk,
        **typed_values({"source": "LeadHub"}),
        "fixed_values": json.dumps({"source": "Web"}),
    }
    response = admin_client.post(add_url(connection, "create_lead"), data)
    assert (
        "Source (source) is set above too"
        in response.context["adminform"].form.errors["fixed_values"][0]
    )


def test_another_campaign_is_saved_only_once_its_own_fields_were_shown(admin_client) -> None:
    connection = ConnectionFactory(kind="leadbyte")
    destination = DestinationFactory(
        connection=connection, campaign=leadbyte_campaign(connection), fixed_values={"sid": "1"}
    )
    bare = CampaignFactory(connection=connection, name="Bare")
    change = reverse("admin:vendors_destination_change", args=[destination.pk])
    # Posted over the old campaign's fields: refused, nothing saved.
    data = {**form_data(admin_client.get(change).context["adminform"].form), "campaign": bare.pk}
    errors = admin_client.post(change, data).context["adminform"].form.errors
    assert list(errors) == ["campaign"]
    assert "Let the page show the fields of Bare" in errors["campaign"][0]
    destination.refresh_from_db()
    assert destination.campaign != bare
    # The page on the new campaign: its fields (none typed: the stored sid is left over, in
    # the JSON, where the campaign's own check names it).
    page = admin_client.get(f"{change}?campaign={bare.pk}")
    form = page.context["adminform"].form
    assert form.initial["campaign"] == bare.pk and "fixed__sid" not in form.fields
    assert "saving moves the destination there from" in page.content.decode()
    response = admin_client.post(f"{change}?campaign={bare.pk}", form_data(form))
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["fixed_values"]
    assert "LeadByte has no such field for this operation or campaign" in errors["fixed_values"][0]
    data = {**form_data(form), "fixed_values": "{}"}
    assert admin_client.post(f"{change}?campaign={bare.pk}", data).status_code == 302
    destination.refresh_from_db()
    assert destination.campaign == bare and destination.fixed_values == {}


def test_campaign_and_operation_options_say_whose_they_are(admin_client) -> None:
    leadbyte = ConnectionFactory(kind="leadbyte")
    campaign = CampaignFactory(connection=leadbyte)
    page = admin_client.get(reverse("admin:vendors_destination_add")).content.decode()
    assert f'value="{leadbyte.pk}" data-kind="leadbyte"' in page
    assert f'value="{campaign.pk}" data-connection="{leadbyte.pk}"' in page
    assert "leadbyte/destination_form.js" not in page and "leadhub/destination_form.js" in page


def test_an_admin_sets_the_label_staff_read_and_blank_keeps_the_plain_one(admin_client) -> None:
    connection = ConnectionFactory(kind="leadbyte")
    campaign = leadbyte_campaign(connection)
    destination = DestinationFactory(
        connection=connection, campaign=campaign, operation="create_lead", fixed_values={}
    )
    change = reverse("admin:vendors_destination_change", args=[destination.pk])
    form = admin_client.get(change).context["adminform"].form
    assert form.fields["label__sid"].widget.attrs["placeholder"] == "Source ID"
    data = {**form_data(form), "label__data14": " Kind of mortgage ", "label__dob": ""}
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    destination.refresh_from_db()
    assert destination.field_labels == {"data14": "Kind of mortgage"}
    labels = {s.name: s.label for s in destination.staff_field_specs()}
    assert labels["data14"] == "Kind of mortgage" and labels["sid"] == "Source ID"
    again = admin_client.get(change).context["adminform"].form
    assert again["label__data14"].value() == "Kind of mortgage"
