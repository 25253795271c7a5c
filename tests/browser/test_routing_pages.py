"""Routing in a browser: a filter that cannot be used is refused naming its clause, and the
lead page says in plain words why each destination was or was not chosen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from leadhub.routing.models import RouteStep
from leadhub.routing.services import route_apply
from tests.browser.test_lead_flow import PASSWORD, log_in
from tests.factories import LeadFactory, RouteFactory
from tests.leadhub.routing.conftest import held_destination

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = None  # type: ignore[assignment,misc]

pytestmark = pytest.mark.django_db(transaction=True)

# LEADHUB_SHOTS=<folder> keeps screenshots at both widths, to be looked at.
SHOTS = Path(os.environ["LEADHUB_SHOTS"]) if os.environ.get("LEADHUB_SHOTS") else None
WIDTHS = (1366, 390)


def shoot(page: Page, name: str) -> None:
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)


def test_a_bad_clause_is_refused_by_name_and_a_good_one_saved(
    page: Page, console, live_server, superuser
) -> None:
    route = RouteFactory(name="Website leads")
    step = RouteStep.objects.create(route=route, destination=held_destination("Acme"))
    log_in(page, live_server.url, "root", f"/admin/leadhub_routing/route/{route.pk}/change/")
    filters = page.locator("textarea[name='steps-0-filters']")
    filters.fill('[{"field": "email", "op": "regex", "value": "(unclosed"}]')
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("Clause 1 (email matches '(unclosed')")
    shoot(page, "route-bad-clause")
    filters = page.locator("textarea[name='steps-0-filters']")
    filters.fill('[{"field": "email", "op": "contains", "value": "@acme.example"}]')
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    step.refresh_from_db()
    assert step.filters == [{"field": "email", "op": "contains", "value": "@acme.example"}]
    assert console.csp_violations == []


def test_the_lead_page_says_why_each_destination_was_or_was_not_chosen(
    page: Page, console, live_server, superuser
) -> None:
    route = RouteFactory(name="Website leads")
    RouteStep.objects.create(
        route=route,
        destination=held_destination("Acme"),
        position=0,
        filters=[{"field": "email", "op": "contains", "value": "@acme.example"}],
    )
    RouteStep.objects.create(route=route, destination=held_destination("Initech"), position=1)
    lead = LeadFactory(email="ada@example.com")
    route_apply(lead=lead, route=route, source="api")
    log_in(page, live_server.url, "root", f"/admin/leadhub/lead/{lead.pk}/change/")
    panel = page.locator("#routing")
    expect(panel).to_contain_text("Routing: Website leads")
    expect(panel).to_contain_text(
        "Acme was left out: filter “email contains '@acme.example'” does not hold: the lead's "
        "email is 'ada@example.com'."
    )
    expect(panel).to_contain_text("Initech could take it")
    expect(panel).to_contain_text("Sent to Initech")
    shoot(page, "lead-routing")
    assert console.csp_violations == []
    assert console.page_errors == []
