"""An integration admin finds a person by phone, sees their leads, and erases them; the
page works at desktop and phone widths under the strict CSP."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from leadhub.models import Lead
from tests.browser.test_lead_flow import PASSWORD, log_in
from tests.factories import LeadFactory, SubmissionFactory

pytestmark = pytest.mark.django_db(transaction=True)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = object  # type: ignore[assignment,misc]

SHOTS = Path(os.environ.get("LEADHUB_SHOTS", "test-artifacts/shots"))


@pytest.fixture
def privacy_admin(db):
    user = get_user_model().objects.create_user("ines", "ines@example.com", PASSWORD)
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=("manage_personal_data", "view_erasure"))
    )
    return user


@pytest.mark.parametrize("width", [1366, 390])
def test_an_admin_finds_and_erases_a_person(
    page: Page, console, live_server, privacy_admin, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    lead = LeadFactory(first_name="Zebedee", last_name="Quill", phone="07911 654321")
    SubmissionFactory(lead=lead, status="accepted")
    log_in(page, live_server.url, "ines", "/admin/leadhub_privacy/erasure/person/")
    page.get_by_label("Email or phone").fill("+44 7911 654 321")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("link", name="Zebedee Quill")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"person-found-{width}.png"), full_page=True)
    page.get_by_label("I have checked").check()
    page.get_by_role("button", name="Erase this person's data").click()
    expect(page.get_by_text("Erased: 1 lead,")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"person-erased-{width}.png"), full_page=True)
    assert Lead.objects.get().erased_at is not None
    assert console.csp_violations == [] and console.page_errors == []
