"""Deliveries made: one row per subscribed endpoint per event, inside the writer's
transaction, handed to the worker once it commits.

``leadhub.events`` announces what happened from inside the transaction that made it
happen; the receiver here only writes rows and books the sends with
``transaction.on_commit``, so a rolled-back change leaves no delivery and sends nothing,
and no HTTP call ever runs under the writer's locks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django_q.tasks import async_task

from leadhub.compiled_query import CompiledQuery
from leadhub.events import Event, event_happened
from leadhub.statuses import WebhookStatus
from leadhub.webhooks.models import TEST_EVENT, WebhookDelivery, WebhookEndpoint
from leadhub.webhooks.payloads import event_payload
from leadhub.webhooks.signing import message_id_generate

DELIVER_TASK = "leadhub.webhooks.tasks.deliver_webhook"


def endpoints_subscribed(event: str) -> list[int]:
    """The active endpoints told about ``event``, by primary key (few: filtered here, not in
    SQL, because SQLite cannot look inside a JSON list). Read as plain values: this runs in
    the writer's transaction for every event, most often to find none."""
    rows = _endpoints_statement(db_connection.alias).run({})
    return [pk for pk, events in rows if event in events]


@functools.cache
def _endpoints_statement(alias: str) -> CompiledQuery:
    """The active endpoints' subscriptions: compiled once per process, read on every event."""
    rows = WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "events")
    return CompiledQuery.of(rows, {}, alias)


@receiver(event_happened, sender=Event)
def _event_happened(*, event: Event, object_id: int, data: dict[str, Any], **_: Any) -> None:
    webhook_deliveries_create(str(event), object_id=object_id, data=data)


def webhook_deliveries_create(
    event: str, *, object_id: int, data: dict[str, Any] | None = None
) -> list[WebhookDelivery]:
    """One pending delivery per endpoint subscribed to ``event``, sent after the commit."""
    endpoints = endpoints_subscribed(event)
    if not endpoints:
        return []
    payload = event_payload(event, object_id=object_id, data=data or {})
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event=event,
            object_id=object_id,
            message_id=message_id_generate(),
            payload=payload,
            enqueued_at=now,
        )
        for endpoint_id in endpoints
    )
    webhook_deliveries_enqueue((d.pk for d in deliveries), stamped=True)
    return deliveries


def webhook_deliveries_enqueue(ids: Iterable[int], *, stamped: bool = False) -> None:
    """Hand the deliveries to the worker once the current transaction commits, stamped as
    handed out (``stamped``: created with the stamp just now) so the sweep leaves them be."""
    pks = [int(pk) for pk in ids]
    if not pks:
        return
    if not stamped:
        WebhookDelivery.objects.filter(pk__in=pks).update(enqueued_at=timezone.now())

    def enqueue() -> None:
        for pk in pks:
            async_task(DELIVER_TASK, pk, group="webhook")

    transaction.on_commit(enqueue)


def webhook_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``webhook.test`` event to one endpoint, whatever it subscribes to."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=TEST_EVENT,
            message_id=message_id_generate(),
            payload=event_payload(TEST_EVENT, object_id=endpoint.pk, data={}),
        )
        webhook_deliveries_enqueue([delivery.pk])
    return delivery


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again as a new row with the same message id and payload, so the
    receiver can tell it is the same event; the first keeps its own timeline."""
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            event=delivery.event,
            object_id=delivery.object_id,
            message_id=delivery.message_id,
            payload=delivery.payload,
            replay_of=delivery,
            status=WebhookStatus.PENDING,
        )
        webhook_deliveries_enqueue([replay.pk])
    return replay
