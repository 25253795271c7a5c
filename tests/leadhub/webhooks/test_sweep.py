"""The dispatcher's minute hands out due webhook deliveries: retries whose time came, a first
send whose task went missing, and a send whose worker died."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone

from leadhub.statuses import WebhookStatus
from leadhub.tasks import dispatch_due_submissions
from leadhub.webhooks.models import WebhookDelivery, WebhookEndpoint
from leadhub.webhooks.sweep import LOST_MESSAGE
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
