"""The sweep, run with the dispatcher every minute: due webhook deliveries to the worker.

A delivery's first send is booked on commit (``outbox``); its retries wait in RETRY_WAIT
until ``next_attempt_at``. Each minute the sweep hands out every waiting row that is due
and was not handed out since it became due, enqueues again rows whose task went missing,
and takes back a SENDING row whose worker died (its lease ran out): the attempt counts,
and it waits for its next retry like any failure.

Retries are handed out on time by the retry clock (``manage.py retry_clock``, which calls
``webhook_retries_hand_out`` every RETRY_CLOCK_TICK as it does the submissions'); the sweep
finds the same rows too and stays as the safety net when the clock is not running. Either
stamps a row as handed out, so a row due once is handed out once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from leadhub.statuses import WEBHOOK_WAITING, WebhookStatus
from leadhub.webhooks.models import WebhookAttempt, WebhookDelivery
from leadhub.webhooks.outbox import webhook_deliveries_enqueue
from leadhub.webhooks.send import (
    attempt_number_next,
    next_webhook_retry_at,
    webhook_delivery_transition,
)

logger = logging.getLogger(__name__)

W = WebhookStatus

# The most deliveries one sweep hands out, oldest first; the next takes more.
SWEEP_LIMIT = 2000
LOST_MESSAGE = "The worker stopped while sending; the endpoint may have it (same webhook-id)."


def _waiting() -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(status__in=WEBHOOK_WAITING, endpoint__is_active=True)


def due_webhook_retries(now: datetime) -> QuerySet[WebhookDelivery]:
    """Retries whose time has come and that were not handed out since: the stamp, set when
    a row is handed out, is older than the due time the last attempt set."""
    return _waiting().filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at")),
        status=W.RETRY_WAIT,
        next_attempt_at__lte=now,
    )


def webhook_retries_hand_out(*, now: datetime | None = None) -> int:
    """The retry clock's tick: enqueue every due retry not yet handed out; return how many."""
    now = now or timezone.now()
    due = list(
        due_webhook_retries(now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    if due:
        with transaction.atomic():
            webhook_deliveries_enqueue(due)
    return len(due)


def webhook_deliveries_dispatch_due(*, now: datetime | None = None) -> int:
    """Hand out every due delivery with no worker on it; return how many."""
    now = now or timezone.now()
    recovered = webhook_leases_recover(now=now)
    lost_after = now - timedelta(seconds=settings.SUBMISSION_REQUEUE_AFTER)
    due_retries = due_webhook_retries(now)
    lost = (
        _waiting()
        .filter(status=W.PENDING)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost_after))
    )
    due = list(due_retries.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_LIMIT])
    due += list(lost.order_by("created_at").values_list("pk", flat=True)[: SWEEP_LIMIT - len(due)])
    with transaction.atomic():
        webhook_deliveries_enqueue(due)
    return len(due) + recovered


def webhook_leases_recover(*, now: datetime | None = None) -> int:
    """SENDING rows whose lease ran out: the attempt is recorded as lost, the row waits for
    its next retry (or gives up once the retries are spent). Not counted against the
    endpoint's health: the worker stopped, not the endpoint."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
    count = 0
    for pk in WebhookDelivery.objects.filter(status=W.SENDING, sent_at__lt=stale).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            locked = WebhookDelivery.objects.select_for_update().filter(pk=pk).first()
            if locked is None or locked.status != W.SENDING or not locked.sent_at:
                continue
            if locked.sent_at >= stale:
                continue
            WebhookAttempt.objects.create(
                delivery=locked,
                number=attempt_number_next(locked),
                started_at=locked.sent_at,
                message=LOST_MESSAGE,
            )
            when = next_webhook_retry_at(locked.attempt_count, None)
            if when is None:
                webhook_delivery_transition(
                    locked, W.FAILED, completed_at=now, last_message=LOST_MESSAGE
                )
            else:
                webhook_delivery_transition(
                    locked, W.RETRY_WAIT, next_attempt_at=when, last_message=LOST_MESSAGE
                )
            count += 1
    return count
