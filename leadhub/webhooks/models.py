"""Webhook endpoints, the deliveries of each event to them (the outbox rows), and every
attempt at one."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from leadhub.events import Event
from leadhub.statuses import WebhookStatus
from vendors.crypto import EncryptedJSONField

# Sent by "Send test event": not a LeadHub event, so never subscribed to.
TEST_EVENT = "webhook.test"


def event_choices() -> list[tuple[str, str]]:
    return list(Event.choices)


class WebhookEndpoint(models.Model):
    """A URL an integration admin registered to be told what happens, with its signing secret."""

    name = models.CharField(max_length=120, unique=True)
    url = models.URLField(
        "URL",
        max_length=500,
        help_text="Where LeadHub POSTs each event: https, on the public internet.",
    )
    # {"secret": "whsec_..."}: encrypted like a connection's credentials, never shown in a list
    # or form (the endpoint's page masks it; "Show signing secret" shows it to its admins).
    signing = EncryptedJSONField(blank=True, default=dict, editable=False)
    events = models.JSONField(
        default=list, help_text="The events this endpoint is told about (docs/webhooks.md)."
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Untick to stop sending; what happens meanwhile is kept and sent once it "
        "is ticked again.",
    )
    # Set when deliveries kept failing for WEBHOOK_DISABLE_AFTER_DAYS (is_active goes off);
    # the admin home shows it until an admin turns the endpoint on again.
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.TextField(blank=True, editable=False)
    # Since when every attempt failed (None after a success): the auto-disable clock.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_message = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        return str(self.signing.get("secret", ""))

    def subscribes_to(self, event: str) -> bool:
        return event in self.events


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row, claimed before each HTTP call.

    The payload is fixed when the event happens; ``message_id`` is the ``webhook-id`` the
    receiver sees, the same on every attempt and on a replay (a receiver dedupes by it).
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True, blank=True)
    message_id = models.CharField("webhook-id", max_length=64, db_index=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=WebhookStatus.choices, default=WebhookStatus.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Handed to the worker (the sweep leaves it alone for a while) and claimed (the lease).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_message = models.TextField(blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(status__in=["pending", "retry_wait", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} to {self.endpoint}"


class WebhookAttempt(models.Model):
    """One POST of a delivery and what the endpoint answered (its body capped and cleaned)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    delivered = models.BooleanField(default=False)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhook_attempt_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}"
