"""The dashboard's report by source and by destination over today, 7 or 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from leadhub.api.keys import api_key_create
from leadhub.attribution.models import SourceKind
from leadhub.attribution.report import source_report
from leadhub.statuses import SubmissionStatus
from tests.factories import (
    ConnectionFactory,
    DestinationFactory,
    LeadFactory,
    LeadSourceFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
S = SubmissionStatus
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


@pytest.fixture
def world():
    owner = UserFactory(username="owner")
    leadbyte = DestinationFactory(name="LB dest", connection=ConnectionFactory(kind="leadbyte"))
    getlead = DestinationFactory(name="GL dest", connection=ConnectionFactory(kind="getlead"))
    key = api_key_create(name="Partner", owner=owner, destinations=[leadbyte]).key

    def lead(when: datetime, **source: object):
        made = LeadFactory(created_at=when, owner=source.pop("owner", owner))
        if source:
            LeadSourceFactory(lead=made, created_at=when, **source)
        return made

    def send(made, destination, status, when=NOW, message=""):
        SubmissionFactory(
            lead=made, destination=destination, status=status, created_at=when,
            vendor_message=message,
        )  # fmt: skip

    api = [lead(NOW - timedelta(hours=h), kind=SourceKind.API, api_key=key) for h in range(4)]
    send(api[0], leadbyte, S.ACCEPTED)
    send(api[1], leadbyte, S.REJECTED, message="Postcode not covered")
    send(api[2], leadbyte, S.REJECTED, message="Postcode not covered")
    send(api[3], leadbyte, S.DUPLICATE)
    send(api[0], getlead, S.REJECTED)  # no message
    staff = lead(NOW, kind=SourceKind.STAFF, user=UserFactory(username="sam"))
    send(staff, getlead, S.ACCEPTED)
    send(staff, leadbyte, S.QUEUED)  # pending: not in the rate
    old = lead(NOW - timedelta(days=10), kind=SourceKind.STAFF, user=UserFactory(username="old"))
    send(old, getlead, S.REJECTED, when=NOW - timedelta(days=10), message="Too old")
    lead(NOW)  # taken in before sources were kept: no source
    return {"key": key}


def test_by_source_and_destination_over_seven_days(world) -> None:
    report = source_report(period="7d", now=NOW)
    assert report.period == "7d"
    sources = {row.label: row for row in report.by_source}
    partner = sources[f"Partner ({world['key'].prefix}…)"]
    assert (partner.detail, partner.leads, partner.accepted) == ("API", 4, 1)
    assert (partner.rejected, partner.duplicates) == (3, 1)
    assert partner.acceptance_rate == "20%"  # 1 of 5 answered
    assert partner.top_reasons == [("Postcode not covered", 2), ("No reason given", 1)]
    assert (sources["sam"].leads, sources["sam"].acceptance_rate) == (1, "100%")
    assert sources["Not recorded"].leads == 1 and sources["Not recorded"].acceptance_rate == "—"
    assert "old" not in sources  # ten days ago
    destinations = {row.label: row for row in report.by_destination}
    assert (destinations["LB dest"].leads, destinations["LB dest"].detail) == (5, "LeadByte")
    assert destinations["LB dest"].acceptance_rate == "25%"
    assert (destinations["GL dest"].accepted, destinations["GL dest"].rejected) == (1, 1)


def test_the_period_is_chosen_and_anything_else_is_today(world) -> None:
    month = source_report(period="30d", now=NOW)
    assert {row.label for row in month.by_source} >= {"old", "sam"}
    assert source_report(period="today", now=NOW).by_source[0].leads <= 4
    assert source_report(period="'; drop table", now=NOW).period == "today"
    assert source_report(now=NOW).period == "today"


def test_sales_staff_see_only_their_own_leads_in_it(world) -> None:
    seller = UserFactory(username="seller")
    mine = LeadFactory(created_at=NOW, owner=seller)
    LeadSourceFactory(lead=mine, kind=SourceKind.WEB_FORM, api_key=world["key"])
    report = source_report(period="7d", now=NOW, user=seller)
    assert [(row.detail, row.leads) for row in report.by_source] == [("Web-to-lead form", 1)]


def test_the_admin_home_shows_it_with_the_period_links(admin_client, world) -> None:
    page = admin_client.get(reverse("admin:index") + "?period=30d").content.decode()
    report = page.split('id="lh-sources"')[1]
    assert "last 30 days" in report and 'href="?period=today#lh-sources"' in report
    assert "By source" in report and "By destination" in report
    assert admin_client.get(reverse("admin:index") + "?period=<x>").status_code == 200
