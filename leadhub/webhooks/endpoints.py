"""An endpoint's life: registered with a fresh secret, its secret rotated, turned on again
after it was turned off, and what the admin home says about the ones turned off."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from leadhub.webhooks.models import WebhookEndpoint
from leadhub.webhooks.signing import secret_generate


def webhook_endpoint_save(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Save an endpoint from the admin's form: a new one gets its signing secret; one an
    admin ticks active again starts with a clean record (deliveries waiting meanwhile go
    with the next sweep)."""
    if not endpoint.secret:
        endpoint.signing = {"secret": secret_generate()}
    if endpoint.is_active and endpoint.disabled_at is not None:
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.failing_since = None
    endpoint.save()
    return endpoint


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.is_active = True
    return webhook_endpoint_save(endpoint=endpoint)


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint) -> str:
    """A new signing secret, in force at once for every later attempt; returns it."""
    endpoint.signing = {"secret": secret_generate()}
    endpoint.save(update_fields=["signing", "updated_at"])
    return endpoint.secret


def endpoints_turned_off() -> QuerySet[WebhookEndpoint]:
    """Endpoints LeadHub turned off after days of failures, for the admin home."""
    return WebhookEndpoint.objects.filter(disabled_at__isnull=False, is_active=False)
