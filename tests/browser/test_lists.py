"""Lists designed for a 1366 px screen: every column in view, one line a row; on a phone the
results box scrolls sideways inside the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from leadhub.statuses import SubmissionStatus
from tests.factories import (
    ConnectionFactory,
    DestinationFactory,
    LeadFactory,
    PausedConnectionFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = object  # type: ignore[assignment,misc]

S = SubmissionStatus
PASSWORD = "list-admin-password-123"
# What LeadByte sends back: a queue id far longer than any column should be.
LONG_REFERENCE = "QUEUE-" + "7f3c9a1e" * 8
SUBMISSION_COLUMNS = (
    "Lead",
    "Destination",
    "Status",
    "Vendor outcome",
    "Reference",
    "Attempts",
    "Next try",
    "Created",
)


@pytest.fixture
def admin_page(page: Page, live_server: Any, admin_user: Any) -> Page:
    admin_user.set_password(PASSWORD)
    admin_user.save()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


@pytest.fixture
def busy_submissions() -> None:
    """The widest rows a desk sees: the longest status label, a LeadByte queue id, a booked
    retry and a lead held by a paused connection."""
    leadbyte = DestinationFactory(
        name="LeadByte · Example Campaign A (mortgages)", connection=ConnectionFactory()
    )
    paused = DestinationFactory(connection=PausedConnectionFactory(name="LeadByte UK"))
    lead = LeadFactory(first_name="Bartholomew", last_name="Featherstonehaugh")
    SubmissionFactory(
        lead=lead,
        destination=leadbyte,
        status=S.ACCEPTED,
        vendor_reference=LONG_REFERENCE,
        vendor_outcome="Valid",
        attempt_count=1,
    )
    SubmissionFactory(lead=lead, destination=leadbyte, status=S.UNCERTAIN, attempt_count=3)
    SubmissionFactory(
        lead=lead,
        destination=leadbyte,
        status=S.RETRY_WAIT,
        attempt_count=2,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )
    SubmissionFactory(lead=lead, destination=paused, status=S.QUEUED)


def test_the_submissions_list_shows_every_column_at_1366_px(
    admin_page: Page, live_server: Any, busy_submissions: None
) -> None:
    admin_page.set_viewport_size({"width": 1366, "height": 768})
    admin_page.goto(f"{live_server.url}/admin/leadhub/submission/")
    table = admin_page.locator("#result_list")
    headers = table.locator("thead th")
    texts = [t.strip() for t in table.locator("thead th .text").all_inner_texts()][1:]
    assert [t.lower() for t in texts] == [c.lower() for c in SUBMISSION_COLUMNS]

    results = admin_page.locator("#changelist .results")
    box = results.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 1366
    for header in headers.all():
        cell = header.bounding_box()
        assert cell is not None and cell["width"] > 0
        assert cell["x"] >= box["x"] and cell["x"] + cell["width"] <= box["x"] + box["width"] + 1
    assert results.evaluate("e => e.scrollWidth <= e.clientWidth"), "the list scrolls sideways"

    # One line a row: a long reference is cut, whole in its title; no badge is clipped.
    heights = [r.bounding_box()["height"] for r in table.locator("tbody tr").all()]  # type: ignore[index]
    assert max(heights) - min(heights) < 2 and max(heights) < 48
    reference = table.locator("td.field-reference .lh-cut")
    expect(reference).to_have_attribute("title", LONG_REFERENCE)
    for badge in table.locator(".lh-status").all():
        inner, cell = badge.bounding_box(), badge.locator("xpath=..").bounding_box()
        assert inner is not None and cell is not None
        assert inner["x"] + inner["width"] <= cell["x"] + cell["width"] + 1
    expect(table.locator("td.field-next_try").filter(has_text="held: paused")).to_have_count(1)


def test_the_connections_list_shows_its_health_at_1366_px(
    admin_page: Page, live_server: Any, busy_submissions: None
) -> None:
    admin_page.set_viewport_size({"width": 1366, "height": 768})
    admin_page.goto(f"{live_server.url}/admin/vendors/connection/")
    results = admin_page.locator("#changelist .results")
    assert results.evaluate("e => e.scrollWidth <= e.clientWidth"), "the list scrolls sideways"
    for name in ("Delivery", "Last success at", "Last error", "Last sync at", "Last test"):
        expect(admin_page.locator("#result_list thead th").filter(has_text=name)).to_be_visible()
    expect(admin_page.locator("td.field-delivery .lh-status").first).to_be_visible()


def test_on_a_phone_the_list_scrolls_inside_its_box(
    admin_page: Page, live_server: Any, busy_submissions: None
) -> None:
    admin_page.set_viewport_size({"width": 390, "height": 844})
    admin_page.goto(f"{live_server.url}/admin/leadhub/submission/")
    results = admin_page.locator("#changelist .results")
    assert results.evaluate("e => e.scrollWidth > e.clientWidth")  # the box scrolls...
    assert admin_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "...not the page"
    )


def test_a_paused_connection_is_one_alert_its_name_on_one_line(
    admin_page: Page, live_server: Any, busy_submissions: None
) -> None:
    admin_page.set_viewport_size({"width": 1366, "height": 768})
    admin_page.goto(f"{live_server.url}/admin/")
    banner = admin_page.locator("#needs-attention")
    rows = banner.locator("tr").filter(has_text="LeadByte UK")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("1 lead waits for it and goes when it resumes.")
    expect(banner).not_to_contain_text("Stuck")
    name = rows.get_by_role("link", name="LeadByte UK")
    box = name.bounding_box()
    assert box is not None and box["height"] < 30 and box["width"] > 60  # one line, whole
    tiles = admin_page.locator('#lh-attention a.lh-hot[data-key^="stuck_"]')
    expect(tiles).to_have_count(0)  # not also "Stuck in the queue" or "Retries overdue"


def test_the_lead_list_shows_where_each_lead_stands_and_filters_on_it(
    admin_page: Page, live_server: Any, busy_submissions: None
) -> None:
    admin_page.set_viewport_size({"width": 1366, "height": 768})
    admin_page.goto(f"{live_server.url}/admin/leadhub/lead/")
    results = admin_page.locator("#changelist .results")
    assert results.evaluate("e => e.scrollWidth <= e.clientWidth"), "the list scrolls sideways"
    delivery = admin_page.locator("td.field-delivery").first
    expect(delivery).to_contain_text("1 needs attention")
    expect(delivery).to_contain_text("2 in progress")
    expect(delivery).to_contain_text("1 delivered")
    admin_page.locator("#changelist-filter").get_by_role(
        "link", name="Delivered everywhere"
    ).click()
    expect(admin_page.locator("#result_list")).to_have_count(0)  # none is, yet
