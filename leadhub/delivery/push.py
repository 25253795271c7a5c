"""Push: claim a submission, send it to its vendor, record what the vendor answered.

Every exchange is kept as an Attempt with secrets masked; the answer moves the row
(accepted, rejected, a retry booked with backoff and jitter, exhausted, held for review)
and feeds the connection's circuit breaker (vendors.connection_state).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from leadhub.delivery.backoff import retry_at
from leadhub.delivery.bulkhead import connection_unbounded
from leadhub.delivery.outbox import push_batch_continue, submissions_release_waiting
from leadhub.delivery.outcome_checks import outcome_check_start
from leadhub.delivery.rows import (
    attempts_for,
    locked_rows,
    submission_claim,
    submission_settle,
    waiting_take,
)
from leadhub.models import Attempt, AttemptKind, Submission
from leadhub.statuses import OUTCOME_STATUS, REPORTED_LATER, SubmissionStatus
from vendors.clients import connection_client
from vendors.connection_state import connection_record_result
from vendors.outcomes import Outcome, rule_for
from vendors.results import Delivery, VendorResult

logger = logging.getLogger(__name__)

S = SubmissionStatus


def submission_push(*, submission_id: int, until: float | None = None) -> Submission | None:
    """Send one submission to its vendor, unless another worker has it or it is not due.

    The send ends with a slot of its connection free: the rows that waited for one go next
    (delivery.bulkhead), pushed by this worker while ``until`` allows (a monotonic time;
    by default the task's time budget from now).
    """
    until = time.monotonic() + _batch_time_budget() if until is None else until
    submission = submission_claim(submission_id)
    if submission is None:
        return None
    recorded = _send(submission)
    # An unbounded connection has no slot to hand on; only rows that waited while it was
    # bounded may be left (seen when the claim read the row).
    unbounded = connection_unbounded(submission.connection, now=timezone.now())
    if unbounded and not _claimed(submission, "slot_waiters", True):
        return recorded
    _push_waiting(submission.connection_id, until=until)
    return recorded


def _send(submission: Submission) -> Submission:
    delivery = connection_client(submission.connection).submit(
        submission.operation, submission.payload
    )
    return _record(submission, delivery)


def _push_waiting(connection_id: int, *, until: float) -> None:
    """Push the rows that waited for this connection's slot one after another, the slot
    staying with this worker: a round trip through the broker per row would leave it idle
    (ORM broker: a poll) between sends. Stops when none waits, another worker has taken
    the slot, or time is up; then hands out what a free slot allows."""
    while time.monotonic() < until:
        taken = waiting_take(connection_id, 1)
        if not taken:
            return
        claimed = submission_claim(taken[0])
        if claimed is None:
            break  # another worker has the slot; its sends end the same way
        _send(claimed)
    submissions_release_waiting(connection_id=connection_id)


def _batch_time_budget() -> float:
    """Seconds a task may push for before handing the rest on: below the task timeout, with
    room for one last vendor call (its deadline bounds it)."""
    return float(max(5.0, settings.Q_TIMEOUT - settings.VENDOR_DEADLINE - 5.0))


def submissions_push_batch(*, submission_ids: Sequence[int]) -> int:
    """Push each submission in turn; return how many were tried.

    What the time budget leaves is enqueued again as a new batch. A push that fails is logged
    and left to the dispatcher's recovery; it does not stop the rest.
    """
    ids = [int(pk) for pk in submission_ids]
    deadline = time.monotonic() + _batch_time_budget()
    for done, pk in enumerate(ids):
        if time.monotonic() > deadline:
            push_batch_continue(ids[done:])
            return done
        try:
            submission_push(submission_id=pk, until=deadline)
        except Exception:
            logger.exception("submission %s: push failed", pk)
    return len(ids)


def retry_delays() -> list[int]:
    return [int(d) for d in settings.SUBMISSION_RETRY_DELAYS]


def attempt_budget() -> int:
    """The most sends one submission gets, however each ended (an answer, an error, a worker
    that stopped): the first and one per retry delay."""
    return len(retry_delays()) + 1


def next_retry_at(attempt_count: int, retry_after: float | None) -> datetime | None:
    """When to try again after ``attempt_count`` sends, or None once retries are spent."""
    return retry_at(
        retry_delays(),
        attempt_count,
        retry_after,
        jitter=settings.SUBMISSION_RETRY_JITTER,
        max_retry_after=settings.SUBMISSION_MAX_RETRY_AFTER,
    )


def _record(submission: Submission, delivery: Delivery) -> Submission:
    """Keep the exchanges and move the row where the answer puts it, in one transaction:
    the row's conditional UPDATE first (it holds the row), then its attempts."""
    result = delivery.result
    now = timezone.now()
    with transaction.atomic():
        if _apply(submission, result, now):
            Attempt.objects.bulk_create(
                attempts_for(
                    submission,
                    delivery.exchanges,
                    result,
                    AttemptKind.SEND,
                    after=_claimed(submission, "last_attempt_number", None),
                )
            )
        else:
            # The lease ran out and the row moved on without us: keep the exchange on
            # record, leave the row to whoever holds it now.
            logger.warning(
                "submission %s: answer for attempt %s arrived after its lease; not applied",
                submission.pk,
                submission.attempt_count,
            )
            locked = locked_rows(Submission.objects.all(), skip_locked=False).get(pk=submission.pk)
            Attempt.objects.bulk_create(
                attempts_for(locked, delivery.exchanges, result, AttemptKind.SEND)
            )
            return locked
    connection_record_result(
        connection_id=submission.connection_id,
        result=result,
        known=submission.connection,
        slow=_took(delivery) > settings.VENDOR_SLOW_AFTER,
    )
    logger.info(
        "submission %s to %s: %s", submission.pk, submission.connection.kind, submission.status
    )
    return submission


def _claimed(submission: Submission, name: str, default: Any) -> Any:
    """What the claim read beside the row (rows._claim_read), or ``default`` for a row
    that did not come from a claim."""
    return getattr(submission, name, default)


def _took(delivery: Delivery) -> float:
    """Seconds the send's exchanges took in all."""
    return sum(exchange.duration_ms for exchange in delivery.exchanges) / 1000


def _apply(submission: Submission, result: VendorResult, now: datetime) -> bool:
    """Move the claimed row to where the vendor's answer puts it; False if it is no longer
    this worker's."""
    fields = _result_fields(result)
    if result.outcome is Outcome.TRANSIENT:
        honoured = result.retry_after if rule_for(result.condition).honours_retry_after else None
        retry_at = next_retry_at(submission.attempt_count, honoured)
        if retry_at is None:
            fields["vendor_message"] = (
                f"Gave up after {submission.attempt_count} attempts. {result.message}"
            )
            return submission_settle(submission, S.EXHAUSTED, completed_at=now, **fields)
        return submission_settle(submission, S.RETRY_WAIT, next_attempt_at=retry_at, **fields)
    new_status = OUTCOME_STATUS[result.outcome]
    if new_status in REPORTED_LATER:
        fields.update(outcome_check_start(submission, result, now))
    return submission_settle(submission, new_status, completed_at=now, **fields)


def _result_fields(result: VendorResult) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "vendor_message": result.message,
        "vendor_code": result.code,
        "field_errors": result.field_errors,
    }
    if result.reference:
        fields["vendor_reference"] = result.reference
    if result.links:
        fields["links"] = result.links
    if result.data:
        fields["response_data"] = result.data
    return fields
