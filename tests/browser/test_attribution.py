"""Where a lead came from, in a browser: the web form's own script takes the campaign from
the page that carries it; the lead page and the dashboard show it."""

from __future__ import annotations

import pytest

from leadhub.api.keys import api_key_create
from leadhub.api.models import KeyKind
from leadhub.api.snippets import SOURCE_SCRIPT, destination_snippets
from leadhub.attribution.models import LeadSource
from tests.browser.test_api_pages import shoot
from tests.browser.test_lead_flow import PASSWORD, log_in
from vendors.models import Destination

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = None  # type: ignore[assignment,misc]

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "http://shop.example"


def test_the_form_takes_the_campaign_from_its_page_and_staff_see_it(
    page: Page,
    console,
    live_server,
    campaign_destination: Destination,
    monkeypatch,
    django_user_model,
) -> None:
    monkeypatch.setattr("leadhub.delivery.outbox._tasks_on_commit", lambda tasks: None)
    owner = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    api_key_create(
        name="Shop form", owner=owner, destinations=[campaign_destination], kind=KeyKind.PUBLISHABLE
    )
    html = destination_snippets(campaign_destination, live_server.url).html_form
    # A website of its own: the person arrives from a search with an ad's campaign in the
    # address on a page carrying the script alone, goes on to the contact page, and sends
    # the form there.
    site = f"<!doctype html><title>Shop</title><body><a href='{SHOP}/contact'>Contact</a>"
    page.route(f"{SHOP}/**", lambda route: route.fulfill(
        content_type="text/html",
        body=site + (html if "contact" in route.request.url else SOURCE_SCRIPT),
    ))  # fmt: skip
    landing = f"{SHOP}/cars?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=G-42"
    page.goto(landing, referer="http://search.example/?q=volvo")
    page.get_by_role("link", name="Contact").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").first.fill("ada@example.com")
    page.locator('[name="data13"]').fill("Volvo")
    page.locator('[name="gender"]').select_option("F")
    page.locator('[name="dob"]').fill("1990-12-31")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you, Ada")).to_be_visible()
    source = LeadSource.objects.get()
    assert (source.utm_source, source.utm_medium, source.utm_campaign) == (
        "google",
        "cpc",
        "spring",
    )
    assert source.gclid == "G-42" and source.landing_page == landing
    assert source.referrer == "http://search.example/?q=volvo"
    assert source.ip_address == "127.0.0.1" and "Chrome" in source.user_agent

    log_in(page, live_server.url, owner.username, f"/admin/leadhub/lead/{source.lead_id}/change/")
    panel = page.locator(".lh-source")
    expect(panel).to_contain_text("Sent from a web-to-lead form with the key Shop form")
    expect(panel).to_contain_text("G-42")
    panel.scroll_into_view_if_needed()
    shoot(page, "lead-source")
    page.goto(f"{live_server.url}/admin/leadhub/lead/?utm_campaign=spring")
    expect(page.locator("#changelist-filter")).to_contain_text("UTM campaign")
    expect(page.locator("#result_list")).to_contain_text("Ada Lovelace")
    shoot(page, "lead-list-source-filters")
    page.goto(f"{live_server.url}/admin/?period=30d")
    report = page.locator("#lh-sources")
    expect(report).to_contain_text("Shop form")
    expect(report.get_by_text("Last 30 days", exact=True)).to_be_visible()
    report.scroll_into_view_if_needed()
    shoot(page, "dashboard-sources")
    assert console.csp_violations == [] and console.page_errors == []
