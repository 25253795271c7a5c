"""The submission page is a record: titled as one, read-only, and never deleted on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadhub.demo import sales_staff_grant
from leadhub.models import Lead, Submission
from leadhub.statuses import SubmissionStatus
from tests.factories import (
    DestinationFactory,
    LeadFactory,
    PausedConnectionFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales_client(client: Client) -> tuple[Client, Submission]:
    """A member of the Sales staff role, logged in, and a submission of their own lead."""
    user = UserFactory(username="sally")
    sales_staff_grant(user)
    client.force_login(user)
    lead = LeadFactory(owner=user, first_name="Ada", last_name="Lovelace")
    return client, SubmissionFactory(lead=lead, destination__name="LeadByte example")


def page(client: Client, submission: Submission) -> str:
    response = client.get(reverse("admin:leadhub_submission_change", args=[submission.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_sales_person_sees_a_read_only_record(sales_client) -> None:
    client, submission = sales_client
    html = page(client, submission)
    assert "<h1>Submission: Ada Lovelace → LeadByte example</h1>" in html
    assert "Change submission" not in html
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert "deletelink" not in html
    assert 'class="closelink"' in html  # Django's way out of a page with nothing to save


@pytest.mark.parametrize("who", ["sales", "superuser"])
def test_nobody_deletes_a_submission_on_its_own(sales_client, admin_client, who) -> None:
    client, submission = sales_client
    if who == "superuser":
        client = admin_client
    assert "deletelink" not in page(client, submission)
    delete_url = reverse("admin:leadhub_submission_delete", args=[submission.pk])
    response = client.post(delete_url, {"post": "yes"}, follow=True)
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert "A submission cannot be deleted." in response.content.decode()
    changelist = client.get(reverse("admin:leadhub_submission_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_a_superuser_still_deletes_a_lead_with_its_submissions(admin_client) -> None:
    submission = SubmissionFactory()
    lead = submission.lead
    delete_url = reverse("admin:leadhub_lead_delete", args=[lead.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Submission.objects.filter(pk=submission.pk).exists()


def test_the_page_refuses_a_save(admin_client) -> None:
    submission = SubmissionFactory(vendor_message="As it was")
    url = reverse("admin:leadhub_submission_change", args=[submission.pk])
    assert admin_client.post(url, {"vendor_message": "Changed", "_save": "1"}).status_code == 405
    submission.refresh_from_db()
    assert submission.vendor_message == "As it was"
    assert "delete_selected" not in admin.site._registry[Submission].get_actions(
        admin_client.get(url).wsgi_request
    )


def test_a_held_submission_says_what_happens_next_and_books_no_try(admin_client) -> None:
    submission = SubmissionFactory(
        destination=DestinationFactory(connection=PausedConnectionFactory(name="LeadByte UK")),
        status=SubmissionStatus.RETRY_WAIT,
        next_attempt_at=timezone.now() - timedelta(hours=1),
    )
    html = page(admin_client, submission)
    assert "Held: the connection LeadByte UK is paused" in html
    assert "Next try" not in html
