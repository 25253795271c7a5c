"""An integration admin syncs LeadByte's campaigns, watches the result arrive without a
reload, and sets up a destination on a synced campaign by typing its fixed values."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from tests.browser.test_lead_flow import PASSWORD, log_in
from vendors.models import Connection, Destination
from vendors.tasks import run_campaign_sync

pytestmark = pytest.mark.django_db(transaction=True)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = object  # type: ignore[assignment,misc]


# What the Integration admins role grants that this test uses (the role's group, made by a
# migration, is gone once an earlier transactional test has flushed the database).
INTEGRATION_PERMISSIONS = (
    "view_connection",
    "change_connection",
    "view_campaign",
    "add_destination",
    "change_destination",
    "view_destination",
    "view_submission",
)


@pytest.fixture
def integration_admin(db):
    user = get_user_model().objects.create_user("ines", "ines@example.com", PASSWORD)
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=INTEGRATION_PERMISSIONS))
    return user


@pytest.fixture
def held_syncs(monkeypatch) -> list[int]:
    """Hold the background syncs, so the page is seen waiting first; the test runs them
    as a worker would, and the page must notice by itself."""
    held: list[int] = []
    monkeypatch.setattr(
        "vendors.campaign_sync.async_task", lambda name, pk, **kwargs: held.append(pk)
    )
    return held


def test_an_integration_admin_syncs_campaigns_and_sets_up_a_destination(
    page: Page,
    console,
    live_server,
    leadbyte_connection: Connection,
    integration_admin,
    held_syncs: list[int],
) -> None:
    base = live_server.url
    log_in(page, base, integration_admin.username, "/admin/vendors/connection/")

    page.get_by_role("row", name=leadbyte_connection.name).get_by_role("checkbox").check()
    page.locator('select[name="action"]').select_option("sync_campaigns")
    page.get_by_role("button", name="Go").click()

    expect(page.locator("h1")).to_have_text("Campaign sync")
    section = page.locator(".lh-sync")
    expect(section.locator(".lh-status")).to_have_text("Waiting for a worker")
    page.evaluate("window.leadhubSamePage = true")  # gone if the page reloads

    run_campaign_sync(held_syncs[0])

    expect(section.locator(".lh-status")).to_have_text("Done")
    added = section.get_by_role("row", name="Campaigns added")
    expect(added).to_contain_text("EXAMPLE-CAMPAIGN")
    expect(added.locator(".lh-sync-count")).to_have_text("2")
    expect(section).to_contain_text("No campaign's fields changed.")
    expect(page.locator("#lh-campaign-syncs")).to_have_attribute("data-pending", "0")
    assert page.evaluate("window.leadhubSamePage") is True

    # A destination on a synced campaign: where it sends first, then typed fields.
    page.goto(f"{base}/admin/vendors/destination/add/")
    page.get_by_label("Connection").select_option(label=str(leadbyte_connection))
    page.get_by_label("Operation").select_option("leadbyte:create_lead")
    page.get_by_label("Campaign").select_option(
        label=f"{leadbyte_connection.name} · Example Campaign A [EXAMPLE-CAMPAIGN]"
    )
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_name").fill("LeadByte · Cars")
    page.get_by_role("textbox", name="SID:").fill("one two")  # LeadByte: a text field
    page.get_by_label("DOB:").fill("1990-12-31")
    page.get_by_label("Gender:").select_option("F")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    destination = Destination.objects.get(name="LeadByte · Cars")
    assert destination.fixed_values == {"sid": "one two", "dob": "1990-12-31", "gender": "F"}

    assert console.csp_violations == []
    assert console.page_errors == []
