"""A lead's IP address and browser are the person's: exported with them, erased with them,
and forgotten by the retention prune while the campaign details stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadhub.attribution.models import LeadSource
from leadhub.privacy.erasure import person_erase
from leadhub.privacy.person import PersonQuery, person_export, person_find
from leadhub.privacy.retention import retention_prune
from tests.factories import LeadFactory, LeadSourceFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def sourced(email: str = "ada@example.com", **source: object) -> LeadSource:
    return LeadSourceFactory(
        lead=LeadFactory(email=email),
        sub1=email,
        landing_page=f"https://shop.example/thanks?email={email}",
        gclid="G-1",
        **source,
    )


def test_the_persons_export_has_their_address_and_browser() -> None:
    sourced()
    exported = person_export(person_find(PersonQuery.parse("ada@example.com")))
    source = exported["leads"][0]["source"]
    assert source["ip_address"] == "203.0.113.9" and source["user_agent"] == "Mozilla/5.0"
    assert source["utm_campaign"] == "spring" and source["kind_label"] == "API"
    assert "api_key_prefix" not in source and "via" not in source


def test_an_erasure_forgets_the_address_and_scrubs_the_pages_but_keeps_the_campaign() -> None:
    sourced()
    other = sourced("grace@example.com")
    person_erase(query=PersonQuery.parse("ada@example.com"), user=None)
    erased = LeadSource.objects.exclude(pk=other.pk).get()
    assert (erased.ip_address, erased.user_agent) == (None, "")
    assert "ada@example.com" not in erased.landing_page + erased.sub1
    assert erased.landing_page.startswith("https://shop.example/thanks")
    assert (erased.utm_campaign, erased.gclid) == ("spring", "G-1")
    other.refresh_from_db()
    assert other.ip_address == "203.0.113.9"  # someone else's: untouched


def test_an_erasure_of_a_page_already_at_its_longest_still_fits() -> None:
    # A short name is replaced by the longer "[erased]": the page grows past its column.
    page = "https://shop.example/?e=ada@example.com" + "&n=Ada" * 400
    source = LeadSourceFactory(
        lead=LeadFactory(email="ada@example.com", first_name="Ada"),
        landing_page=page[:2000],
        sub1=("Ada " * 70)[:255],
    )
    person_erase(query=PersonQuery.parse("ada@example.com"), user=None)
    source.refresh_from_db()
    assert "ada@example.com" not in source.landing_page and "Ada" not in source.sub1
    assert len(source.landing_page) <= 2000 and len(source.sub1) <= 255


def test_the_prune_forgets_old_addresses_and_keeps_the_rest(settings) -> None:
    settings.RETAIN_SOURCE_ADDRESSES_DAYS = 180
    now = timezone.now()
    old = sourced(created_at=now - 200 * DAY)
    new = sourced("grace@example.com", created_at=now - 10 * DAY)
    run = retention_prune(now=now)
    assert run.source_addresses == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.ip_address, old.user_agent, old.utm_source) == (None, "", "newsletter")
    assert new.ip_address == "203.0.113.9"
    assert retention_prune(now=now).source_addresses == 0  # nothing twice
    settings.RETAIN_SOURCE_ADDRESSES_DAYS = 0
    assert retention_prune(now=now + 400 * DAY).source_addresses == 0  # 0 keeps forever


def test_anonymising_an_old_lead_takes_its_address_too(settings) -> None:
    settings.RETAIN_SOURCE_ADDRESSES_DAYS = 0
    settings.RETAIN_LEADS_DAYS = 730
    old = sourced(created_at=timezone.now() - 800 * DAY)
    old.lead.created_at = old.created_at
    old.lead.save(update_fields=["created_at"])
    assert retention_prune().leads == 1
    old.refresh_from_db()
    assert old.ip_address is None and "ada@example.com" not in old.landing_page
