"""Submissions: create, enqueue, push to the vendor, and record what it answered."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from leadhub.models import Attempt, Lead, Submission
from leadhub.statuses import OUTCOME_STATUS, SubmissionStatus, check_transition
from vendors.base import Delivery, Outcome
from vendors.models import Connection, Destination

logger = logging.getLogger(__name__)

S = SubmissionStatus
PUSH_TASK = "leadhub.tasks.push_submission"
PUSH_BATCH_TASK = "leadhub.tasks.push_submission_batch"
# One broker message per this many submissions when many are queued at once (bulk import,
# the dispatcher): 100,000 imported leads become 1,000 messages, not 100,000.
PUSH_BATCH_SIZE = 100
# The most submissions one dispatcher run hands out, oldest first; the next run takes more.
DISPATCH_LIMIT = 2000


def submission_build(
    *, lead: Lead, destination: Destination, payload: dict[str, Any], created_by: Any = None
) -> Submission:
    """An unsaved queued submission (the bulk import saves many at once)."""
    return Submission(
        lead=lead,
        destination=destination,
        connection=destination.connection,
        operation=destination.operation,
        campaign=destination.campaign,
        payload=payload,
        created_by=created_by,
    )


def submission_create(
    *, lead: Lead, destination: Destination, payload: dict[str, Any], created_by: Any = None
) -> Submission:
    """Create a queued submission; it is pushed in the background once the caller commits."""
    submission = submission_build(
        lead=lead, destination=destination, payload=payload, created_by=created_by
    )
    submission.save()
    submission_enqueue(submission_id=submission.pk)
    return submission


def submissions_enqueue_batches(*, submission_ids: Sequence[int]) -> int:
    """Hand many primary keys to the worker after commit, PUSH_BATCH_SIZE per message.

    Returns the number of messages. Each batch is pushed one submission after another by one
    worker, so a big import cannot flood the broker or crowd out leads typed in meanwhile.
    """
    ids = [int(pk) for pk in submission_ids]
    batches = [ids[i : i + PUSH_BATCH_SIZE] for i in range(0, len(ids), PUSH_BATCH_SIZE)]

    def enqueue() -> None:
        for batch in batches:
            async_task(PUSH_BATCH_TASK, batch, group="push")

    if batches:
        transaction.on_commit(enqueue)
    return len(batches)


def _batch_time_budget() -> float:
    """Seconds a batch may run before handing its rest on: below the task timeout, with room
    for one last vendor call."""
    vendor_call = settings.VENDOR_CONNECT_TIMEOUT + settings.VENDOR_READ_TIMEOUT
    return max(5.0, settings.Q_TIMEOUT - vendor_call - 5.0)


def submissions_push_batch(*, submission_ids: Sequence[int]) -> int:
    """Push each submission in turn; return how many were tried.

    What the time budget leaves is enqueued again as a new batch. A push that fails is logged
    and left to the dispatcher's recovery; it does not stop the rest.
    """
    ids = [int(pk) for pk in submission_ids]
    deadline = time.monotonic() + _batch_time_budget()
    for done, pk in enumerate(ids):
        if time.monotonic() > deadline:
            async_task(PUSH_BATCH_TASK, ids[done:], group="push")
            return done
        try:
            submission_push(submission_id=pk)
        except Exception:
            logger.exception("submission %s: push failed", pk)
    return len(ids)


def submission_enqueue(*, submission_id: int) -> None:
    """Hand the submission's primary key to the worker after the current transaction commits."""
    transaction.on_commit(lambda: async_task(PUSH_TASK, submission_id, group="push"))


def submission_transition(submission: Submission, new_status: str, **fields: Any) -> None:
    check_transition(submission.status, new_status)
    submission.status = new_status
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.save(update_fields=["status", "updated_at", *fields])


def submission_push(*, submission_id: int) -> Submission | None:
    """Send one submission to its vendor, unless another worker has it or it is not due.

    The row is taken under a lock and moved to SENDING before any HTTP is made, so a second
    delivery of the same task, or a second cluster, finds it taken and does nothing.
    """
    submission = _claim(submission_id)
    if submission is None:
        return None
    adapter = submission.connection.adapter()
    delivery = adapter.submit(submission.operation, submission.payload)
    return _record(submission, delivery)


def _claim(submission_id: int) -> Submission | None:
    skip_locked = db_connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        rows = Submission.objects.select_for_update(skip_locked=skip_locked).select_related(
            "connection"
        )
        submission = rows.filter(pk=submission_id).first()
        if submission is None:
            return None
        due = submission.next_attempt_at is None or submission.next_attempt_at <= timezone.now()
        if submission.status not in (S.QUEUED, S.RETRY_WAIT) or not due:
            return None
        submission_transition(
            submission,
            S.SENDING,
            attempt_count=submission.attempt_count + 1,
            sent_at=timezone.now(),
            next_attempt_at=None,
        )
        return submission


def retry_delays() -> list[int]:
    return list(settings.SUBMISSION_RETRY_DELAYS)


def _next_retry_at(attempt_count: int, retry_after: float | None) -> Any:
    delays = retry_delays()
    if attempt_count > len(delays):
        return None
    delay = float(delays[attempt_count - 1])
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.SUBMISSION_MAX_RETRY_AFTER))
    jitter = delay * settings.SUBMISSION_RETRY_JITTER * random.random()
    return timezone.now() + timedelta(seconds=delay + jitter)


def _record(submission: Submission, delivery: Delivery) -> Submission:
    result = delivery.result
    now = timezone.now()
    with transaction.atomic():
        first_number = submission.attempts.count() + 1
        Attempt.objects.bulk_create(
            Attempt(
                submission=submission,
                number=first_number + i,
                duration_ms=exchange.duration_ms,
                request=exchange.request,
                status_code=exchange.status_code,
                response_body=exchange.response_body,
                outcome=result.outcome if i == len(delivery.exchanges) - 1 else "",
                message=exchange.error
                or (result.message if i == len(delivery.exchanges) - 1 else ""),
            )
            for i, exchange in enumerate(delivery.exchanges)
        )
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
        if result.outcome is Outcome.TRANSIENT:
            retry_at = _next_retry_at(submission.attempt_count, result.retry_after)
            if retry_at is None:
                submission_transition(submission, S.EXHAUSTED, completed_at=now, **fields)
            else:
                submission_transition(submission, S.RETRY_WAIT, next_attempt_at=retry_at, **fields)
        else:
            new_status = OUTCOME_STATUS[result.outcome]
            submission_transition(submission, new_status, completed_at=now, **fields)
        _record_on_connection(submission.connection, result.outcome, result.message, now)
    if submission.status == S.RETRY_WAIT and submission.next_attempt_at is not None:
        _schedule_retry(submission)
    logger.info(
        "submission %s to %s: %s", submission.pk, submission.connection.kind, submission.status
    )
    return submission


def _record_on_connection(connection: Connection, outcome: Outcome, message: str, now: Any) -> None:
    if outcome in (Outcome.ACCEPTED, Outcome.QUARANTINED, Outcome.DUPLICATE):
        Connection.objects.filter(pk=connection.pk).update(last_success_at=now)
    elif outcome in (Outcome.TRANSIENT, Outcome.UNCERTAIN):
        Connection.objects.filter(pk=connection.pk).update(last_error=message, last_error_at=now)


def _schedule_retry(submission: Submission) -> None:
    """Book the retry with django-q2 as well; the dispatcher is the safety net."""
    from django_q.models import Schedule

    Schedule.objects.create(
        name=f"retry-submission-{submission.pk}-{submission.attempt_count}",
        func=PUSH_TASK,
        args=str(submission.pk),
        schedule_type=Schedule.ONCE,
        repeats=-1,
        next_run=submission.next_attempt_at,
    )


def submissions_dispatch_due() -> int:
    """Enqueue every submission that is due and has no worker on it; return how many.

    Runs on a schedule: it catches retries whose booking was lost, queued rows whose task a
    broker lost, and SENDING leases left by a worker that died.
    """
    now = timezone.now()
    stale_lease = now - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
    lost_after = now - timedelta(seconds=settings.SUBMISSION_REQUEUE_AFTER)
    recovered = Submission.objects.filter(status=S.SENDING, sent_at__lt=stale_lease)
    for submission in recovered:
        # The worker died mid-send: we cannot know whether the vendor got it.
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            if locked.status == S.SENDING and locked.sent_at and locked.sent_at < stale_lease:
                new = (
                    S.QUEUED
                    if locked.connection.adapter_class.rejects_resent_leads
                    else S.UNCERTAIN
                )
                submission_transition(
                    locked,
                    new,
                    vendor_message="The worker stopped while sending; "
                    + ("sent again." if new == S.QUEUED else "check the vendor before resending."),
                )
                if new == S.QUEUED:
                    submission_enqueue(submission_id=locked.pk)
    retry_due = Submission.objects.filter(status=S.RETRY_WAIT, next_attempt_at__lte=now)
    lost = Submission.objects.filter(status=S.QUEUED, updated_at__lt=lost_after)
    due = list(retry_due.order_by("next_attempt_at").values_list("pk", flat=True)[:DISPATCH_LIMIT])
    due += list(
        lost.order_by("updated_at").values_list("pk", flat=True)[: DISPATCH_LIMIT - len(due)]
    )
    submissions_enqueue_batches(submission_ids=due)
    return len(due)


def submission_resend(*, submission: Submission, payload: dict[str, Any] | None = None) -> None:
    """Queue a failed, exhausted or unanswered submission again (optionally edited)."""
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        fields: dict[str, Any] = {"next_attempt_at": None, "completed_at": None}
        if payload is not None:
            fields["payload"] = payload
        submission_transition(locked, S.QUEUED, **fields)
        submission_enqueue(submission_id=locked.pk)
