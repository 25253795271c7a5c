"""The dispatcher's minute hands out due webhook deliveries: retries whose time came, a first
send whose task went missing, and a send whose worker died."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection as db
from django.db import connections
from django.utils import timezone

from leadhub.delivery.retry_clock import retries_hand_out, retry_clock_run
from leadhub.statuses import WebhookStatus
from leadhub.tasks import dispatch_due_submissions
from leadhub.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from leadhub.webhooks.sweep import (
    LOST_MESSAGE,
    webhook_deliveries_dispatch_due,
    webhook_retries_hand_out,
)
from tests.factories import WebhookEndpointFactory
from tests.leadhub.webhooks.conftest import Receiver, Sweep

pytestmark = pytest.mark.django_db

W = WebhookStatus


def waiting(endpoint: WebhookEndpoint, **fields: object) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="lead.created",
        message_id="msg_sweep",
        payload={"type": "lead.created", "data": {"id": 1}},
        **fields,
    )


def test_a_send_whose_task_went_missing_is_handed_out_again(
    receiver: Receiver, sweep: Sweep
) -> None:
    long_ago = timezone.now() - timedelta(minutes=10)
    delivery = waiting(WebhookEndpointFactory(url=receiver.url), enqueued_at=long_ago)
    assert sweep() == 0
    delivery.refresh_from_db()
    assert delivery.status == W.DELIVERED and len(receiver.requests) == 1


def test_a_retry_is_sent_once_due_and_not_before(receiver: Receiver, sweep: Sweep) -> None:
    endpoint = WebhookEndpointFactory(url=receiver.url)
    now = timezone.now()
    later = waiting(
        endpoint,
        status=W.RETRY_WAIT,
        attempt_count=1,
        enqueued_at=now,
        next_attempt_at=now + timedelta(minutes=5),
    )
    due = waiting(
        endpoint,
        status=W.RETRY_WAIT,
        attempt_count=1,
        enqueued_at=now - timedelta(minutes=2),
        next_attempt_at=now - timedelta(seconds=1),
    )
    sweep()
    later.refresh_from_db()
    due.refresh_from_db()
    assert (later.status, due.status) == (W.RETRY_WAIT, W.DELIVERED)


@pytest.mark.usefixtures("quick_retries")
def test_a_send_whose_worker_died_is_recorded_and_retried(
    receiver: Receiver, sweep: Sweep, settings
) -> None:
    stale = timezone.now() - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS + 5)
    delivery = waiting(
        WebhookEndpointFactory(url=receiver.url), status=W.SENDING, attempt_count=1, sent_at=stale
    )
    while sweep():
        pass
    delivery.refresh_from_db()
    lost, sent = delivery.attempts.order_by("number")
    assert lost.message == LOST_MESSAGE and not lost.delivered
    assert sent.delivered and delivery.status == W.DELIVERED
    # The worker stopped, not the endpoint: its health is untouched by the lost send.
    assert WebhookEndpoint.objects.get().last_failure_at is None


def test_the_dispatcher_schedule_sweeps_webhooks_too(
    receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    waiting(WebhookEndpointFactory(url=receiver.url), enqueued_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due_submissions() == 1
    assert len(receiver.requests) == 1


def test_the_signing_secret_is_encrypted_at_rest() -> None:
    endpoint = WebhookEndpointFactory()
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT signing FROM leadhub_webhooks_webhookendpoint WHERE id = %s", [endpoint.pk]
        )
        stored = cursor.fetchone()[0]
    assert stored and endpoint.secret not in stored
    assert endpoint.secret.removeprefix("whsec_") not in stored


# --- On the retry clock -----------------------------------------------------------------


def test_the_clock_hands_a_due_retry_out_once_and_the_sweep_then_leaves_it(
    receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    now = timezone.now()
    endpoint = WebhookEndpointFactory(url=receiver.url)
    due = waiting(
        endpoint,
        status=W.RETRY_WAIT,
        attempt_count=1,
        enqueued_at=now - timedelta(minutes=2),
        next_attempt_at=now - timedelta(seconds=1),
    )
    waiting(
        endpoint, status=W.RETRY_WAIT, attempt_count=1, next_attempt_at=now + timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=False) as booked:
        assert webhook_retries_hand_out(now=now) == 1
        assert webhook_retries_hand_out(now=now) == 0  # stamped: not handed out twice
        assert webhook_deliveries_dispatch_due(now=now) == 0  # nor by the safety net
    assert len(booked) == 1
    due.refresh_from_db()
    assert due.enqueued_at is not None and due.enqueued_at >= due.next_attempt_at


@pytest.mark.django_db(transaction=True)
def test_a_retry_due_in_two_seconds_is_sent_within_a_second_of_it(receiver: Receiver) -> None:
    """The retry clock in its own thread (tasks run inline here, so its thread sends), as
    ``manage.py retry_clock`` runs it: each retry starts within a second of its due time,
    where the per-minute sweep alone could be up to a minute late."""
    now = timezone.now()
    endpoint = WebhookEndpointFactory(url=receiver.url)
    due = {
        waiting(
            endpoint,
            status=W.RETRY_WAIT,
            attempt_count=1,
            enqueued_at=now,
            next_attempt_at=now + timedelta(seconds=2 + 0.5 * n),
        ).pk: now + timedelta(seconds=2 + 0.5 * n)
        for n in range(3)
    }
    stop = threading.Event()

    def run_clock() -> None:
        try:
            retry_clock_run(
                tick=settings.RETRY_CLOCK_TICK,
                stop=stop,
                hand_outs=(retries_hand_out, webhook_retries_hand_out),
            )
        finally:
            connections.close_all()

    clock = threading.Thread(target=run_clock)
    clock.start()
    # No queries while the clock runs: SQLite's shared in-memory test database locks whole
    # tables between threads, without waiting.
    time.sleep((max(due.values()) - timezone.now()).total_seconds() + 2.0)
    stop.set()
    clock.join()
    started = dict(
        WebhookAttempt.objects.filter(delivery_id__in=due).values_list("delivery_id", "started_at")
    )
    assert set(started) == set(due)  # every retry was sent
    lateness = sorted((started[pk] - due[pk]).total_seconds() for pk in due)
    assert lateness[0] >= -0.05, lateness  # none before its time
    assert lateness[-1] <= 1.0, lateness
    assert WebhookDelivery.objects.filter(status=W.DELIVERED).count() == 3
