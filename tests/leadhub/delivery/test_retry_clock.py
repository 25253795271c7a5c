"""The retry clock: due retries handed out once, at their time; nothing else."""

from __future__ import annotations

import statistics
import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from leadhub.delivery.outbox import PUSH_BATCH_TASK
from leadhub.delivery.push import submission_push
from leadhub.delivery.retry_clock import retries_hand_out, retry_clock_run
from leadhub.models import Attempt, Submission
from leadhub.statuses import SubmissionStatus
from sandbox.faults import sandbox_fault_set
from sandbox.models import FaultMode, SandboxRecord
from tests.factories import ConnectionFactory, SubmissionFactory
from tests.leadhub.delivery.conftest import PAYLOAD, Task
from vendors.models import Destination

# The outbox hands tasks over on commit.
pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus
SECOND = timedelta(seconds=1)


def test_a_due_retry_is_handed_out_once_and_stamped(handed_tasks: list[Task]) -> None:
    now = timezone.now()
    due = SubmissionFactory(
        status=S.RETRY_WAIT, next_attempt_at=now - SECOND, enqueued_at=now - 10 * SECOND
    )
    assert retries_hand_out(now=now) == 1
    assert handed_tasks == [(PUSH_BATCH_TASK, [due.pk])]
    due.refresh_from_db()
    assert due.enqueued_at is not None and due.enqueued_at >= due.next_attempt_at
    # The next tick finds it handed out already.
    assert retries_hand_out(now=now + SECOND) == 0
    assert len(handed_tasks) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"status": S.RETRY_WAIT, "next_attempt_at_in": 5},  # not yet due
        {"status": S.QUEUED, "next_attempt_at_in": -5},  # not a retry: the outbox's own
        {"status": S.RETRY_WAIT, "next_attempt_at_in": -5, "paused": True},  # held
    ],
    ids=["not-due", "queued", "paused-connection"],
)
def test_the_clock_leaves_what_is_not_a_due_retry_alone(
    handed_tasks: list[Task], fields: dict
) -> None:
    now = timezone.now()
    connection = ConnectionFactory(paused_at=now if fields.get("paused") else None)
    SubmissionFactory(
        destination__connection=connection,
        status=fields["status"],
        next_attempt_at=now + fields["next_attempt_at_in"] * SECOND,
        enqueued_at=now - 60 * SECOND,
    )
    assert retries_hand_out(now=now) == 0
    assert handed_tasks == []


def test_a_retry_handed_out_at_its_time_is_sent_at_once(leadbyte_destination: Destination) -> None:
    """The whole way, over real HTTP: a 503, then the clock's tick sends the retry."""
    sandbox_fault_set(leadbyte_destination.connection, FaultMode.HTTP_503)
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.RETRY_WAIT
    Submission.objects.filter(pk=submission.pk).update(next_attempt_at=timezone.now())
    assert retries_hand_out() == 1
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert submission.attempt_count == 2
    assert SandboxRecord.objects.filter(endpoint="leads", accepted=True).count() == 1


def test_the_clock_loop_ticks_until_stopped(handed_tasks: list[Task]) -> None:
    SubmissionFactory(status=S.RETRY_WAIT, next_attempt_at=timezone.now() - SECOND)
    stop = threading.Event()
    retry_clock_run(tick=0.01, stop=stop, ticks=3)
    assert len(handed_tasks) == 1
    stop.set()
    retry_clock_run(tick=0.01, stop=stop)  # returns at once once stopped


def test_due_retries_start_within_two_seconds_of_their_time(
    leadbyte_destination: Destination,
) -> None:
    """The clock running in its own thread (tasks run inline here, so its thread sends):
    ten retries falling due over three seconds each start within 2 s of their time, p95.
    The same with real processes and the broker: test_delivery_processes (PostgreSQL)."""
    now = timezone.now()
    due = {
        SubmissionFactory(
            destination=leadbyte_destination,
            payload={**PAYLOAD, "email": f"retry{n}@example.com"},
            status=S.RETRY_WAIT,
            attempt_count=1,
            next_attempt_at=now + timedelta(seconds=1 + 0.3 * n),
            enqueued_at=now - 60 * SECOND,
        ).pk: now + timedelta(seconds=1 + 0.3 * n)
        for n in range(10)
    }
    stop = threading.Event()

    def run_clock() -> None:
        try:
            retry_clock_run(tick=0.5, stop=stop)
        finally:
            connections.close_all()

    clock = threading.Thread(target=run_clock)
    clock.start()
    # No queries from here while the clock runs: SQLite's shared in-memory test database
    # locks whole tables between threads, without waiting.
    time.sleep((max(due.values()) - timezone.now()).total_seconds() + 2.5)
    stop.set()
    clock.join()
    started = dict(
        Attempt.objects.filter(submission_id__in=due).values_list("submission_id", "started_at")
    )
    assert set(started) == set(due)  # every retry was sent
    lateness = sorted((started[pk] - due[pk]).total_seconds() for pk in due)
    assert lateness[0] >= -0.05  # none before its time
    assert statistics.quantiles(lateness, n=20)[-1] <= 2.0, lateness
