"""The per-connection circuit breaker, against the sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leadhub.delivery.dispatcher import submissions_dispatch_due
from leadhub.delivery.push import submission_push
from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from sandbox.faults import sandbox_fault_set
from sandbox.models import SandboxRecord
from tests.factories import LeadFactory, SubmissionFactory
from vendors.connection_state import connection_pause, connection_resume
from vendors.models import Connection, Destination, PauseReason

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus


def lead_payload(n: int) -> dict:
    return {
        "campid": "EXAMPLE-CAMPAIGN",
        "sid": "1",
        "email": f"mary{n}@example.com",
        "firstname": "Mary",
        "lastname": "Jackson",
        "data13": "Saab",
        "phone1": f"07911 1234{n:02d}",
    }


def make(destination: Destination, n: int) -> Submission:
    return SubmissionFactory(destination=destination, lead=LeadFactory(), payload=lead_payload(n))


@pytest.fixture
def breaker(settings):
    settings.CONNECTION_BREAKER_THRESHOLD = 3
    settings.CONNECTION_BREAKER_COOLDOWN = 60
    settings.SUBMISSION_RETRY_DELAYS = [10, 60, 300, 1800]
    return settings


def test_a_run_of_failures_pauses_the_connection_and_holds_its_leads(
    breaker, leadbyte_destination: Destination
) -> None:
    sandbox_fault_set(leadbyte_destination.connection, "http_503", 3)
    failing = [make(leadbyte_destination, n) for n in range(3)]
    for submission in failing:
        submission_push(submission_id=submission.pk)
    connection = Connection.objects.get(pk=leadbyte_destination.connection_id)
    assert connection.is_paused
    assert connection.pause_reason == PauseReason.FAILURES
    assert "3 failures in a row" in connection.pause_message
    assert "HTTP 503" in connection.pause_message
    assert connection.probe_at > timezone.now() + timedelta(seconds=55)

    # While paused, nothing is sent and nothing is lost: the claim leaves the rows alone.
    held = make(leadbyte_destination, 7)
    assert submission_push(submission_id=held.pk) is None
    held.refresh_from_db()
    assert held.status == S.QUEUED
    Submission.objects.filter(pk__in=[s.pk for s in failing]).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    submissions_dispatch_due()  # the dispatcher leaves a paused connection alone...
    assert SandboxRecord.objects.filter(endpoint="leads").count() == 0

    # ...until the cool-down is over: one probe goes; it succeeds; everything held is sent.
    Connection.objects.filter(pk=connection.pk).update(probe_at=timezone.now())
    submissions_dispatch_due()
    connection.refresh_from_db()
    assert not connection.is_paused
    assert connection.consecutive_failures == 0
    statuses = set(
        Submission.objects.filter(connection=connection).values_list("status", flat=True)
    )
    assert statuses == {S.ACCEPTED}
    assert SandboxRecord.objects.filter(endpoint="leads", accepted=True).count() == 4


def test_a_failed_probe_keeps_the_connection_paused_for_longer(
    breaker, leadbyte_destination: Destination
) -> None:
    connection = leadbyte_destination.connection
    sandbox_fault_set(connection, "http_500", 4)
    for n in range(3):
        submission_push(submission_id=make(leadbyte_destination, n).pk)
    Connection.objects.filter(pk=connection.pk).update(probe_at=timezone.now())
    Submission.objects.filter(connection=connection).update(next_attempt_at=timezone.now())
    submissions_dispatch_due()  # the probe meets the fourth 500
    connection.refresh_from_db()
    assert connection.is_paused
    assert connection.failed_probes == 1
    assert connection.probing_since is None
    assert connection.probe_at > timezone.now() + timedelta(seconds=115)  # 2 x 60 s
    assert "probe failed" in connection.pause_message
    assert SandboxRecord.objects.filter(endpoint="leads").count() == 0


def test_refused_credentials_pause_at_once_until_resumed_by_hand(
    breaker, leadbyte_destination: Destination
) -> None:
    connection = leadbyte_destination.connection
    sandbox_fault_set(connection, "expired_token", 1)
    first = make(leadbyte_destination, 1)
    submission_push(submission_id=first.pk)
    connection.refresh_from_db()
    assert connection.pause_reason == PauseReason.CREDENTIALS
    assert "refused the API key" in connection.pause_message
    # No probe for refused credentials: only a person can fix them.
    Connection.objects.filter(pk=connection.pk).update(probe_at=timezone.now())
    Submission.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    submissions_dispatch_due()
    first.refresh_from_db()
    assert first.status == S.RETRY_WAIT
    assert connection_resume(connection_id=connection.pk) == 1
    first.refresh_from_db()
    assert first.status == S.ACCEPTED


def test_admin_pauses_and_resumes_connections_by_hand(
    admin_client, leadbyte_destination: Destination
) -> None:
    connection = leadbyte_destination.connection
    url = reverse("admin:vendors_connection_changelist")
    response = admin_client.post(
        url, {"action": "pause_delivery", "_selected_action": [connection.pk]}, follow=True
    )
    assert response.status_code == 200
    connection.refresh_from_db()
    assert connection.pause_reason == PauseReason.MANUAL
    held = make(leadbyte_destination, 3)
    submission_push(submission_id=held.pk)
    held.refresh_from_db()
    assert held.status == S.QUEUED

    page = admin_client.get(reverse("admin:vendors_connection_change", args=[connection.pk]))
    assert "Paused by an admin" in page.content.decode()

    admin_client.post(url, {"action": "resume_delivery", "_selected_action": [connection.pk]})
    connection.refresh_from_db()
    held.refresh_from_db()
    assert not connection.is_paused
    assert held.status == S.ACCEPTED


def test_a_manual_pause_is_not_lifted_by_a_success(leadbyte_destination: Destination) -> None:
    connection = leadbyte_destination.connection
    connection_pause(connection_id=connection.pk, reason=PauseReason.MANUAL, message="by hand")
    Connection.objects.filter(pk=connection.pk).update(probe_at=timezone.now())
    submissions_dispatch_due()
    connection.refresh_from_db()
    assert connection.pause_reason == PauseReason.MANUAL
