"""Leads, their submissions to destinations, and every HTTP attempt behind them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from leadhub.statuses import FINAL, PENDING, SubmissionStatus
from vendors.models import Campaign, Connection, Destination
from vendors.phones import parse_phone


class Lead(models.Model):
    """A person, entered once and sent to one or more destinations."""

    first_name = models.CharField(max_length=120)
    last_name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField("phone as entered", max_length=40, blank=True)
    phone_e164 = models.CharField("phone (international)", max_length=20, blank=True, db_index=True)
    company = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    extra = models.JSONField(blank=True, default=dict)
    # Consent evidence: when and where the person opted in, and the words they agreed to.
    consent_date = models.DateField("opted in on", null=True, blank=True)
    consent_url = models.URLField("opt-in page", max_length=500, blank=True)
    consent_wording = models.TextField("opt-in wording", blank=True)
    # The email as compared for duplicates (trimmed, lower case); filled with the email.
    email_normalised = models.CharField(max_length=254, blank=True, editable=False)
    # Set once the person's data was erased (on request or by retention); nothing is resent.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["email"], name="lead_email_idx"),
            # The duplicate guard and the person search find a lead by its email this way.
            models.Index(
                fields=["email_normalised"],
                name="lead_email_normalised_idx",
                condition=models.Q(email_normalised__gt=""),
            ),
        ]
        permissions = [
            ("view_all_leads", "Can see every user's leads and submissions"),
            ("run_followups", "Can run follow-ups on the leads they can see"),
        ]

    def __str__(self) -> str:
        return self.full_name or f"Lead #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The compared forms follow what was typed, whoever saved it (the admin, a factory).
        self.email_normalised = email_normalise(self.email)
        phone = parse_phone(self.phone) if self.phone else None
        self.phone_e164 = phone.e164 if phone else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            if "email" in update_fields:
                update_fields = {*update_fields, "email_normalised"}
            if "phone" in update_fields:
                update_fields = {*update_fields, "phone_e164"}
            kwargs["update_fields"] = update_fields
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def email_normalise(email: str | None) -> str:
    """An email as the duplicate guard and the person search compare it."""
    return (email or "").strip().lower()


class Submission(models.Model):
    """One lead sent to one destination: the outbox row and the source of truth."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="submissions")
    # Empty for follow-ups started from a lead's page (a Getlead note, say).
    destination = models.ForeignKey(
        Destination, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions"
    )
    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="submissions")
    operation = models.CharField(max_length=60)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions"
    )
    # The vendor fields exactly as sent; credentials are added at send time, never stored.
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.QUEUED
    )
    vendor_reference = models.CharField(max_length=255, blank=True)
    vendor_code = models.CharField(max_length=50, blank=True)
    vendor_message = models.TextField(blank=True)
    links = models.JSONField(blank=True, default=dict)
    field_errors = models.JSONField(blank=True, default=dict)
    response_data = models.JSONField(blank=True, default=dict)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a push task was last handed to the broker: a queued row older than this by
    # SUBMISSION_REQUEUE_AFTER lost its task and is enqueued again by the dispatcher.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # What the vendor said later about a lead it took (LeadByte's queue: Valid, Invalid...).
    vendor_outcome = models.CharField(max_length=40, blank=True)
    vendor_outcome_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    check_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="submission_recent_idx"),
            # Carries the connection so that "this status at this vendor" is counted from
            # the index alone (PostgreSQL; elsewhere the include is left out).
            models.Index(
                fields=["status", "-created_at"],
                name="submission_status_idx",
                include=["connection"],
            ),
            models.Index(fields=["connection", "-created_at"], name="submission_conn_idx"),
            # The dispatcher's scans: pending rows by due time, outcome checks by due time.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="submission_due_idx",
                condition=models.Q(status__in=sorted(PENDING)),
            ),
            models.Index(
                fields=["next_check_at"],
                name="submission_check_idx",
                condition=models.Q(next_check_at__isnull=False),
            ),
            # The vendor-outcome filter lists its labels by walking this index.
            models.Index(
                fields=["vendor_outcome"],
                name="submission_outcome_idx",
                condition=models.Q(vendor_outcome__gt=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead} → {self.destination or self.connection}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING


class AttemptKind(models.TextChoices):
    SEND = "send", "Send"
    OUTCOME_CHECK = "outcome_check", "Outcome check"
    LOST = "lost", "Worker lost"  # the worker stopped mid-send; no exchange was recorded


class Attempt(models.Model):
    """One HTTP exchange with a vendor, redacted."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=AttemptKind.choices, default=AttemptKind.SEND)
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    request = models.JSONField(default=dict)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    # What the exchange came to before it was judged (vendors.outcomes.Condition).
    condition = models.CharField(max_length=30, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["submission", "number", "id"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of submission {self.submission_id}"
