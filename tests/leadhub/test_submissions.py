"""Submission push: claim, send, record; retries and the dispatcher."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadhub.services.submissions import (
    submission_push,
    submission_resend,
    submissions_dispatch_due,
)
from leadhub.statuses import InvalidTransition, SubmissionStatus, check_transition
from tests.factories import ConnectionFactory, DestinationFactory, SubmissionFactory
from vendors.models import Destination
from vendors.sandbox.models import SandboxRecord

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus

PAYLOAD = {
    "campid": "EXAMPLE-CAMPAIGN",
    "sid": "1",
    "email": "grace@example.com",
    "firstname": "Grace",
    "lastname": "Hopper",
    "data13": "Saab",
}


def test_push_records_the_result_and_one_attempt(leadbyte_destination: Destination) -> None:
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    attempt = submission.attempts.get()
    assert attempt.status_code == 200 and attempt.outcome == "accepted"
    assert "test-leadbyte-key" not in str(attempt.request)
    assert submission.connection.__class__.objects.get(pk=submission.connection_id).last_success_at


def test_a_second_push_of_the_same_submission_sends_nothing(
    leadbyte_destination: Destination,
) -> None:
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    submission_push(submission_id=submission.pk)
    assert submission_push(submission_id=submission.pk) is None
    assert SandboxRecord.objects.filter(endpoint="leads").count() == 1


def test_a_vendor_rejection_is_final_with_the_vendor_message(
    leadbyte_destination: Destination,
) -> None:
    submission = SubmissionFactory(
        destination=leadbyte_destination, payload={**PAYLOAD, "email": "nope"}
    )
    submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.REJECTED
    assert "Email is not a valid email address" in submission.vendor_message
    assert submission.vendor_code == "-5"


def test_an_unreachable_vendor_waits_to_retry_then_exhausts(settings) -> None:
    settings.SUBMISSION_RETRY_DELAYS = [10]
    connection = ConnectionFactory(base_url="http://127.0.0.1:9/")
    submission = SubmissionFactory(destination=DestinationFactory(connection=connection))
    submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.RETRY_WAIT
    assert submission.next_attempt_at > timezone.now() + timedelta(seconds=9)
    assert submission_push(submission_id=submission.pk) is None  # not due yet
    submission.next_attempt_at = timezone.now()
    submission.save()
    submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.EXHAUSTED
    assert submission.attempt_count == 2
    connection.refresh_from_db()
    assert "could not be reached" in connection.last_error


def test_dispatcher_recovers_a_lease_left_by_a_dead_worker(
    settings, leadbyte_destination: Destination
) -> None:
    submission = SubmissionFactory(
        destination=leadbyte_destination,
        payload=PAYLOAD,
        status=S.SENDING,
        sent_at=timezone.now() - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS + 5),
    )
    submissions_dispatch_due()
    submission.refresh_from_db()
    # LeadByte refuses what it already has, so the lead is sent again, and arrives once.
    assert submission.status == S.ACCEPTED
    assert SandboxRecord.objects.filter(endpoint="leads", accepted=True).count() == 1


def test_resend_queues_a_rejected_submission_again(leadbyte_destination: Destination) -> None:
    submission = SubmissionFactory(
        destination=leadbyte_destination, payload={**PAYLOAD, "email": "nope"}
    )
    submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    submission_resend(submission=submission, payload=PAYLOAD)
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert submission.attempts.count() == 2


def test_transitions_outside_the_table_are_refused() -> None:
    check_transition(S.QUEUED, S.SENDING)
    with pytest.raises(InvalidTransition):
        check_transition(S.ACCEPTED, S.SENDING)
    with pytest.raises(InvalidTransition):
        check_transition(S.DUPLICATE, S.QUEUED)
