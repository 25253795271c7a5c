"""django-q2 tasks for webhooks: thin, they take primary keys. Their dotted names are stored
in queued tasks: keep them stable."""

from __future__ import annotations

from leadhub.webhooks.send import webhook_delivery_send


def deliver_webhook(delivery_id: int) -> str:
    delivery = webhook_delivery_send(delivery_id=int(delivery_id))
    return delivery.status if delivery else "skipped"
