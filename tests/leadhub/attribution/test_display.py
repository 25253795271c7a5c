"""The source shown: the lead page's Source panel, the lead list's filters, the CSV export."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from leadhub.attribution.models import SourceKind
from tests.factories import LeadFactory, LeadSourceFactory, UserFactory
from tests.leadhub.test_changelists import exported

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:leadhub_lead_changelist")


def test_the_lead_page_says_where_the_lead_came_from_in_plain_words(admin_client) -> None:
    source = LeadSourceFactory(
        kind=SourceKind.STAFF,
        user=UserFactory(username="sam"),
        gclid="G-123",
        landing_page="https://shop.example/cars",
    )
    page = admin_client.get(reverse("admin:leadhub_lead_change", args=[source.lead_id]))
    text = page.content.decode()
    assert "Entered by sam." in text
    for label, value in [
        ("UTM source", "newsletter"),
        ("UTM campaign", "spring"),
        ("Google click id", "G-123"),
        ("Landing page", "https://shop.example/cars"),
        ("IP address", "203.0.113.9"),
        ("Browser", "Mozilla/5.0"),
    ]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in text, label
    assert "<dt>UTM term</dt>" not in text  # blanks are left out


def test_a_lead_from_before_sources_says_so(admin_client) -> None:
    lead = LeadFactory()
    text = admin_client.get(reverse("admin:leadhub_lead_change", args=[lead.pk])).content
    assert b"Not recorded: the lead came in before sources were kept." in text


def listed(client: Client, query: str) -> set[int]:
    response = client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    return {lead.pk for lead in response.context["cl"].result_list}


def test_the_lead_list_filters_by_source_kind_utm_source_and_campaign(admin_client) -> None:
    news = LeadSourceFactory()
    ads = LeadSourceFactory(kind=SourceKind.WEB_FORM, utm_source="google", utm_campaign="brand")
    LeadFactory()  # no source at all
    assert listed(admin_client, "source=web_form") == {ads.lead_id}
    assert listed(admin_client, "utm_source=newsletter") == {news.lead_id}
    assert listed(admin_client, "utm_campaign=brand&source=web_form") == {ads.lead_id}
    assert listed(admin_client, "source=nonsense") == listed(admin_client, "")  # never a 500
    page = admin_client.get(LIST_URL).content.decode()
    assert "?utm_source=google" in page and "?utm_campaign=spring" in page


def test_sales_staff_see_only_their_own_leads_utm_values(role_client) -> None:
    client = role_client("Sales staff")
    user = UserFactory(username="sales-staff")  # the role's user (got, not made again)
    mine = LeadSourceFactory(utm_source="mine", lead__owner=user)
    LeadSourceFactory(utm_source="someone-elses")
    page = client.get(LIST_URL).content.decode()
    assert "?utm_source=mine" in page and "someone-elses" not in page
    assert listed(client, "utm_source=mine") == {mine.lead_id}


def test_the_export_has_the_source_columns(admin_client) -> None:
    source = LeadSourceFactory(sub1="aff-7", referrer="https://mail.example/")
    LeadFactory()
    header, *rows = exported(admin_client.get(reverse("admin:leadhub_lead_export")))
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    row = by_id[str(source.lead_id)]
    assert row["Source"] == "api" and row["Sub-id 1"] == "aff-7"
    assert (row["UTM source"], row["UTM campaign"]) == ("newsletter", "spring")
    assert (row["Referrer"], row["IP address"]) == ("https://mail.example/", "203.0.113.9")
    blank = next(r for key, r in by_id.items() if key != str(source.lead_id))
    assert blank["Source"] == "" and blank["UTM source"] == ""
