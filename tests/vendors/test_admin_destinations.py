"""The destination form: each vendor's own operations, and campaigns LeadByte would refuse."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.factories import CampaignFactory, ConnectionFactory, DestinationFactory
from vendors.admin.forms import DestinationForm, operation_choice
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
