"""A sales staff member sends a lead to LeadByte and SalesByte through the real admin.

Log in, tick the destinations, fill the generated form, check the preview, confirm, and
watch the lead page update by itself as the background pushes finish, with no page breaking
the Content-Security-Policy.

Each destination is a ``DestinationCase``: how to create it, how to fill its own fields and
what its card must show afterwards. Another vendor's destination (SalesByte, with its link
buttons) is one more case in ``cases``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model

from leadhub.demo import sales_staff_grant
from leadhub.models import Lead, Submission
from leadhub.tasks import push_submission
from tests.conftest import LEADBYTE_KEY, SALESBYTE_UUID
from vendors.models import Campaign, Connection, Destination
from vendors.redaction import MASK

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "sales-staff-password-123"

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = object  # type: ignore[assignment,misc]


@dataclass
class DestinationCase:
    """One destination in the flow: made by ``make``, filled by ``fill``, then checked."""

    make: Callable[[], Destination]
    fill: Callable[[Page, str], None]  # the page and the destination's field prefix
    status_label: str
    message: str
    secret: str  # the credential that must show nowhere in the sales preview
    link_labels: tuple[str, ...] = ()  # the vendor's link buttons on the lead page
    destination: Destination | None = field(default=None, init=False)


def leadbyte_destination(connection: Connection, reference: str, name: str) -> Destination:
    return Destination.objects.create(
        name=name,
        connection=connection,
        operation="create_lead",
        campaign=Campaign.objects.get(connection=connection, reference=reference),
        fixed_values={"sid": "1"},
    )


def fill_example_campaign(page: Page, prefix: str) -> None:
    page.locator(f'[name="{prefix}data13"]').fill("Volvo")
    page.locator(f'[name="{prefix}gender"]').select_option("Female")
    page.locator(f'[name="{prefix}dob"]').fill("1990-12-31")


def salesbyte_quote_destination(connection: Connection) -> Destination:
    # Quoted by email: SalesByte quotes take only Swedish phones, this lead's is British.
    return Destination.objects.create(
        name="SalesByte · Quote",
        connection=connection,
        operation="create_quote",
        fixed_values={
            "quote_profile_id": 1,
            "send_type": "email",
            "customer_phone": None,
            "workflows_enabled": True,
            "allow_customer_document_upload": False,
        },
    )


def fill_quote(page: Page, prefix: str) -> None:
    page.locator(f'[name="{prefix}alternatives-0-title"]').fill("Standard")
    page.locator(f'[name="{prefix}alternatives-0-bundle_id"]').fill("7")


@pytest.fixture
def cases(
    leadbyte_connection: Connection, example_campaign: Campaign, salesbyte_connection: Connection
) -> list[DestinationCase]:
    return [
        DestinationCase(
            make=lambda: leadbyte_destination(
                leadbyte_connection, "EXAMPLE-CAMPAIGN", "LeadByte · Cars"
            ),
            fill=fill_example_campaign,
            status_label="Accepted",
            message="LeadByte queued the lead (Queued).",
            secret=LEADBYTE_KEY,
        ),
        DestinationCase(
            make=lambda: salesbyte_quote_destination(salesbyte_connection),
            fill=fill_quote,
            status_label="Accepted",
            message="SalesByte created quote",
            secret=SALESBYTE_UUID,
            link_labels=("Edit in vendor", "Customer view", "Verification", "Project approval"),
        ),
    ]


@pytest.fixture
def sales_user(django_user_model):
    user = get_user_model().objects.create_user("sam", "sam@example.com", PASSWORD)
    sales_staff_grant(user)
    return user


@pytest.fixture
def held_pushes(monkeypatch) -> list[int]:
    """Hold the background pushes so the page is seen pending first; the test releases
    them, and the page must notice by itself."""
    held: list[int] = []
    monkeypatch.setattr(
        "leadhub.delivery.outbox.async_task",
        lambda func, submission_id, **kwargs: held.append(int(submission_id)),
    )
    return held


def log_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    response = page.goto(f"{base_url}/admin/login/?next={next_path}")
    assert response is not None
    assert response.headers.get("content-security-policy"), "the CSP check needs a policy"
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_sales_staff_send_a_lead_to_two_destinations_and_watch_it_land(
    page: Page, console, live_server, sandbox, cases, sales_user, held_pushes
) -> None:
    for case in cases:
        case.destination = case.make()
    base = live_server.url

    log_in(page, base, sales_user.username, "/admin/leadhub/lead/add/")
    expect(page.locator("h1")).to_have_text("Send a lead: choose destinations")
    for case in cases:
        page.get_by_label(case.destination.name).check()
    page.get_by_role("button", name="Continue").click()

    # The generated form: contact details once, then each destination's own fields.
    page.locator("#id_first_name").fill("Ada")
    page.locator("#id_last_name").fill("Lovelace")
    page.locator("#id_email").fill("ada.browser@example.com")
    page.locator("#id_phone").fill("07911 123456")
    for case in cases:
        case.fill(page, f"d{case.destination.pk}__")
    page.get_by_role("button", name="Preview").click()

    # The preview, in plain words for sales staff: what each destination gets, no request,
    # no credential even masked; nothing saved yet.
    expect(page.locator("h1")).to_have_text("Send a lead: check before sending")
    for case in cases:
        section = page.locator(f"#preview-{case.destination.pk}")
        expect(section.locator("h2")).to_have_text(case.destination.name)
        expect(section.locator(".lh-payload")).to_contain_text("ada.browser@example.com")
        expect(section.locator(".lh-request")).to_have_count(0)
        assert case.secret not in page.content() and MASK not in page.content()
    assert not Lead.objects.exists()

    # Edit keeps everything; preview again; confirm.
    page.get_by_role("button", name="Edit").click()
    expect(page.locator("#id_email")).to_have_value("ada.browser@example.com")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Confirm and send").click()

    # The lead page: both pending, polling until the released pushes land.
    lead = Lead.objects.get()
    expect(page).to_have_url(f"{base}/admin/leadhub/lead/{lead.pk}/change/")
    submissions = {s.destination_id: s for s in Submission.objects.filter(lead=lead)}
    assert sorted(held_pushes) == sorted(s.pk for s in submissions.values())
    for case in cases:
        card = page.locator(f"#submission-{submissions[case.destination.pk].pk}")
        expect(card.locator(".lh-status")).to_have_text("Queued")
    page.evaluate("window.leadhubSamePage = true")  # gone if the page reloads

    for submission_id in held_pushes:
        push_submission(submission_id)

    for case in cases:
        card = page.locator(f"#submission-{submissions[case.destination.pk].pk}")
        expect(card.locator(".lh-status")).to_have_text(case.status_label)
        expect(card.locator(".lh-vendor-message")).to_contain_text(case.message)
        expect(card.locator(".lh-timeline tbody tr")).to_have_count(1)
        expect(card.locator(".lh-timeline tbody td").nth(2)).to_have_text("200")
        for label in case.link_labels:
            expect(card.get_by_role("link", name=label)).to_be_visible()
    expect(page.locator("#lh-submissions")).to_have_attribute("data-pending", "0")
    assert page.evaluate("window.leadhubSamePage") is True

    # The dashboard knows too.
    page.goto(f"{base}/admin/")
    expect(page.locator("#lh-today")).to_contain_text("LeadByte")
    expect(page.locator("#lh-chart svg.lh-chart")).to_be_visible()

    assert console.csp_violations == []
    assert console.page_errors == []


def test_the_integration_pages_log_no_csp_violation(
    page: Page, console, live_server, admin_user, leadbyte_connection, example_campaign
) -> None:
    admin_user.set_password(PASSWORD)
    admin_user.save()
    log_in(page, live_server.url, admin_user.username, "/admin/")
    expect(page.locator("#lh-dashboard")).to_be_visible()
    for path in (
        "/admin/vendors/connection/",
        f"/admin/vendors/connection/{leadbyte_connection.pk}/change/",
        "/admin/vendors/campaign/",
        f"/admin/vendors/campaign/{example_campaign.pk}/change/",
        "/admin/vendors/destination/",
        "/admin/leadhub/submission/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert response.headers["content-security-policy"]
    assert console.csp_violations == []
    assert console.page_errors == []


def test_a_violation_would_be_caught(page: Page, console, live_server) -> None:
    """The check itself works: an inline style under a strict policy is reported."""
    page.goto(f"{live_server.url}/healthz")
    page.set_content(
        '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
        '<p style="color: red">x</p>'
    )
    page.wait_for_timeout(300)
    assert any("style" in v for v in console.csp_violations), console.messages
