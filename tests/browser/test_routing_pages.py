"""Routing in a browser: filters built as a form, a clause that cannot be used refused by
name, an edited route tried on past leads before it is saved, and the lead page saying in
plain words why each destination was or was not chosen."""

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
    expect(page.locator("textarea[name='steps-0-filters']")).to_be_hidden()  # a form, not JSON
    top = page.locator(".filter-top")
    top.locator(":scope > .filter-actions .filter-add").click()
    clause = top.locator(".filter-clause").first
    clause.get_by_label("Operator").select_option(label="matches")
    clause.get_by_label("Value", exact=True).fill("(unclosed")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("Clause 1 (email matches '(unclosed')")
    shoot(page, "route-bad-clause")
    clause = page.locator(".filter-top .filter-clause").first
    expect(clause.get_by_label("Value", exact=True)).to_have_value(
        "(unclosed"
    )  # the rows come back
    clause.get_by_label("Operator").select_option(label="contains")
    clause.get_by_label("Value", exact=True).fill("@acme.example")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    step.refresh_from_db()
    assert step.filters == [{"field": "email", "op": "contains", "value": "@acme.example"}]
    assert console.csp_violations == []
    assert console.page_errors == []


def test_an_admin_builds_an_or_filter_tries_it_on_past_leads_and_saves_it(
    page: Page, console, live_server, superuser
) -> None:
    acme = {"field": "email", "op": "contains", "value": "@acme.example"}
    route = RouteFactory(name="Website leads")
    step = RouteStep.objects.create(
        route=route, destination=held_destination("Acme"), position=0, filters=[acme]
    )
    RouteStep.objects.create(route=route, destination=held_destination("Initech"), position=1)
    LeadFactory(email="ada@acme.example")
    big = LeadFactory(email="grace@example.com", extra={"loan": 50000})
    LeadFactory(email="small@example.com", extra={"loan": 900})
    log_in(page, live_server.url, "root", f"/admin/leadhub_routing/route/{route.pk}/change/")
    top = page.locator(".filter-top").first
    expect(top.locator(".filter-clause").first.get_by_label("Value", exact=True)).to_have_value(
        "@acme.example"
    )
    # Acme also takes big loans from anyone with an email: acme OR (loan > 20000 AND email).
    top.locator(":scope > .filter-group-head .filter-match").select_option("any")
    top.locator(":scope > .filter-actions .filter-add-group").click()
    group = top.locator(".filter-nested .filter-group")
    group.locator(".filter-match").select_option("all")
    loan = group.locator(".filter-clause").first
    loan.get_by_label("Field", exact=True).select_option(label="Extra value named…")
    loan.get_by_label("Extra value name").fill("loan")
    loan.get_by_label("Operator").select_option(label="is greater than")
    loan.get_by_label("Value", exact=True).fill("20000")
    group.locator(".filter-add").click()
    email = group.locator(".filter-clause").nth(1)
    email.get_by_label("Operator").select_option(label="is not empty")
    expect(email.get_by_label("Value", exact=True)).to_be_hidden()

    page.get_by_role("button", name="Try on recent leads").click()
    result = page.locator("#route-trial-result")
    expect(result).to_contain_text("Tried on the last 3 leads: 1 would go elsewhere.")
    moved = result.locator(".route-trial-moves tbody tr")
    expect(moved).to_have_count(1)
    expect(moved.first).to_contain_text(f"Lead #{big.pk}")
    expect(moved.first).to_contain_text("Initech")
    expect(result).to_contain_text("Leads per destination")
    step.refresh_from_db()
    assert step.filters == [acme]  # tried, not saved
    shoot(page, "route-trial")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    step.refresh_from_db()
    assert step.filters == {
        "any": [
            acme,
            {
                "all": [
                    {"field": "extra.loan", "op": "gt", "value": "20000"},
                    {"field": "email", "op": "not_empty"},
                ]
            },
        ]
    }
    assert console.csp_violations == []
    assert console.page_errors == []


def test_a_step_added_on_the_page_gets_the_filter_form_too(
    page: Page, console, live_server, superuser
) -> None:
    route = RouteFactory(name="Website leads")
    RouteStep.objects.create(route=route, destination=held_destination("Acme"), position=0)
    held_destination("Initech")
    log_in(page, live_server.url, "root", f"/admin/leadhub_routing/route/{route.pk}/change/")
    page.get_by_role("button", name="Add another Route step").click()
    added = page.locator("#steps-1")
    added.locator("select[name='steps-1-destination']").select_option(label="Initech")
    added.locator("input[name='steps-1-position']").fill("1")
    added.get_by_role("button", name="Add a condition").click()
    clause = added.locator(".filter-clause").first
    clause.get_by_label("Field", exact=True).select_option("source")
    clause.get_by_label("Operator").select_option(label="is one of")
    clause.get_by_label("Values, one a line").fill("api\nweb_form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    step = RouteStep.objects.get(route=route, position=1)
    assert step.filters == [{"field": "source", "op": "in", "value": ["api", "web_form"]}]
    assert console.csp_violations == []
    assert console.page_errors == []


def test_a_route_opened_and_saved_without_edits_keeps_its_filters_exactly(
    page: Page, console, live_server, superuser
) -> None:
    filters = [
        {"field": "company", "op": "in", "value": ["Acme, Inc", " Initech "]},
        {"field": "extra.vip", "op": "eq", "value": True},
        {"any": [{"field": "extra.score", "op": "gt", "value": 1.0}]},
        {"field": "notes", "op": "eq", "value": " padded "},
    ]
    route = RouteFactory(name="Website leads")
    step = RouteStep.objects.create(
        route=route, destination=held_destination("Acme"), position=0, filters=filters
    )
    log_in(page, live_server.url, "root", f"/admin/leadhub_routing/route/{route.pk}/change/")
    company = page.locator(".filter-top .filter-clause").first
    expect(company.get_by_label("Values, one a line")).to_have_value("Acme, Inc\n Initech ")
    page.locator("#id_name").fill("Website leads (renamed)")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    step.refresh_from_db()
    assert step.filters == filters
    assert isinstance(step.filters[2]["any"][0]["value"], float)
    assert step.filters[1]["value"] is True
    assert console.csp_violations == []
    assert console.page_errors == []


def test_a_comma_in_a_listed_value_is_kept_when_a_row_is_edited(
    page: Page, console, live_server, superuser
) -> None:
    kept = {"field": "extra.score", "op": "gt", "value": 1.0}
    route = RouteFactory(name="Website leads")
    step = RouteStep.objects.create(
        route=route,
        destination=held_destination("Acme"),
        position=0,
        filters=[{"field": "company", "op": "in", "value": ["Acme, Inc"]}, kept],
    )
    log_in(page, live_server.url, "root", f"/admin/leadhub_routing/route/{route.pk}/change/")
    company = page.locator(".filter-top .filter-clause").first
    company.get_by_label("Values, one a line").fill("Acme, Inc\nUmbrella, Ltd\n")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    step.refresh_from_db()
    assert step.filters == [
        {"field": "company", "op": "in", "value": ["Acme, Inc", "Umbrella, Ltd"]},
        kept,
    ]
    assert isinstance(step.filters[1]["value"], float)
    assert console.page_errors == []


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
