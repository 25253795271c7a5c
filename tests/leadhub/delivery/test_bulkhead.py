"""The bulkhead: a connection with every slot taken is not sent to; its rows wait queued and
go as soon as a send of that connection ends."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from leadhub.delivery import bulkhead, push, rows
from leadhub.delivery.bulkhead import SLOT_WAIT
from leadhub.delivery.dispatcher import submissions_dispatch_due
from leadhub.delivery.outbox import PUSH_TASK, submissions_release_waiting
from leadhub.delivery.push import submission_push
from leadhub.delivery.rows import submission_claim
from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from tests.factories import ConnectionFactory, DestinationFactory, SubmissionFactory
from tests.leadhub.delivery.conftest import PAYLOAD, Task
from vendors.connection_state import connection_resume
from vendors.models import Connection, Destination, PauseReason

pytestmark = pytest.mark.django_db

S = SubmissionStatus


def on_connection(connection: Connection, **fields: object) -> Submission:
    return SubmissionFactory(destination=DestinationFactory(connection=connection), **fields)


def sending(connection: Connection, *, ago: timedelta = timedelta(seconds=1)) -> Submission:
    """A send of ``connection`` in flight, started ``ago``."""
    return on_connection(
        connection, status=S.SENDING, attempt_count=1, sent_at=timezone.now() - ago
    )


def test_a_connection_with_every_slot_taken_is_not_sent_to_and_the_row_waits() -> None:
    connection = ConnectionFactory(max_in_flight=1)
    sending(connection)
    waiting = on_connection(connection)
    before = timezone.now()
    assert submission_claim(waiting.pk) is None
    fresh = Submission.objects.get(pk=waiting.pk)
    # Queued, not counted as an attempt, not an error.
    assert (fresh.status, fresh.attempt_count, fresh.vendor_message) == (S.QUEUED, 0, "")
    assert not fresh.attempts.exists()
    assert before + SLOT_WAIT <= fresh.next_attempt_at <= timezone.now() + SLOT_WAIT
    assert fresh.enqueued_at >= before  # accounted for: the dispatcher waits for a release


def test_a_due_retry_that_finds_no_slot_waits_queued_without_losing_its_count() -> None:
    connection = ConnectionFactory(max_in_flight=1)
    sending(connection)
    retry = on_connection(
        connection, status=S.RETRY_WAIT, attempt_count=2, next_attempt_at=timezone.now()
    )
    assert submission_claim(retry.pk) is None
    fresh = Submission.objects.get(pk=retry.pk)
    assert (fresh.status, fresh.attempt_count) == (S.QUEUED, 2)


def test_a_connection_takes_as_many_sends_as_its_slots() -> None:
    connection = ConnectionFactory(max_in_flight=2)
    sending(connection)
    second, third = on_connection(connection), on_connection(connection)
    assert submission_claim(second.pk) is not None
    assert submission_claim(third.pk) is None


def test_a_connection_without_its_own_limit_has_the_default(settings) -> None:
    settings.VENDOR_MAX_IN_FLIGHT = 2
    connection = ConnectionFactory()
    sending(connection)
    assert submission_claim(on_connection(connection).pk) is not None
    assert submission_claim(on_connection(connection).pk) is None


def test_other_connections_are_sent_to_while_one_has_every_slot_taken() -> None:
    full = ConnectionFactory(max_in_flight=1)
    sending(full)
    elsewhere = on_connection(ConnectionFactory(max_in_flight=1))
    assert submission_claim(elsewhere.pk) is not None


def test_a_send_older_than_the_task_timeout_holds_no_slot(settings) -> None:
    # Its worker was killed at Q_TIMEOUT at the latest; the lease runs out only later.
    connection = ConnectionFactory(max_in_flight=1)
    lingering = sending(connection, ago=timedelta(seconds=settings.Q_TIMEOUT - 5))
    assert submission_claim(on_connection(connection).pk) is None
    Submission.objects.filter(pk=lingering.pk).update(
        sent_at=timezone.now() - timedelta(seconds=settings.Q_TIMEOUT + 1)
    )
    assert submission_claim(on_connection(connection).pk) is not None


def test_a_task_for_a_waiting_row_before_its_wait_is_over_changes_nothing() -> None:
    connection = ConnectionFactory(max_in_flight=1)
    sending(connection)
    waiting = on_connection(connection)
    submission_claim(waiting.pk)
    marked = Submission.objects.get(pk=waiting.pk).next_attempt_at
    Submission.objects.filter(status=S.SENDING).update(status=S.ACCEPTED)  # a slot is free
    assert submission_claim(waiting.pk) is None  # not due yet: the release hands it out
    assert Submission.objects.get(pk=waiting.pk).next_attempt_at == marked


# --- the release ---------------------------------------------------------------------------

# Tasks are handed out when the transaction commits.
on_commit = pytest.mark.django_db(transaction=True)


@on_commit
def test_a_free_slot_hands_out_the_oldest_waiting_rows_one_per_slot(
    handed_tasks: list[Task],
) -> None:
    connection = ConnectionFactory(max_in_flight=2)
    in_flight = sending(connection)
    oldest, younger, youngest = (on_connection(connection) for _ in range(3))
    sending(connection)
    for row in (oldest, younger, youngest):
        assert submission_claim(row.pk) is None
    handed_tasks.clear()
    assert submissions_release_waiting(connection_id=connection.pk) == []  # still full

    Submission.objects.filter(pk=in_flight.pk).update(status=S.ACCEPTED)
    assert submissions_release_waiting(connection_id=connection.pk) == [oldest.pk]
    assert handed_tasks == [(PUSH_TASK, oldest.pk)]
    fresh = Submission.objects.get(pk=oldest.pk)
    assert (fresh.status, fresh.next_attempt_at) == (S.QUEUED, None)
    assert submission_claim(oldest.pk) is not None  # due at once


def two_leads_one_waiting(destination: Destination) -> tuple[Submission, Submission]:
    """Two leads to a connection with one slot: the first in flight when the second's push
    came, so the second waits; then the first back to queued, to be pushed for real."""
    Connection.objects.filter(pk=destination.connection_id).update(max_in_flight=1)
    first = SubmissionFactory(destination=destination, payload=PAYLOAD)
    waiting = SubmissionFactory(
        destination=destination, payload={**PAYLOAD, "email": "kate@example.com"}
    )
    assert submission_claim(first.pk) is not None
    assert submission_push(submission_id=waiting.pk) is None
    assert Submission.objects.get(pk=waiting.pk).next_attempt_at is not None
    Submission.objects.filter(pk=first.pk).update(status=S.QUEUED, attempt_count=0)
    return first, waiting


@on_commit
def test_the_worker_whose_send_ends_pushes_the_row_that_waited_for_its_slot(
    leadbyte_destination: Destination, handed_tasks: list[Task]
) -> None:
    first, waiting = two_leads_one_waiting(leadbyte_destination)
    handed_tasks.clear()
    assert submission_push(submission_id=first.pk).status == S.ACCEPTED
    # No round trip through the broker: the slot went straight to the waiting row.
    assert handed_tasks == []
    fresh = Submission.objects.get(pk=waiting.pk)
    assert (fresh.status, fresh.attempt_count) == (S.ACCEPTED, 1)


@on_commit
def test_a_worker_out_of_time_hands_the_waiting_row_to_the_broker(
    leadbyte_destination: Destination, handed_tasks: list[Task]
) -> None:
    first, waiting = two_leads_one_waiting(leadbyte_destination)
    handed_tasks.clear()
    assert submission_push(submission_id=first.pk, until=0.0).status == S.ACCEPTED
    assert handed_tasks == [(PUSH_TASK, waiting.pk)]
    fresh = Submission.objects.get(pk=waiting.pk)
    assert (fresh.status, fresh.next_attempt_at) == (S.QUEUED, None)  # due at once


@on_commit
def test_a_worker_stops_pushing_waiting_rows_once_another_has_the_slot(
    leadbyte_destination: Destination, handed_tasks: list[Task]
) -> None:
    _, waiting = two_leads_one_waiting(leadbyte_destination)
    Submission.objects.filter(status=S.QUEUED).exclude(pk=waiting.pk).delete()
    # Another worker took the slot with a lead of its own.
    sending(leadbyte_destination.connection)
    Submission.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    handed_tasks.clear()
    push._push_waiting(leadbyte_destination.connection_id, until=time.monotonic() + 60)
    fresh = Submission.objects.get(pk=waiting.pk)
    assert fresh.status == S.QUEUED and fresh.next_attempt_at is not None  # waits again
    assert handed_tasks == []


@on_commit
def test_a_waiting_row_no_release_reached_is_found_by_the_dispatcher(
    settings, handed_tasks: list[Task]
) -> None:
    connection = ConnectionFactory(max_in_flight=1)
    sending(connection)
    waiting = on_connection(connection)
    submission_claim(waiting.pk)
    assert submissions_dispatch_due() == 0  # handed out just now: a release is expected
    long_ago = timezone.now() - timedelta(seconds=settings.SUBMISSION_REQUEUE_AFTER + 1)
    Submission.objects.filter(pk=waiting.pk).update(enqueued_at=long_ago, next_attempt_at=long_ago)
    handed_tasks.clear()
    submissions_dispatch_due()
    assert [pk for _, pk in handed_tasks] == [[waiting.pk]]  # one batch of one


@on_commit
def test_a_resumed_connection_sends_what_waited_for_a_slot_at_once(
    handed_tasks: list[Task],
) -> None:
    connection = ConnectionFactory(max_in_flight=1)
    waiting = on_connection(connection, next_attempt_at=timezone.now() + timedelta(minutes=5))
    Connection.objects.filter(pk=connection.pk).update(
        paused_at=timezone.now(), pause_reason=PauseReason.MANUAL
    )
    connection_resume(connection_id=connection.pk)
    assert (PUSH_TASK, waiting.pk) in handed_tasks
    assert Submission.objects.get(pk=waiting.pk).next_attempt_at <= timezone.now()


# --- races (PostgreSQL: SQLite runs one write transaction at a time) -----------------------

needs_postgresql = pytest.mark.skipif(
    db.vendor != "postgresql", reason="a real race needs two database connections at once"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_claim_waits_for_a_claim_on_the_same_connection_and_counts_it() -> None:
    connection = ConnectionFactory(max_in_flight=1)
    first, second = on_connection(connection), on_connection(connection)
    results: list[Submission | None] = []

    def other_worker() -> None:
        results.append(submission_claim(second.pk))
        db.close()

    with transaction.atomic():
        # The first claim, not yet committed: the second cannot see its row SENDING.
        assert submission_claim(first.pk) is not None
        thread = threading.Thread(target=other_worker)
        thread.start()
        time.sleep(0.5)  # the other claim is now waiting on the connection's slots
    thread.join(10)
    assert results == [None]
    assert Submission.objects.filter(status=S.SENDING).count() == 1
    assert Submission.objects.get(pk=second.pk).next_attempt_at is not None


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_claims_racing_on_one_connection_never_exceed_its_slots() -> None:
    connection = ConnectionFactory(max_in_flight=2)
    rows = [on_connection(connection) for _ in range(8)]
    start = threading.Barrier(len(rows))
    claimed: list[Submission | None] = []

    def worker(pk: int) -> None:
        start.wait()
        claimed.append(submission_claim(pk))
        db.close()

    threads = [threading.Thread(target=worker, args=(row.pk,)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sum(1 for c in claimed if c is not None) == 2
    assert Submission.objects.filter(status=S.SENDING).count() == 2
    assert Submission.objects.filter(status=S.QUEUED, next_attempt_at__isnull=False).count() == 6


# A connection answering quickly needs no limit: a quick send frees its worker at once.


def answering_quickly(**fields: object) -> Connection:
    return ConnectionFactory(**{"last_success_at": timezone.now(), **fields})


def test_a_connection_answering_quickly_takes_every_worker(settings) -> None:
    settings.VENDOR_MAX_IN_FLIGHT = 1
    connection = answering_quickly()
    sending(connection)
    assert submission_claim(on_connection(connection).pk) is not None
    assert submission_claim(on_connection(connection).pk) is not None


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"max_in_flight": 1}, id="a limit of its own"),
        pytest.param({"slow_at": timezone.now()}, id="slow lately"),
        pytest.param({"consecutive_failures": 1}, id="failing"),
        pytest.param(
            {"last_success_at": timezone.now() - bulkhead.FLOWING}, id="no success lately"
        ),
        pytest.param({"last_success_at": None}, id="never answered"),
    ],
)
def test_a_connection_is_bounded_unless_it_answers_quickly(settings, fields) -> None:
    settings.VENDOR_MAX_IN_FLIGHT = 1
    connection = answering_quickly(**fields)
    sending(connection)
    assert submission_claim(on_connection(connection).pk) is None


def test_a_slow_send_marks_its_connection_slow_and_bounds_it(
    settings, leadbyte_destination: Destination
) -> None:
    settings.VENDOR_MAX_IN_FLIGHT = 1
    settings.VENDOR_SLOW_AFTER = 0.0  # every send is slow
    Connection.objects.filter(pk=leadbyte_destination.connection_id).update(
        last_success_at=timezone.now()
    )
    row = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    pushed = submission_push(submission_id=row.pk)
    assert pushed is not None and pushed.status == S.ACCEPTED
    connection = Connection.objects.get(pk=leadbyte_destination.connection_id)
    assert connection.slow_at is not None
    assert not bulkhead.connection_unbounded(connection, now=timezone.now())


def test_a_row_changed_between_the_claims_read_and_its_update_is_sent_as_it_is_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "Edit and send again" lands between the claim's read and its UPDATE: the row must go
    # as it is now, never with the payload that was read.
    connection = answering_quickly()
    row = on_connection(connection, payload={"email": "old@example.com"})

    def edited_meanwhile(connection: Connection, *, now: object) -> bool:
        Submission.objects.filter(pk=row.pk).update(
            payload={"email": "new@example.com"}, updated_at=timezone.now()
        )
        return True

    monkeypatch.setattr(rows, "connection_unbounded", edited_meanwhile)
    claimed = submission_claim(row.pk)
    assert claimed is not None
    assert claimed.payload == {"email": "new@example.com"}
    assert Submission.objects.get(pk=row.pk).attempt_count == 1
