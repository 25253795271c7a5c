"""Submission push: claim, send, record; retries and the dispatcher."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadhub.delivery import push, rows
from leadhub.delivery.dispatcher import submissions_dispatch_due
from leadhub.delivery.outbox import submission_resend
from leadhub.delivery.outcome_checks import submission_check_outcome
from leadhub.delivery.push import submission_push
from leadhub.statuses import InvalidTransition, SubmissionStatus, check_transition
from sandbox.faults import sandbox_fault_set
from sandbox.models import SandboxRecord
from tests.factories import ConnectionFactory, DestinationFactory, SubmissionFactory
from vendors.clients import connection_client
from vendors.models import Destination

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


def _due_now(submission) -> None:
    type(submission).objects.filter(pk=submission.pk).update(
        next_check_at=timezone.now(), next_attempt_at=None
    )


def test_leadbyte_queue_verdict_valid_is_shown_and_final(leadbyte_destination) -> None:
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert submission.next_check_at > timezone.now()  # booked, not yet due
    assert submission.vendor_outcome == "Queued"
    _due_now(submission)
    submissions_dispatch_due()  # asks LeadByte's queue (tasks run inline in tests)
    submission.refresh_from_db()
    assert submission.vendor_outcome == "Valid"
    assert submission.status == S.ACCEPTED
    assert submission.next_check_at is None
    check = submission.attempts.get(kind="outcome_check")
    assert "/apiqueue/" in check.request["url"] and check.status_code == 200


def test_an_invalid_verdict_after_acceptance_rejects_the_submission(
    leadbyte_destination,
) -> None:
    submission = SubmissionFactory(
        destination=leadbyte_destination, payload={**PAYLOAD, "phone1": "07911 120000"}
    )
    submission_push(submission_id=submission.pk)
    _due_now(submission)
    submission_check_outcome(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.REJECTED
    assert submission.vendor_outcome == "Invalid"
    assert submission.vendor_code == "-8"
    assert "HLR" in submission.vendor_message


def test_an_outcome_check_that_fails_is_asked_again_later(settings, leadbyte_destination) -> None:
    settings.SUBMISSION_OUTCOME_CHECK_DELAYS = [30, 120]
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    submission_push(submission_id=submission.pk)
    _due_now(submission)
    sandbox_fault_set(leadbyte_destination.connection, "http_503", 1, method="GET")
    submission_check_outcome(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.vendor_outcome == "Queued"
    assert submission.next_check_at > timezone.now() + timedelta(seconds=100)
    assert submission.check_count == 1


def test_retries_follow_the_configured_delays_then_exhaust(settings) -> None:
    settings.SUBMISSION_RETRY_DELAYS = [10, 60, 300]
    settings.SUBMISSION_RETRY_JITTER = 0.0
    settings.CONNECTION_BREAKER_THRESHOLD = 100
    connection = ConnectionFactory(base_url="http://127.0.0.1:9/")
    submission = SubmissionFactory(destination=DestinationFactory(connection=connection))
    waits = []
    for _ in range(4):
        before = timezone.now()
        submission_push(submission_id=submission.pk)
        submission.refresh_from_db()
        if submission.next_attempt_at:
            waits.append(round((submission.next_attempt_at - before).total_seconds()))
            type(submission).objects.filter(pk=submission.pk).update(next_attempt_at=timezone.now())
    assert waits == [10, 60, 300]
    assert submission.status == S.EXHAUSTED
    assert submission.attempt_count == 4
    assert submission.vendor_message.startswith("Gave up after 4 attempts")


def test_jitter_only_ever_lengthens_a_delay_and_retry_after_is_capped(settings) -> None:
    from leadhub.delivery.push import next_retry_at

    settings.SUBMISSION_RETRY_DELAYS = [10]
    settings.SUBMISSION_RETRY_JITTER = 0.5
    settings.SUBMISSION_MAX_RETRY_AFTER = 100
    now = timezone.now()
    for _ in range(20):
        wait = (next_retry_at(1, None) - now).total_seconds()
        assert 10 <= wait <= 15.5
    capped = (next_retry_at(1, 10_000) - now).total_seconds()
    assert 100 <= capped <= 150.5
    assert next_retry_at(2, None) is None


def test_the_dispatcher_enqueues_a_queued_row_whose_task_was_lost(
    settings, leadbyte_destination
) -> None:
    submission = SubmissionFactory(
        destination=leadbyte_destination,
        payload=PAYLOAD,
        enqueued_at=timezone.now() - timedelta(seconds=settings.SUBMISSION_REQUEUE_AFTER + 5),
    )
    fresh = SubmissionFactory(
        destination=leadbyte_destination,
        payload={**PAYLOAD, "email": "fresh@example.com", "phone1": "07911 222333"},
        enqueued_at=timezone.now(),
    )
    submissions_dispatch_due()
    submission.refresh_from_db()
    fresh.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert fresh.status == S.QUEUED  # its task is still on its way: left alone


def test_a_lease_recovered_for_a_vendor_without_duplicate_protection_needs_review(
    settings, monkeypatch, leadbyte_destination
) -> None:
    from vendors.leadbyte import LeadByte

    monkeypatch.setattr(LeadByte, "rejects_resent_leads", False)
    submission = SubmissionFactory(
        destination=leadbyte_destination,
        payload=PAYLOAD,
        status=S.SENDING,
        attempt_count=1,
        sent_at=timezone.now() - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS + 5),
    )
    submissions_dispatch_due()
    submission.refresh_from_db()
    assert submission.status == S.UNCERTAIN
    assert "check it there before sending again" in submission.vendor_message
    assert submission.attempts.get().kind == "lost"
    assert SandboxRecord.objects.count() == 0


def test_an_answer_arriving_after_its_lease_was_recovered_is_kept_but_not_applied(
    leadbyte_destination,
) -> None:
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    claimed = rows.submission_claim(submission.pk)
    # Meanwhile the dispatcher decided the worker was dead and the row moved on.
    type(submission).objects.filter(pk=submission.pk).update(status=S.QUEUED)
    delivery = connection_client(claimed.connection).submit(claimed.operation, claimed.payload)
    push._record(claimed, delivery)
    submission.refresh_from_db()
    assert submission.status == S.QUEUED
    assert submission.attempts.count() == 1


def test_a_claim_racing_another_claim_sends_nothing(leadbyte_destination) -> None:
    import threading
    import time

    from django.db import connection as db
    from django.db import transaction

    if db.vendor != "postgresql":
        pytest.skip("a real race needs two connections; SQLite serialises writers instead")
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    results = []

    def other_worker() -> None:
        results.append(submission_push(submission_id=submission.pk))
        db.close()

    with transaction.atomic():
        # This transaction is the first claim: it holds the row while the other arrives.
        locked = type(submission).objects.select_for_update().get(pk=submission.pk)
        thread = threading.Thread(target=other_worker)
        thread.start()
        time.sleep(0.5)  # the other claim is now waiting on the row lock
        locked.status = S.SENDING
        locked.save()
    thread.join(10)
    assert results == [None]  # it re-checked the row after the wait and found it taken
    assert SandboxRecord.objects.count() == 0
