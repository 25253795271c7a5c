"""The retry clock: hands each retry (a submission's, a webhook delivery's) to the worker
within a second of its due time.

django-q2's scheduler wakes every 30 s, so a retry booked with it starts up to 30 s late.
The clock is one small process (``manage.py retry_clock``) that looks every
``RETRY_CLOCK_TICK`` seconds for retries whose time has come and have not been handed out,
stamps them and enqueues them. It decides nothing: the claim in ``rows`` still checks that
a row is due and waiting, so a second clock, or the dispatcher's safety net, only costs a
task that finds nothing to do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from leadhub.delivery.outbox import submissions_enqueue_batches
from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus as S

logger = logging.getLogger(__name__)

# The most retries one tick hands out; the next tick takes the rest.
HAND_OUT_LIMIT = 1000


def retries_not_handed_out() -> Q:
    """Retry rows whose retry has not been handed to the worker: the stamp, set when a row
    is handed out, is older than the due time the last attempt set."""
    return Q(status=S.RETRY_WAIT, connection__paused_at__isnull=True) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at"))
    )


def retries_hand_out(*, now: datetime | None = None) -> int:
    """Enqueue every retry that is due and not yet handed out; return how many."""
    now = now or timezone.now()
    due = list(
        Submission.objects.filter(retries_not_handed_out(), next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:HAND_OUT_LIMIT]
    )
    if due:
        with transaction.atomic():
            submissions_enqueue_batches(submission_ids=due)
    return len(due)


# What one tick runs: each hands out the due retries of one outbox and says how many.
HandOut = Callable[[], int]


def retry_clock_run(
    *,
    tick: float,
    stop: threading.Event,
    ticks: int | None = None,
    hand_outs: Sequence[HandOut] = (retries_hand_out,),
) -> None:
    """Run ``hand_outs`` (the submissions' retries; the command adds the webhooks') every
    ``tick`` seconds until ``stop`` is set (or ``ticks`` ran).

    A database error (a restart, a dropped connection) is logged and the next tick tries
    again with a fresh connection: the clock outlives the database's hiccups.
    """
    done = 0
    while not stop.is_set() and (ticks is None or done < ticks):
        started = time.monotonic()
        close_old_connections()
        for hand_out in hand_outs:
            try:
                handed = hand_out()
            except DatabaseError:
                logger.exception("retry clock: the database failed; trying again next tick")
                close_old_connections()
                break
            if handed:
                logger.info("retry clock: handed out %s retries", handed)
        done += 1
        stop.wait(max(0.0, tick - (time.monotonic() - started)))
