"""The API's pages in a browser: the interactive docs with nothing fetched from elsewhere,
and a destination's web-to-lead form, copied from its admin page, sending a lead."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from leadhub.api.keys import api_key_create
from leadhub.api.models import KeyKind
from leadhub.models import Lead
from tests.browser.test_lead_flow import PASSWORD, log_in
from vendors.models import Destination

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = None  # type: ignore[assignment,misc]

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots-api")
WIDTHS = (1366, 390)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def test_the_docs_load_with_no_request_leaving_the_machine(page: Page, console, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/leads").first).to_be_visible()
    shoot(page, "api-docs")
    assert requested and all(url.startswith(live_server.url) for url in requested), requested
    assert console.csp_violations == []
    assert console.page_errors == []


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)


def test_the_copied_web_form_sends_a_lead(
    page: Page, console, live_server, campaign_destination: Destination, superuser, monkeypatch
) -> None:
    monkeypatch.setattr("leadhub.delivery.outbox._tasks_on_commit", lambda tasks: None)
    api_key_create(
        name="Web", owner=superuser, destinations=[campaign_destination], kind=KeyKind.PUBLISHABLE
    )
    path = f"/admin/vendors/destination/{campaign_destination.pk}/change/"
    log_in(page, live_server.url, superuser.username, path)
    snippet = page.get_by_label("HTML form")
    expect(snippet).to_be_visible()
    snippet.scroll_into_view_if_needed()
    shoot(page, "destination-snippets")
    html = snippet.input_value()
    assert console.csp_violations == []

    # The form as a website would carry it: a page of its own, posting to LeadHub.
    page.set_content(f"<!doctype html><body>{html}</body>")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").first.fill("ada@example.com")
    page.get_by_label("Phone").first.fill("07911 123456")
    page.locator('[name="data13"]').fill("Volvo")
    page.locator('[name="gender"]').select_option("F")
    page.locator('[name="dob"]').fill("1990-12-31")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you, Ada")).to_be_visible()
    assert Lead.objects.get().owner == superuser
