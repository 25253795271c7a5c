"""Push: claim, send, record what the vendor answered; retries with backoff; batches."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from leadhub.delivery import push, rows
from leadhub.delivery.outbox import PUSH_BATCH_TASK
from leadhub.delivery.push import next_retry_at, submission_push, submissions_push_batch
from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from sandbox.faults import sandbox_fault_set
from sandbox.models import FaultMode, SandboxRecord
from tests.factories import ConnectionFactory, DestinationFactory, SubmissionFactory
from tests.leadhub.conftest import PushToLeadByte
from tests.leadhub.delivery.conftest import PAYLOAD, Task
from vendors.clients import connection_client
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus


def test_push_records_the_result_and_one_attempt(push_to_leadbyte: PushToLeadByte) -> None:
    submission = push_to_leadbyte(PAYLOAD)
    assert submission.status == S.ACCEPTED
    attempt = submission.attempts.get()
    assert attempt.status_code == 200 and attempt.outcome == "accepted"
    assert "test-leadbyte-key" not in str(attempt.request)
    assert submission.connection.__class__.objects.get(pk=submission.connection_id).last_success_at


def test_a_second_push_of_the_same_submission_sends_nothing(
    push_to_leadbyte: PushToLeadByte,
) -> None:
    submission = push_to_leadbyte(PAYLOAD)
    assert submission_push(submission_id=submission.pk) is None
    assert SandboxRecord.objects.filter(endpoint="leads").count() == 1


def test_a_vendor_rejection_is_final_with_the_vendor_message(
    push_to_leadbyte: PushToLeadByte,
) -> None:
    submission = push_to_leadbyte({**PAYLOAD, "email": "nope"})
    assert submission.status == S.REJECTED
    assert "Email is not a valid email address" in submission.vendor_message
    assert submission.vendor_code == "-5"


def test_a_deep_json_answer_is_recorded_as_an_unreadable_answer_with_its_status(
    settings, push_to_leadbyte: PushToLeadByte, leadbyte_destination: Destination
) -> None:
    settings.SUBMISSION_RETRY_DELAYS = [10]
    sandbox_fault_set(leadbyte_destination.connection, FaultMode.DEEP_JSON)
    submission = push_to_leadbyte(PAYLOAD)
    # LeadByte refuses a lead it already has: the lost answer is retried, not given up on.
    assert submission.status == S.RETRY_WAIT
    attempt = submission.attempts.get()
    assert (attempt.kind, attempt.status_code) == ("send", 200)
    assert (attempt.condition, attempt.outcome) == ("unreadable_answer", "transient")
    message = "The vendor answered HTTP 200 with JSON nested deeper than 64 levels"
    assert attempt.message.startswith(message)
    assert submission.vendor_message.startswith(message)
    assert attempt.response_body.startswith("[[[[")
    assert len(attempt.response_body) <= settings.STORED_BODY_LIMIT


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


def test_a_vendor_dripping_its_answer_is_cut_at_the_deadline_and_the_attempt_kept(
    leadbyte_destination: Destination,
) -> None:
    connection = leadbyte_destination.connection
    connection.deadline_seconds = 1
    connection.save(update_fields=["deadline_seconds"])
    sandbox_fault_set(connection, "drip", 1, delay_seconds=0.3)
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    started = time.monotonic()
    submission_push(submission_id=submission.pk)
    assert time.monotonic() - started < 2.0  # the deadline, plus recording it
    submission.refresh_from_db()
    # LeadByte refuses a lead it already has: the lost answer is retried.
    assert submission.status == S.RETRY_WAIT
    assert submission.vendor_message == "The vendor did not finish answering within 1 s."
    attempt = submission.attempts.get()
    assert (attempt.condition, attempt.outcome) == ("no_answer", "transient")
    assert attempt.status_code == 200
    assert attempt.message == "The vendor did not finish answering within 1 s."
    assert 1000 <= attempt.duration_ms < 1500
    assert attempt.response_body.startswith("{")  # what arrived of LeadByte's answer
    assert 2 <= len(attempt.response_body) <= 5


def test_an_answer_arriving_after_its_lease_was_recovered_is_kept_but_not_applied(
    leadbyte_destination: Destination,
) -> None:
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    claimed = rows.submission_claim(submission.pk)
    assert claimed is not None
    # Meanwhile the dispatcher decided the worker was dead and the row moved on.
    type(submission).objects.filter(pk=submission.pk).update(status=S.QUEUED)
    delivery = connection_client(claimed.connection).submit(claimed.operation, claimed.payload)
    push._record(claimed, delivery)
    submission.refresh_from_db()
    assert submission.status == S.QUEUED
    assert submission.attempts.count() == 1


# --- batches ---------------------------------------------------------------------------


def test_a_batch_pushes_each_submission_in_turn(leadbyte_destination: Destination) -> None:
    first = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    second = SubmissionFactory(
        destination=leadbyte_destination,
        payload={**PAYLOAD, "email": "second@example.com", "phone1": "07911 222333"},
    )
    assert submissions_push_batch(submission_ids=[first.pk, second.pk]) == 2
    pushed = Submission.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")
    assert list(pushed.values_list("status", flat=True)) == [S.ACCEPTED, S.ACCEPTED]
    assert SandboxRecord.objects.filter(endpoint="leads", accepted=True).count() == 2


def test_a_push_that_fails_does_not_stop_the_rest_of_its_batch(
    monkeypatch: pytest.MonkeyPatch, leadbyte_destination: Destination
) -> None:
    broken = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    fine = SubmissionFactory(
        destination=leadbyte_destination,
        payload={**PAYLOAD, "email": "fine@example.com", "phone1": "07911 222333"},
    )
    real_push = push.submission_push

    def push_or_fail(*, submission_id: int) -> Submission | None:
        if submission_id == broken.pk:
            raise RuntimeError("the worker's database connection dropped")
        return real_push(submission_id=submission_id)

    monkeypatch.setattr(push, "submission_push", push_or_fail)
    assert submissions_push_batch(submission_ids=[broken.pk, fine.pk]) == 2
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.status == S.ACCEPTED
    assert broken.status == S.QUEUED  # left to the dispatcher's recovery


def test_a_batch_out_of_time_hands_the_rest_on_as_a_new_batch(
    monkeypatch: pytest.MonkeyPatch, handed_tasks: list[Task]
) -> None:
    monkeypatch.setattr(push, "_batch_time_budget", lambda: -1.0)
    assert submissions_push_batch(submission_ids=[7, 8, 9]) == 0
    assert handed_tasks == [(PUSH_BATCH_TASK, [7, 8, 9])]


def test_a_batch_leaves_room_for_one_last_call_within_its_deadline(settings) -> None:
    settings.Q_TIMEOUT, settings.VENDOR_DEADLINE = 90, 20
    assert push._batch_time_budget() == 65.0  # 90 - 20 - 5
    settings.Q_TIMEOUT = 20
    assert push._batch_time_budget() == 5.0  # never less
