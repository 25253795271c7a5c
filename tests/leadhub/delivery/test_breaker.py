"""The per-connection circuit breaker: what a paused connection holds, its probe, and the
release of what it held once it resumes; against the sandbox over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from leadhub.delivery.breaker import connection_release, probes_due
from leadhub.delivery.dispatcher import submissions_dispatch_due
from leadhub.delivery.outbox import PUSH_TASK
from leadhub.delivery.push import submission_push
from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from sandbox.faults import sandbox_fault_set
from sandbox.models import SandboxRecord
from tests.factories import ConnectionFactory, DestinationFactory, LeadFactory, SubmissionFactory
from tests.leadhub.delivery.conftest import Task
from vendors.connection_state import connection_pause, connection_resume, connection_resumed
from vendors.models import Connection, Destination, PauseReason

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus


def lead_payload(n: int) -> dict[str, str]:
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
def breaker(settings: Any) -> Any:
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


# --- probes and release, without a vendor ------------------------------------------------


def cooled_down(*, failed_for: timedelta = timedelta(minutes=5)) -> Connection:
    """A connection paused after failures whose cool-down is over."""
    now = timezone.now()
    return ConnectionFactory(
        paused_at=now - failed_for,
        pause_reason=PauseReason.FAILURES,
        probe_at=now - timedelta(seconds=1),
    )


def row_on(connection: Connection, status: str = S.QUEUED, **fields: Any) -> Submission:
    destination = DestinationFactory(connection=connection)
    return SubmissionFactory(destination=destination, status=status, **fields)


def test_each_cooled_down_connection_gets_one_probe_its_oldest_due_row() -> None:
    now = timezone.now()
    first, second = cooled_down(), cooled_down()
    oldest = row_on(first)
    row_on(first)
    row_on(first, S.RETRY_WAIT, next_attempt_at=now - timedelta(seconds=1))
    # Not due yet: older, but still waiting for its retry.
    row_on(second, S.RETRY_WAIT, next_attempt_at=now + timedelta(minutes=5))
    due = row_on(second, S.RETRY_WAIT, next_attempt_at=now - timedelta(seconds=1))
    row_on(second, S.REJECTED)
    assert sorted(probes_due(now=now)) == sorted([oldest.pk, due.pk])


def test_no_probe_while_cooling_down_paused_by_hand_or_with_a_probe_out() -> None:
    now = timezone.now()
    cooling = cooled_down()
    Connection.objects.filter(pk=cooling.pk).update(probe_at=now + timedelta(minutes=1))
    manual = ConnectionFactory(paused_at=now, pause_reason=PauseReason.MANUAL)
    probing = cooled_down()
    Connection.objects.filter(pk=probing.pk).update(probing_since=now)
    for connection in (cooling, manual, probing):
        row_on(connection)
    assert probes_due(now=now) == []


def test_a_cooled_down_connection_with_nothing_waiting_has_no_probe() -> None:
    row_on(cooled_down(), S.ACCEPTED)
    assert probes_due(now=timezone.now()) == []


def test_release_sends_now_what_waited_to_retry_and_enqueues_everything_held(
    handed_tasks: list[Task],
) -> None:
    connection = ConnectionFactory(paused_at=timezone.now(), pause_reason=PauseReason.MANUAL)
    later = timezone.now() + timedelta(hours=1)
    queued = row_on(connection)
    retry = row_on(connection, S.RETRY_WAIT, next_attempt_at=later)
    done = row_on(connection, S.ACCEPTED)
    elsewhere = SubmissionFactory()
    before = timezone.now()
    assert connection_release(connection_id=connection.pk) == 2
    retry.refresh_from_db()
    assert isinstance(retry.next_attempt_at, datetime) and retry.next_attempt_at <= timezone.now()
    assert retry.next_attempt_at >= before
    assert sorted(handed_tasks) == sorted([(PUSH_TASK, queued.pk), (PUSH_TASK, retry.pk)])
    assert done.pk not in {pk for _, pk in handed_tasks}
    assert elsewhere.pk not in {pk for _, pk in handed_tasks}


def test_resuming_a_connection_is_answered_with_how_many_rows_it_released(
    handed_tasks: list[Task],
) -> None:
    connection = ConnectionFactory(paused_at=timezone.now(), pause_reason=PauseReason.MANUAL)
    rows = [row_on(connection), row_on(connection, S.RETRY_WAIT, next_attempt_at=timezone.now())]
    assert connection_resume(connection_id=connection.pk) == 2
    assert sorted(pk for _, pk in handed_tasks) == sorted(row.pk for row in rows)
    answers = connection_resumed.send(sender=Connection, connection_id=connection.pk)
    assert [count for _, count in answers if isinstance(count, int)] == [2]
