"""Campaign drift: a sync that changes a campaign's fields is recorded, flagged and shown."""

from __future__ import annotations

import copy

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from sandbox.models import SandboxCampaign
from tests.factories import CampaignChangeFactory, CampaignFactory, DestinationFactory
from vendors.campaign_fields import CampaignFieldMeta
from vendors.campaign_sync import campaigns_sync
from vendors.drift import (
    campaign_changes_acknowledge,
    campaign_fields_diff,
    destinations_on_unusable_campaigns,
    destinations_with_open_changes,
)
from vendors.field_changes import ChangeKind, describe
from vendors.models import CampaignChange, Connection, Destination


def meta(
    name: str, required: bool = False, choices: str = "", data_type: str = "Text"
) -> CampaignFieldMeta:
    return CampaignFieldMeta(
        name=name,
        label=name.title(),
        required=required,
        data_type=data_type,
        selection_values=choices,
    )


def test_the_diff_names_every_kind_of_change() -> None:
    before = {
        "a": meta("a"),
        "b": meta("b", required=True),
        "c": meta("c", choices="X,Y"),
        "gone": meta("gone"),
        "d": meta("d"),
    }
    after = {
        "a": meta("a", required=True),
        "b": meta("b"),
        "c": meta("c", choices="Y,Z"),
        "d": meta("d", data_type="Date"),
        "new": meta("new", required=True),
    }
    changes = {(c["kind"], c["field"]): c for c in campaign_fields_diff(before, after)}
    assert set(changes) == {
        (ChangeKind.BECAME_REQUIRED, "a"),
        (ChangeKind.BECAME_OPTIONAL, "b"),
        (ChangeKind.CHOICES_ADDED, "c"),
        (ChangeKind.CHOICES_REMOVED, "c"),
        (ChangeKind.TYPE_CHANGED, "d"),
        (ChangeKind.FIELD_REMOVED, "gone"),
        (ChangeKind.FIELD_ADDED, "new"),
    }
    assert changes[(ChangeKind.CHOICES_ADDED, "c")]["values"] == ["Z"]
    assert changes[(ChangeKind.CHOICES_REMOVED, "c")]["values"] == ["X"]
    assert describe(changes[(ChangeKind.FIELD_ADDED, "new")]) == (
        "New required field “New” (new): every lead must now carry it."
    )
    assert (
        describe(changes[(ChangeKind.CHOICES_REMOVED, "c")])
        == "Field “C” (c) no longer accepts: X."
    )
    assert describe(changes[(ChangeKind.BECAME_REQUIRED, "a")]) == "Field “A” (a) is now required."
    assert (
        describe(changes[(ChangeKind.TYPE_CHANGED, "d")])
        == "Field “D” (d) changed type from Text to Date."
    )
    assert campaign_fields_diff(before, before) == []


def _edit_sandbox_campaign(reference: str, edit) -> None:
    campaign = SandboxCampaign.objects.get(reference=reference)
    definition = copy.deepcopy(campaign.definition)
    edit(definition)
    campaign.definition = definition
    campaign.save()


def _field(definition: dict, name: str) -> dict:
    return next(f for f in definition["fields"] if f["name"] == name)


@pytest.mark.django_db(transaction=True)
def test_a_sync_records_what_leadbyte_changed_and_flags_destinations(
    leadbyte_connection: Connection, leadbyte_destination: Destination, admin_client
) -> None:
    campaign = leadbyte_destination.campaign
    assert campaign is not None
    campaigns_sync(connection=leadbyte_connection)  # unchanged: nothing recorded
    assert not CampaignChange.objects.exists()

    def edit(definition: dict) -> None:
        definition["fields"] = [f for f in definition["fields"] if f["name"] != "data14"]
        definition["fields"].append(
            {"name": "data30", "label": "roof_age", "required": True, "data_type": "Text"}
        )
        _field(definition, "postcode")["required"] = True
        gender = _field(definition, "gender")
        gender["selection_values"] = gender["selection_labels"] = "Male,Female,Other"

    _edit_sandbox_campaign("EXAMPLE-CAMPAIGN", edit)
    campaigns_sync(connection=leadbyte_connection)

    change = CampaignChange.objects.get(campaign=campaign)
    assert sorted(c["kind"] for c in change.changes) == sorted(
        [
            ChangeKind.FIELD_ADDED,
            ChangeKind.FIELD_REMOVED,
            ChangeKind.BECAME_REQUIRED,
            ChangeKind.CHOICES_ADDED,
            ChangeKind.CHOICES_REMOVED,
        ]
    )
    texts = change.descriptions()
    assert "New required field “roof_age” (data30): every lead must now carry it." in texts
    assert "Field “postcode” (postcode) is now required." not in texts  # label is Postcode
    assert "Field “Postcode” (postcode) is now required." in texts
    assert "Field “mortgage_type” (data14) was removed: it is no longer asked for or sent." in texts
    assert "Field “Gender” (gender) no longer accepts: M, F." in texts
    assert list(destinations_with_open_changes()) == [leadbyte_destination]

    # The destination list and page, the lead form and the campaign page all say so.
    page = admin_client.get(reverse("admin:vendors_destination_changelist")).content.decode()
    assert "Fields changed: review" in page
    page = admin_client.get(
        reverse("admin:vendors_destination_change", args=[leadbyte_destination.pk])
    ).content.decode()
    assert "New required field “roof_age” (data30)" in page
    page = admin_client.get(
        reverse("admin:leadhub_lead_add"), {"destinations": leadbyte_destination.pk}
    ).content.decode()
    assert "Campaign fields changed at the vendor" in page
    assert "Field “Postcode” (postcode) is now required." in page
    campaign_url = reverse("admin:vendors_campaign_change", args=[campaign.pk])
    page = admin_client.get(campaign_url).content.decode()
    assert "The campaign's fields changed at LeadByte." in page
    assert 'name="_acknowledge_changes"' in page
    assert "no longer accepts: M, F." in page

    # Acknowledging from the campaign page clears every flag.
    response = admin_client.post(campaign_url, {"_acknowledge_changes": "1"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.acknowledged_at is not None and change.acknowledged_by is not None
    assert change.acknowledged_by.username == "admin"
    assert not destinations_with_open_changes().exists()
    page = admin_client.get(
        reverse("admin:leadhub_lead_add"), {"destinations": leadbyte_destination.pk}
    ).content.decode()
    assert "Campaign fields changed at the vendor" not in page
    # The history stays on the campaign page.
    assert "no longer accepts: M, F." in admin_client.get(campaign_url).content.decode()


@pytest.mark.django_db
def test_acknowledging_counts_only_open_changes(django_user_model) -> None:
    campaign = CampaignFactory()
    CampaignChangeFactory.create_batch(2, campaign=campaign)
    assert campaign_changes_acknowledge(campaign=campaign) == 2
    assert campaign_changes_acknowledge(campaign=campaign) == 0


@pytest.mark.django_db
def test_the_acknowledge_action_on_the_campaign_list(admin_client) -> None:
    campaign = CampaignChangeFactory().campaign
    changelist = reverse("admin:vendors_campaign_changelist")
    assert "1 to review" in admin_client.get(changelist).content.decode()
    admin_client.post(
        changelist, {"action": "acknowledge_changes", "_selected_action": [campaign.pk]}
    )
    assert not CampaignChange.objects.filter(acknowledged_at__isnull=True).exists()


def _switch_off(definition: dict) -> None:
    definition["active"] = "0"


def _archive(definition: dict) -> None:
    definition["archived"] = "1"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["off", "archived", "unlisted"])
def test_a_destination_whose_campaign_went_inactive_is_flagged_and_not_offered(
    leadbyte_connection: Connection, leadbyte_destination: Destination, admin_client, change: str
) -> None:
    home = reverse("admin:index")
    assert "Destinations on an inactive campaign" not in admin_client.get(home).content.decode()
    if change == "unlisted":
        SandboxCampaign.objects.filter(reference="EXAMPLE-CAMPAIGN").delete()
    else:
        _edit_sandbox_campaign("EXAMPLE-CAMPAIGN", _switch_off if change == "off" else _archive)
    campaigns_sync(connection=leadbyte_connection)
    assert list(destinations_on_unusable_campaigns()) == [leadbyte_destination]

    # The destination list flags it, and its filter finds it.
    changelist = reverse("admin:vendors_destination_changelist")
    page = admin_client.get(changelist).content.decode()
    reason = {"off": "off", "archived": "archived", "unlisted": "no longer listed"}[change]
    assert f"Campaign {reason}: not offered to staff" in page
    flagged = admin_client.get(changelist, {"campaign_state": "inactive"})
    assert list(flagged.context["cl"].result_list) == [leadbyte_destination]

    # The admin home's needs-attention banner counts it and links to that list.
    banner = admin_client.get(home).content.decode().split('id="needs-attention"')[1]
    assert "Destinations on an inactive campaign" in banner.split("</table>")[0]
    assert f"{changelist}?campaign_state=inactive" in banner

    # Staff are not offered it, and are told why; asking for it anyway is refused.
    page = admin_client.get(reverse("admin:leadhub_lead_add")).content.decode()
    assert f'value="{leadbyte_destination.pk}"' not in page
    assert f"Not offered now: {leadbyte_destination.name}." in page
    refused = admin_client.get(
        reverse("admin:leadhub_lead_add"), {"destinations": leadbyte_destination.pk}
    )
    assert refused.context["title"] == "Send a lead: choose destinations"
    assert refused.context["form"].errors["destinations"]


@pytest.mark.django_db
def test_the_needs_attention_count_is_only_for_those_who_can_fix_destinations(
    client, django_user_model
) -> None:
    DestinationFactory(campaign=CampaignFactory(active=False))
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_submission"))
    client.force_login(viewer)
    assert "Destinations on an inactive campaign" not in client.get("/admin/").content.decode()
    viewer.user_permissions.add(Permission.objects.get(codename="change_destination"))
    viewer = django_user_model.objects.get(pk=viewer.pk)  # permissions are cached per object
    client.force_login(viewer)
    assert "Destinations on an inactive campaign" in client.get("/admin/").content.decode()
