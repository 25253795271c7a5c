"""The dispatcher: the safety net that runs every minute.

Tasks may never arrive (the Redis broker loses in-flight tasks, a worker is killed). The
dispatcher enqueues again queued rows whose task is overdue and retries the retry clock
missed, recovers SENDING leases whose worker died, sends one probe per connection paused
after failures, and hands out the outcome checks that are due.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.models import Schedule

from leadhub.delivery.breaker import probes_due
from leadhub.delivery.outbox import (
    outcome_checks_enqueue,
    submissions_enqueue_batches,
    submissions_enqueue_many,
)
from leadhub.delivery.push import attempt_budget
from leadhub.delivery.rows import locked_rows, next_attempt_number, submission_transition
from leadhub.models import Attempt, AttemptKind, Submission
from leadhub.statuses import SubmissionStatus
from vendors.outcomes import Condition, Outcome, resend_is_safe

logger = logging.getLogger(__name__)

S = SubmissionStatus

DISPATCHER_SCHEDULE = "leadhub: dispatch due submissions"
# The most submissions one dispatcher run hands out, oldest first; the next run takes more.
DISPATCH_LIMIT = 2000
# The most outcome checks one run hands out.
OUTCOME_CHECK_LIMIT = 5000
# The retry clock hands a retry out within a second of its time; one still waiting this
# long after it was lost (the clock was down, the task went missing) and is enqueued again.
RETRY_LOST_AFTER = timedelta(seconds=60)


def submissions_dispatch_due() -> int:
    """Enqueue every submission that is due and has no worker on it; return how many."""
    now = timezone.now()
    recovered = submissions_recover_stale_leases(now=now)
    active = Q(connection__paused_at__isnull=True)
    lost_after = now - timedelta(seconds=settings.SUBMISSION_REQUEUE_AFTER)
    retries = Submission.objects.filter(
        active, status=S.RETRY_WAIT, next_attempt_at__lte=now - RETRY_LOST_AFTER
    )
    lost = Submission.objects.filter(active, status=S.QUEUED).filter(
        Q(enqueued_at__lt=lost_after) | Q(enqueued_at__isnull=True)
    )
    due = list(retries.order_by("next_attempt_at").values_list("pk", flat=True)[:DISPATCH_LIMIT])
    due += list(
        lost.order_by("enqueued_at").values_list("pk", flat=True)[: DISPATCH_LIMIT - len(due)]
    )
    due += probes_due(now=now)
    with transaction.atomic():
        submissions_enqueue_batches(submission_ids=due)
    checks = list(
        Submission.objects.filter(next_check_at__lte=now).values_list("pk", flat=True)[
            :OUTCOME_CHECK_LIMIT
        ]
    )
    outcome_checks_enqueue(checks)
    return len(due) + recovered + len(checks)


def submissions_recover_stale_leases(*, now: datetime | None = None) -> int:
    """SENDING rows whose worker died: send again where the vendor refuses a lead it
    already has and the attempt budget allows, otherwise hold for a person (the vendor may
    have it, or every send allowed is spent)."""
    now = now or timezone.now()
    stale_lease = now - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
    count = 0
    for pk in Submission.objects.filter(status=S.SENDING, sent_at__lt=stale_lease).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            rows = locked_rows(Submission.objects.select_related("connection"), skip_locked=True)
            locked = rows.filter(pk=pk).first()
            if locked is None or locked.status != S.SENDING:
                continue
            if locked.sent_at is None or locked.sent_at >= stale_lease:
                continue
            _recover(locked, now)
            count += 1
    return count


def _recover(locked: Submission, now: datetime) -> None:
    """Record the lost send on the locked row and move it on: queued again, exhausted
    (the budget is spent) or uncertain (the vendor may have it)."""
    safe = resend_is_safe(locked.connection.adapter_class, locked.operation)
    # A send whose worker stopped counts like any other: the claim counted it.
    spent = locked.attempt_count >= attempt_budget()
    if not safe:
        status = S.UNCERTAIN
        message = (
            "The worker stopped while sending; the vendor may have the lead: "
            "check it there before sending again."
        )
    elif spent:
        status = S.EXHAUSTED
        stopped = locked.attempts.filter(kind=AttemptKind.LOST).count() + 1
        times = "once" if stopped == 1 else f"{stopped} times"
        message = (
            f"The worker stopped while sending {times}; gave up after the attempt budget "
            f"of {attempt_budget()}."
        )
    else:
        status = S.QUEUED
        message = (
            "The worker stopped while sending; sent again (the vendor refuses a lead it "
            "already has)."
        )
    Attempt.objects.create(
        submission=locked,
        number=next_attempt_number(locked),
        kind=AttemptKind.LOST,
        condition=Condition.NO_ANSWER,
        started_at=locked.sent_at or now,
        outcome=Outcome.TRANSIENT if safe else Outcome.UNCERTAIN,
        message=message,
    )
    if status == S.QUEUED:
        submission_transition(locked, S.QUEUED, vendor_message=message)
        submissions_enqueue_many([locked.pk])
        return
    submission_transition(locked, status, vendor_message=message, completed_at=now)
    if status == S.EXHAUSTED:
        # Beside the admin's "needs attention" count: a push that never completes is a
        # fault of the worker or the vendor that a person should hear about.
        logger.warning("submission %s: %s", locked.pk, message)


def dispatcher_schedule_ensure() -> None:
    """The dispatcher's schedule, as the migration creates it (for databases set up by hand
    or flushed, as between tests)."""
    Schedule.objects.update_or_create(
        name=DISPATCHER_SCHEDULE,
        defaults={
            "func": "leadhub.tasks.dispatch_due_submissions",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
