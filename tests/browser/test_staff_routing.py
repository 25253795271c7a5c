"""Staff's "Route automatically" in a browser: chosen instead of ticking destinations, a
preview of where the route would send the lead, then the lead's page saying why."""

from __future__ import annotations

import pytest

from tests.browser.test_routing_pages import shoot
from tests.factories import RouteFactory, RouteStepFactory
from tests.leadhub.routing.conftest import held_destination

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = None  # type: ignore[assignment,misc]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_sales_staff_route_a_lead_automatically(sales_page: Page, console, live_server) -> None:
    route = RouteFactory(name="Desk route", for_staff=True)
    RouteStepFactory(
        route=route,
        destination=held_destination("Acme"),
        position=0,
        filters=[{"field": "email", "op": "contains", "value": "@acme.example"}],
    )
    RouteStepFactory(route=route, destination=held_destination("Initech"), position=1)
    page = sales_page
    page.goto(f"{live_server.url}/admin/leadhub/lead/add/")
    page.get_by_label("Or route automatically").select_option(label="Desk route")
    shoot(page, "staff-route-choice")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("route automatically by “Desk route”")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Phone").fill("07911 123456")
    page.get_by_role("button", name="Preview").click()
    routing = page.locator("#preview-routing")
    expect(routing).to_contain_text("It would go to Initech now.")
    expect(routing).to_contain_text("Acme was left out")
    shoot(page, "staff-route-preview")
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.locator(".messagelist")).to_contain_text("routed by “Desk route”")
    panel = page.locator("#routing")
    expect(panel).to_contain_text("Routing: Desk route")
    expect(panel).to_contain_text("Sent to Initech")
    shoot(page, "staff-route-lead-page")
    assert console.csp_violations == []
