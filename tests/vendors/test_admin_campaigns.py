"""The campaign admin: LeadByte's campaigns as the sync cached them, never edited here."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CampaignFactory
from vendors.models import Campaign

pytestmark = pytest.mark.django_db


def test_a_campaign_cannot_be_added_or_edited_by_hand(admin_client) -> None:
    campaign = CampaignFactory(name="Winter")
    assert admin_client.get(reverse("admin:vendors_campaign_add")).status_code == 403
    url = reverse("admin:vendors_campaign_change", args=[campaign.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "name" not in form.fields and "reference" not in form.fields  # shown, not inputs
    admin_client.post(url, {"name": "Renamed", "reference": "X"})
    campaign.refresh_from_db()
    assert campaign.name == "Winter"


def test_the_list_is_titled_by_what_it_holds(admin_client) -> None:
    CampaignFactory()
    page = admin_client.get(reverse("admin:vendors_campaign_changelist")).content.decode()
    assert "<h1>LeadByte campaigns</h1>" in page
    assert "Select campaign to change" not in page
    assert Campaign._meta.get_field("sup_visible").verbose_name == "shown to suppliers"
