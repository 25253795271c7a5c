"""Notification channels (where to tell), the notifications sent through them, and the
incidents that are open (a paused connection is told once until it resumes)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import models
from django.utils import timezone

from leadhub.events import Event
from leadhub.statuses import NotificationStatus
from vendors.crypto import EncryptedJSONField


class NotificationEvent(models.TextChoices):
    """What a channel can be told: some of ``leadhub.events.Event``, and the daily digest."""

    CONNECTION_PAUSED = Event.CONNECTION_PAUSED.value, "Connection paused"
    CONNECTION_RESUMED = Event.CONNECTION_RESUMED.value, "Connection resumed"
    SUBMISSION_EXHAUSTED = Event.SUBMISSION_EXHAUSTED.value, "Submission gave up after retries"
    SUBMISSION_UNCERTAIN = Event.SUBMISSION_UNCERTAIN.value, "Submission needs review"
    CAMPAIGN_DRIFTED = Event.CAMPAIGN_DRIFTED.value, "Campaign has new required fields"
    LEAD_HELD = Event.LEAD_HELD.value, "Lead held by a route (no destination could take it)"
    REJECTIONS_DIGEST = "digest.rejections", "Daily digest of rejections per destination"


class ChannelKind(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Chat webhook (Slack, Teams, Mattermost, Discord's /slack)"


class Channel(models.Model):
    """Where integration admins are told: email addresses, or a chat webhook whose URL is a
    secret (stored encrypted, like a connection's credentials, and never shown again)."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    recipients = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Email: the addresses to write to, separated by commas.",
    )
    # {"url": ...} for a webhook: the URL itself is the key to the chat room.
    secret = EncryptedJSONField(blank=True, default=dict, editable=False)
    events = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "notification channel"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display().split(' (')[0]})"

    @property
    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.split(",") if r.strip()]

    @property
    def webhook_url(self) -> str:
        return str(self.secret.get("url", ""))

    def masked_target(self) -> str:
        """Where it sends, safe to show: the addresses, or only a webhook's host."""
        if self.kind == ChannelKind.EMAIL:
            return ", ".join(self.recipient_list)
        host = urlsplit(self.webhook_url).hostname or ""
        return f"https://{host}/••••••" if host else "(no URL)"

    def wants(self, event: str) -> bool:
        return event in self.events


class Notification(models.Model):
    """One message to one channel. ``dedup_key`` names the incident: a second event of the
    same incident adds to ``occurrences`` instead of sending again."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=40, choices=NotificationEvent.choices)
    dedup_key = models.CharField(max_length=200)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    occurrences = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "dedup_key"], name="notification_once_per_incident"
            )
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="notification_due_idx",
                condition=models.Q(status__in=["pending", "retry_wait"]),
            )
        ]

    def __str__(self) -> str:
        return self.subject


class OpenIncident(models.Model):
    """An incident told once until it ends: ``connection.paused:<id>`` until it resumes."""

    key = models.CharField(max_length=200, unique=True)
    opened_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
