"""An integration admin sets up a vendor from nothing: adds a LeadByte connection and tests
the typed key before saving it (and a CRM.COM account's login, never saved), syncs its
campaigns and watches the result arrive without a reload, then creates a destination for
every operation of every vendor by filling typed fields, never JSON (a quote's alternatives
row by row). Screenshots of the forms at a desk's and a phone's width go to LEADHUB_SHOTS
(default /tmp/shots-<user>)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from tests.browser.test_lead_flow import PASSWORD, log_in
from tests.conftest import CRMCOM_CREDENTIALS, LEADBYTE_KEY
from vendors.admin.destination_forms import operation_choices
from vendors.models import Connection, Destination
from vendors.registry import adapter_class
from vendors.tasks import run_campaign_sync

pytestmark = pytest.mark.django_db(transaction=True)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = object  # type: ignore[assignment,misc]


# What the Integration admins role grants that this test uses (the role's group, made by a
# migration, is gone once an earlier transactional test has flushed the database).
INTEGRATION_PERMISSIONS = (
    "add_connection",
    "view_connection",
    "change_connection",
    "view_campaign",
    "add_destination",
    "change_destination",
    "view_destination",
    "view_submission",
)
WIDTHS = {"desk": (1366, 900), "phone": (390, 844)}
SHOTS = Path(os.environ.get("LEADHUB_SHOTS", f"/tmp/shots-{os.environ.get('USER', 'leadhub')}"))


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


def shoot(page: Page, name: str) -> None:
    """The page at each width, whole, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width_name, size in WIDTHS.items():
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.screenshot(path=str(SHOTS / f"{name}-{width_name}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS["desk"][0], "height": WIDTHS["desk"][1]})


def test_an_integration_admin_sets_up_every_vendor_without_typing_json(
    page: Page,
    console,
    live_server,
    sandbox: str,
    crmcom_connection: Connection,
    getlead_connection: Connection,
    salesbyte_connection: Connection,
    integration_admin,
    held_syncs: list[int],
) -> None:
    base = live_server.url
    log_in(page, base, integration_admin.username, "/admin/vendors/connection/add/")

    # A LeadByte connection, its key tried before it is saved.
    page.get_by_role("link", name="LeadByte").click()
    page.locator("#id_name").fill("LeadByte live")
    page.locator("#id_base_url").fill(f"{sandbox}leadbyte/")
    page.get_by_label("API key").fill("a-key-typed-wrong")
    test_button = page.get_by_role("button", name="Test connection")
    test_button.click()
    verdict = page.get_by_role("status")
    expect(verdict).to_have_text(
        "Failed: LeadByte refused the API key. Invalid API key. Nothing was saved."
    )
    assert "a-key-typed-wrong" not in page.content().replace('value="a-key-typed-wrong"', "")
    page.get_by_label("API key").fill(LEADBYTE_KEY)
    test_button.click()
    expect(verdict).to_have_text(
        "Works: LeadByte accepted the API key and listed 2 campaigns. Nothing was saved."
    )
    assert not Connection.objects.filter(name="LeadByte live").exists()
    shoot(page, "connection-add-tested")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    leadbyte = Connection.objects.get(name="LeadByte live")
    assert leadbyte.credentials == {"api_key": LEADBYTE_KEY}

    # Another vendor's account, tried from its add form and never saved: CRM.COM's
    # username, password and organisation are checked by logging in.
    page.goto(f"{base}/admin/vendors/connection/add/")
    page.get_by_role("link", name="CRM.COM").click()
    page.locator("#id_name").fill("CRM.COM second account")
    page.locator("#id_base_url").fill(crmcom_connection.base_url)
    page.get_by_label("Username").fill(CRMCOM_CREDENTIALS["username"])
    page.get_by_label("Password").fill("a-password-typed-wrong")
    page.get_by_label("Organisation").fill(CRMCOM_CREDENTIALS["organisation"])
    page.get_by_role("button", name="Test connection").click()
    crm_verdict = page.get_by_role("status")
    expect(crm_verdict).to_contain_text("Failed: CRM.COM refused the login")
    expect(crm_verdict).to_contain_text("Nothing was saved.")
    page.get_by_label("Password").fill(CRMCOM_CREDENTIALS["password"])
    page.get_by_role("button", name="Test connection").click()
    expect(crm_verdict).to_have_text(
        "Works: CRM.COM accepted the username, password and organisation and issued a "
        "token. Nothing was saved."
    )
    shown = page.content()
    for typed in ("a-password-typed-wrong", CRMCOM_CREDENTIALS["password"]):
        assert typed not in shown.replace(f'value="{typed}"', "")
    assert not Connection.objects.filter(name="CRM.COM second account").exists()
    page.goto(f"{base}/admin/vendors/connection/")

    # Its campaigns, synced in the background; the result arrives on the same page.
    page.get_by_role("row", name=leadbyte.name).get_by_role("checkbox").check()
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
    assert page.evaluate("window.leadhubSamePage") is True

    # A destination for every operation of every vendor: where it sends, then typed fields.
    connections = {c.kind: c for c in (leadbyte, crmcom_connection, getlead_connection)}
    connections["salesbyte"] = salesbyte_connection
    for _, options in operation_choices():
        for choice, label in options:
            kind = choice.partition(":")[0]
            connection = connections[kind]
            name = f"{connection.get_kind_display()} · {label}"
            page.goto(f"{base}/admin/vendors/destination/add/")
            page.get_by_label("Connection").select_option(label=str(connection))
            page.get_by_label("Operation").select_option(choice)
            operation = adapter_class(kind).operations[choice.partition(":")[2]]
            if operation.uses_campaign:
                page.get_by_label("Campaign").select_option(
                    label=f"{leadbyte.name} · Example Campaign A [EXAMPLE-CAMPAIGN]"
                )
            page.get_by_role("button", name="Continue").click()
            page.locator("#id_name").fill(name)
            if kind == "leadbyte":
                page.get_by_role("textbox", name="SID:").fill("one two")
                page.get_by_label("DOB:").fill("1990-12-31")
                page.get_by_label("Gender:").select_option("F")
                shoot(page, "destination-add-leadbyte")
            if choice == "salesbyte:create_quote":
                # A quote's alternatives, row by row in typed fields, not JSON.
                page.get_by_role("heading", name="Alternatives").click()
                page.get_by_label("1. Title:").fill("Standard")
                page.get_by_label("1. Bundle id:").fill("7")
                page.get_by_label("2. Title:").fill("Premium")
                page.get_by_label("2. SKUs:").fill("123, 4343")
                shoot(page, "destination-add-quote")
            page.get_by_role("button", name="Save", exact=True).click()
            expect(page.locator(".messagelist")).to_contain_text("was added successfully")
            destination = Destination.objects.get(name=name)
            assert destination.connection == connection
            assert destination.operation == operation.name
            if choice == "salesbyte:create_quote":
                assert destination.fixed_values == {
                    "alternatives": [
                        {"title": "Standard", "bundle_id": 7},
                        {"title": "Premium", "skus": "123, 4343"},
                    ]
                }
            if kind == "leadbyte":
                assert destination.fixed_values == {
                    "sid": "one two",
                    "dob": "1990-12-31",
                    "gender": "F",
                }
    assert Destination.objects.count() == sum(len(options) for _, options in operation_choices())

    # Step one offers only what fits the chosen connection: its vendor's operations, its
    # own campaigns.
    page.goto(f"{base}/admin/vendors/destination/add/")
    page.get_by_label("Connection").select_option(label=str(crmcom_connection))
    operations = page.get_by_label("Operation")
    expect(operations.locator("option:not([hidden])")).to_have_count(2)  # blank, Create lead
    expect(page.locator("#id_campaign option:not([hidden])")).to_have_count(1)  # blank only
    page.get_by_label("Connection").select_option(label=str(leadbyte))
    expect(page.locator("#id_campaign option:not([hidden])")).to_have_count(3)

    # Moving the LeadByte destination to its other campaign: the page shows that
    # campaign's fields before anything is saved.
    moved = Destination.objects.get(connection=leadbyte)
    page.goto(f"{base}/admin/vendors/destination/{moved.pk}/change/")
    page.get_by_label("Campaign").select_option(label="Solar Survey (manual review) [SOLAR-REVIEW]")
    expect(page).to_have_url(re.compile(r"[?&]campaign=\d+"))
    expect(page.locator(".description").first).to_contain_text(
        "campaign Solar Survey (manual review) [SOLAR-REVIEW] (saving moves the destination "
        "there from Example Campaign A [EXAMPLE-CAMPAIGN])"
    )
    expect(page.get_by_label("Gender:")).to_have_count(0)  # Example Campaign A's field
    shoot(page, "destination-change-campaign")

    assert console.csp_violations == []
    assert console.page_errors == []
