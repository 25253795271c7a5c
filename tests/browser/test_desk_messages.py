"""What the desk says when a sales person gets a step wrong or a vendor is paused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadhub.delivery.dispatcher import submissions_dispatch_due
from leadhub.delivery.push import submission_push
from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from tests.factories import (
    ConnectionFactory,
    DestinationFactory,
    LeadFactory,
    PausedConnectionFactory,
    SubmissionFactory,
)
from tests.leadhub.delivery.conftest import PAYLOAD as LEADBYTE_PAYLOAD
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = object  # type: ignore[assignment,misc]


def test_continue_with_no_destination_asks_for_one(
    sales_page: Page, live_server, campaign_destination: Destination
) -> None:
    sales_page.goto(f"{live_server.url}/admin/leadhub/lead/add/")
    sales_page.get_by_role("button", name="Continue").click()
    choice = sales_page.locator("#lh-destination-choice")
    expect(choice.locator(".errorlist")).to_have_text("Choose at least one destination.")
    expect(choice.get_by_label(campaign_destination.name)).to_be_visible()
    expect(sales_page.locator("h1")).to_have_text("Send a lead: choose destinations")


def test_a_lead_held_by_a_paused_connection_says_so(
    sales_page: Page, live_server, sales_user
) -> None:
    lead = LeadFactory(owner=sales_user)
    paused = PausedConnectionFactory(name="LeadByte UK")
    SubmissionFactory(
        lead=lead,
        destination=DestinationFactory(connection=paused),
        status=SubmissionStatus.RETRY_WAIT,
        next_attempt_at=timezone.now() - timedelta(hours=3),
    )
    sales_page.goto(f"{live_server.url}/admin/leadhub/lead/{lead.pk}/change/")
    expect(sales_page.locator(".lh-explanation")).to_have_text(
        "Held: the connection LeadByte UK is paused; it will be sent when the connection resumes."
    )


def test_a_lead_page_after_leadbytes_verdict_says_valid_not_queued(
    sales_page: Page, live_server, sales_user, leadbyte_destination: Destination
) -> None:
    lead = LeadFactory(owner=sales_user)
    submission = SubmissionFactory(
        lead=lead, destination=leadbyte_destination, payload=dict(LEADBYTE_PAYLOAD)
    )
    submission_push(submission_id=submission.pk)
    page_url = f"{live_server.url}/admin/leadhub/lead/{lead.pk}/change/"
    sales_page.goto(page_url)
    card = sales_page.locator(f"#submission-{submission.pk}")
    expect(card.locator(".lh-vendor-message")).to_contain_text("(Queued)")

    Submission.objects.filter(pk=submission.pk).update(next_check_at=timezone.now())
    submissions_dispatch_due()  # LeadByte's queue now says Valid
    sales_page.goto(page_url)
    expect(card.locator(".lh-status")).to_have_text("Accepted")
    expect(card.locator(".lh-vendor-outcome")).to_have_text("LeadByte: Valid")
    expect(card.locator(".lh-vendor-message")).to_have_text(
        "LeadByte said: LeadByte's queue says Valid."
    )
    expect(card.locator(".lh-submission-head")).not_to_contain_text("Queued")


def test_a_getlead_follow_up_is_offered_only_where_getlead_has_the_lead(
    sales_page: Page, live_server, sales_user
) -> None:
    getlead = DestinationFactory(connection=ConnectionFactory(kind="getlead", name="Getlead UK"))
    taken, elsewhere = LeadFactory(owner=sales_user), LeadFactory(owner=sales_user)
    SubmissionFactory(lead=taken, destination=getlead, status=SubmissionStatus.ACCEPTED)
    SubmissionFactory(lead=elsewhere, status=SubmissionStatus.ACCEPTED)  # another vendor

    sales_page.goto(f"{live_server.url}/admin/leadhub/lead/{elsewhere.pk}/change/")
    expect(sales_page.locator("#lh-submissions")).to_be_visible()
    expect(sales_page.get_by_role("link", name="Getlead follow-up")).to_have_count(0)

    sales_page.goto(f"{live_server.url}/admin/leadhub/lead/{taken.pk}/change/")
    sales_page.get_by_role("link", name="Getlead follow-up").click()
    expect(sales_page.locator("h1")).to_have_text(f"Getlead follow-up for {taken}")
    sales_page.get_by_label("Follow-up").select_option(label="Getlead UK · Add note")
    sales_page.get_by_role("button", name="Continue").click()
    expect(sales_page.get_by_label("Note")).to_be_visible()
    # Styled as the admin's forms: the label beside its field, the field full size.
    label = sales_page.locator("label", has_text="Note").bounding_box()
    field = sales_page.get_by_label("Note").bounding_box()
    assert label is not None and field is not None
    assert field["x"] > label["x"] + label["width"] - 1 and field["width"] > 200
