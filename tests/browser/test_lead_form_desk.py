"""The lead form and its preview as a sales person meets them, on a desk and on a phone:
required fields marked before Preview, nothing clipped at 390 px, the preview in plain words,
and the raw request one click away for integration admins only.

LEADHUB_SHOTS=<dir> also saves a screenshot of each page checked, to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from leadhub.statuses import SubmissionStatus
from tests.factories import AttemptFactory, LeadFactory, SubmissionFactory
from vendors.models import Destination
from vendors.redaction import MASK

pytestmark = pytest.mark.django_db(transaction=True)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = object  # type: ignore[assignment,misc]

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ADMIN_PASSWORD = "admin-password-123456"


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("LEADHUB_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def lead_form(page: Page, base: str, *destinations: Destination) -> None:
    query = "&".join(f"destinations={d.pk}" for d in destinations)
    page.goto(f"{base}/admin/leadhub/lead/add/?{query}")
    expect(page.locator("h1")).to_have_text("Send a lead")


def fill_and_preview(page: Page, destination: Destination) -> None:
    prefix = f"d{destination.pk}__"
    page.locator("#id_first_name").fill("Ada")
    page.locator("#id_last_name").fill("Lovelace")
    page.locator("#id_email").fill("ada@example.com")
    page.locator("#id_phone").fill("07911 123456")
    page.locator(f'[name="{prefix}data13"]').fill("Volvo")
    page.locator(f'[name="{prefix}gender"]').select_option(label="Female")
    page.locator(f'[name="{prefix}dob"]').fill("1990-12-31")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("h1")).to_have_text("Send a lead: check before sending")


def clipped(page: Page, selector: str) -> list[str]:
    """The visible elements matching ``selector`` that reach past the viewport's sides."""
    return page.evaluate(
        """(selector) => {
          const width = document.documentElement.clientWidth;
          return Array.from(document.querySelectorAll(selector))
            .filter((el) => el.offsetParent !== null)
            .filter((el) => {
              const box = el.getBoundingClientRect();
              return box.left < -0.5 || box.right > width + 0.5;
            })
            .map((el) => `${el.tagName} ${el.name || el.id || el.textContent.slice(0, 30)}`);
        }""",
        selector,
    )


@pytest.fixture
def admin_page(page: Page, live_server: Any, admin_user: Any) -> Page:
    admin_user.set_password(ADMIN_PASSWORD)
    admin_user.save()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def test_required_fields_are_marked_before_preview(
    sales_page: Page, live_server: Any, campaign_destination: Destination
) -> None:
    sales_page.set_viewport_size(DESK)
    lead_form(sales_page, live_server.url, campaign_destination)
    prefix = f"d{campaign_destination.pk}__"
    for name in ("first_name", "last_name", "email", f"{prefix}data13"):
        label = sales_page.locator(f'label[for="id_{name}"]')
        expect(label.locator(".lh-required")).to_be_visible()
        expect(label).to_have_class("required")
    for name in ("company", f"{prefix}data14", f"{prefix}postcode"):
        expect(sales_page.locator(f'label[for="id_{name}"] .lh-required')).to_have_count(0)
    # Plain labels and help; the vendor's names nowhere on the page.
    expect(sales_page.get_by_label("Make of car")).to_be_visible()
    expect(sales_page.get_by_label("Date of birth")).to_be_visible()
    expect(sales_page.locator(".field-last_name .help")).to_contain_text(
        f"Needed by {campaign_destination.name}."
    )
    body = sales_page.locator("#content").inner_text()
    for raw in ("make_of_car", "mortgage_type", "DOB", "First_Name"):
        assert raw not in body, raw
    gender = sales_page.locator(f'[name="{prefix}gender"] option')
    expect(gender).to_have_text(["---------", "Male", "Female"])
    shot(sales_page, "lead-form-1366")


def test_the_lead_form_fits_a_phone(
    sales_page: Page,
    live_server: Any,
    campaign_destination: Destination,
    salesbyte_quote_destination: Destination,
) -> None:
    sales_page.set_viewport_size(PHONE)
    lead_form(sales_page, live_server.url, campaign_destination, salesbyte_quote_destination)
    assert clipped(sales_page, "#content input, #content select, #content textarea") == []
    assert clipped(sales_page, "#content label, #content th, #content td, #content h2") == []
    assert clipped(sales_page, ".submit-row input") == []
    width = sales_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px"
    # The quote's alternatives stack, one card per row, each input with its own label.
    prefix = f"d{salesbyte_quote_destination.pk}__"
    title = sales_page.get_by_label("Title, row 1")
    expect(title).to_have_attribute("name", f"{prefix}alternatives-0-title")
    expect(sales_page.locator(".lh-rows-table thead")).to_be_hidden()
    shot(sales_page, "lead-form-390")


def test_sales_staff_read_the_preview_in_plain_words(
    sales_page: Page, live_server: Any, leadbyte_destination: Destination
) -> None:
    sales_page.set_viewport_size(DESK)
    lead_form(sales_page, live_server.url, leadbyte_destination)
    fill_and_preview(sales_page, leadbyte_destination)
    section = sales_page.locator(f"#preview-{leadbyte_destination.pk}")
    rows = section.locator(".lh-payload tbody tr")
    expect(rows.filter(has_text="Gender")).to_contain_text("Female")
    expect(rows.filter(has_text="Make of car")).to_contain_text("Volvo")
    expect(rows.filter(has_text="Date of birth")).to_contain_text("31/12/1990")
    expect(rows.filter(has_text="Source ID")).to_contain_text("set by the destination")
    expect(section.locator(".lh-request")).to_have_count(0)
    text = sales_page.locator("#content").inner_text()
    for raw in ("Sent as", "data13", "campid", "/sandbox/", MASK, "{"):
        assert raw not in text, raw
    shot(sales_page, "preview-sales-1366")
    sales_page.set_viewport_size(PHONE)
    assert clipped(sales_page, "#content th, #content td, #content input") == []
    shot(sales_page, "preview-sales-390")


def test_an_admin_opens_the_raw_request_with_one_click(
    admin_page: Page, live_server: Any, leadbyte_destination: Destination
) -> None:
    admin_page.set_viewport_size(DESK)
    lead_form(admin_page, live_server.url, leadbyte_destination)
    fill_and_preview(admin_page, leadbyte_destination)
    request = admin_page.locator(f"#preview-{leadbyte_destination.pk} details.lh-request")
    body = request.locator("pre.lh-body")
    expect(body).to_be_hidden()  # closed until asked for
    request.locator("summary").click()
    expect(body).to_contain_text(f'"key": "{MASK}"')
    expect(body).to_contain_text('"data13": "Volvo"')
    expect(request.locator(".lh-sent-as")).to_contain_text("data13")
    expect(request.locator(".lh-request-line")).to_contain_text("/sandbox/leadbyte/")
    shot(admin_page, "preview-admin-1366")


def test_the_sales_home_puts_sending_first(sales_page: Page, live_server: Any) -> None:
    for size, name in ((DESK, "home-1366"), (PHONE, "home-390")):
        sales_page.set_viewport_size(size)
        sales_page.goto(f"{live_server.url}/admin/")
        send = sales_page.get_by_role("link", name="Add lead and send")
        expect(send).to_be_visible()
        chart = sales_page.locator("#lh-chart")
        send_box, chart_box = send.bounding_box(), chart.bounding_box()
        assert send_box and chart_box and send_box["y"] < chart_box["y"]
        shot(sales_page, name)
    sales_page.get_by_role("link", name="Add lead and send").click()
    expect(sales_page.locator("h1")).to_have_text("Send a lead: choose destinations")


def test_the_attempts_scroll_in_their_box_on_a_phone(
    sales_page: Page, live_server: Any, sales_user: Any, campaign_destination: Destination
) -> None:
    lead = LeadFactory(owner=sales_user)
    submission = SubmissionFactory(
        lead=lead, destination=campaign_destination, status=SubmissionStatus.REJECTED
    )
    for _ in range(2):
        AttemptFactory(
            submission=submission,
            status_code=400,
            outcome="rejected",
            message="The vendor refused the lead: " + "reason-without-spaces-" * 6,
        )
    sales_page.set_viewport_size(PHONE)
    sales_page.goto(f"{live_server.url}/admin/leadhub/lead/{lead.pk}/change/")
    table = sales_page.locator(".lh-timeline")
    expect(table.locator("tbody tr")).to_have_count(2)
    width = sales_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px"
    assert clipped(sales_page, ".lh-scroll") == []
    box = sales_page.locator(".lh-scroll")
    assert box.evaluate("(el) => el.scrollWidth > el.clientWidth"), "the table scrolls in its box"
    shot(sales_page, "lead-page-390")


def test_an_admin_labels_a_field_and_the_lead_form_says_it(
    admin_page: Page, live_server: Any, campaign_destination: Destination
) -> None:
    admin_page.set_viewport_size(DESK)
    admin_page.goto(
        f"{live_server.url}/admin/vendors/destination/{campaign_destination.pk}/change/"
    )
    labels = admin_page.locator("fieldset", has_text="Labels on the lead form")
    labels.locator("summary, h2").first.click()
    field = admin_page.locator('[name="label__data14"]')
    expect(field).to_have_attribute("placeholder", "Mortgage type")
    field.fill("Kind of mortgage")
    shot(admin_page, "destination-labels-1366")
    admin_page.get_by_role("button", name="Save", exact=True).click()
    expect(admin_page.locator(".messagelist")).to_contain_text("changed successfully")
    lead_form(admin_page, live_server.url, campaign_destination)
    expect(admin_page.get_by_label("Kind of mortgage")).to_be_visible()
