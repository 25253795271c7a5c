"""The staff pages made cheaper, in a browser: the dashboard and the sidebar as before, and
the lead page's live panel still following its submissions while the server answers its
polls with 304 Not Modified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from leadhub.demo import sales_staff_grant
from leadhub.statuses import SubmissionStatus
from tests.browser.test_lead_flow import PASSWORD, log_in
from tests.factories import LeadFactory, SubmissionFactory

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = None  # type: ignore[assignment,misc]

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus
SHOTS = Path("/tmp/shots-staff-pages")
WIDTHS = (1366, 390)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def seller_make(username: str) -> Any:
    user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD)
    sales_staff_grant(user)
    return user


def test_the_live_panel_follows_a_submission_through_unchanged_polls(
    page: Page, console, live_server
) -> None:
    seller = seller_make("panel-seller")
    lead = LeadFactory(owner=seller, first_name="Grace", last_name="Hopper")
    submission = SubmissionFactory(
        lead=lead, destination__name="Solar partner", status=S.RETRY_WAIT
    )
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if r.url.endswith("/status/") else None)
    log_in(page, live_server.url, "panel-seller", f"/admin/leadhub/lead/{lead.pk}/change/")
    panel = page.locator("#lh-submissions")
    expect(panel).to_contain_text("Solar partner")
    shoot(page, "lead-page")
    # Two polls at least, the second one answered "nothing changed".
    for _ in range(60):
        if 304 in answers:
            break
        page.wait_for_timeout(250)
    assert 304 in answers, answers
    submission.status = S.ACCEPTED
    submission.vendor_message = "Taken at last"
    submission.save()
    expect(panel).to_contain_text("Taken at last", timeout=15_000)
    expect(panel).to_have_attribute("data-pending", "0")
    assert not console.csp_violations


def test_the_dashboard_and_its_menu(page: Page, console, live_server) -> None:
    seller = seller_make("dash-seller")
    SubmissionFactory(lead=LeadFactory(owner=seller), status=S.EXHAUSTED)
    log_in(page, live_server.url, "dash-seller", "/admin/")
    expect(page.get_by_text("Gave up after retries").first).to_be_visible()
    shoot(page, "dashboard")
    # The menu (the admin's app list, worked out once per set of rights): a seller's has
    # leads and none of the integration admin's vendor pages.
    expect(page.locator(".app-leadhub")).to_contain_text("Leads")
    expect(page.locator(".app-vendors")).to_have_count(0)
    page.goto(f"{live_server.url}/admin/leadhub/lead/")
    expect(page.locator("#result_list")).to_be_visible()
    shoot(page, "lead-list")
    assert not console.csp_violations
