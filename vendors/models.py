"""Vendor connections, the LeadByte campaign cache, and destinations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.text import slugify

from vendors.base import VendorAdapter
from vendors.campaign_fields import MAX_LENGTHS, CampaignFieldMeta
from vendors.crypto import EncryptedJSONField
from vendors.field_changes import describe
from vendors.field_labels import specs_in_plain_words
from vendors.fieldspec import FieldSpec
from vendors.limits import validate_deadline
from vendors.registry import VendorKind, adapter_class
from vendors.results import Operation


class PauseReason(models.TextChoices):
    FAILURES = "failures", "Paused after repeated failures"
    CREDENTIALS = "credentials", "Paused: the vendor refused the credentials"
    MANUAL = "manual", "Paused by an admin"


class Connection(models.Model):
    """A vendor account an integration admin configured: where it is and how to log in."""

    kind = models.CharField(max_length=20, choices=VendorKind.choices)
    name = models.CharField(max_length=120, unique=True)
    base_url = models.URLField(
        max_length=500,
        help_text="The vendor's API host. Defaults to the documented one; point it at a "
        "sandbox or staging host to test.",
    )
    credentials = EncryptedJSONField(blank=True, default=dict, editable=False)
    # A session token a vendor issued at login (CRM.COM), with when it was issued: as
    # secret as the credentials, so encrypted the same way.
    token_cache = EncryptedJSONField(blank=True, default=dict, editable=False)
    settings = models.JSONField(blank=True, default=dict)
    is_active = models.BooleanField(default=True)
    deadline_seconds = models.PositiveIntegerField(
        "deadline (seconds)",
        null=True,
        blank=True,
        validators=[validate_deadline],
        help_text="How long one exchange with the vendor may take in all: connecting, sending "
        "and reading the whole answer. Blank: the default (VENDOR_DEADLINE).",
    )
    max_in_flight = models.PositiveSmallIntegerField(
        "most sends at once",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="How many of this connection's leads may be sent at the same time, so a slow "
        "vendor cannot take every worker. Blank: the default (VENDOR_MAX_IN_FLIGHT).",
    )
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When a send last took longer than VENDOR_SLOW_AFTER: the bulkhead limits a connection
    # that was slow lately (leadhub.delivery.bulkhead).
    slow_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_sync_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_sync_summary = models.TextField(blank=True, editable=False)
    # The circuit breaker (vendors.connection_state): a paused connection keeps
    # its submissions queued until it resumes.
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    pause_reason = models.CharField(
        max_length=20, choices=PauseReason.choices, blank=True, editable=False
    )
    pause_message = models.TextField(blank=True, editable=False)
    probe_at = models.DateTimeField(null=True, blank=True, editable=False)
    probing_since = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failed_probes = models.PositiveIntegerField(default=0, editable=False)
    # The latest "Test connection" (by hand or the daily check); ok is None when the
    # vendor's adapter has no check yet.
    last_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_check_ok = models.BooleanField(null=True, blank=True, editable=False)
    last_check_message = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def adapter_class(self) -> type[VendorAdapter]:
        return adapter_class(self.kind)

    def setting(self, name: str) -> Any:
        """A per-vendor setting, falling back to the adapter's declared default."""
        spec = next((s for s in self.adapter_class.setting_fields if s.name == name), None)
        if spec is None:
            raise KeyError(f"{self.get_kind_display()} has no setting {name!r}")
        return self.settings.get(name, spec.default)

    def has_credential(self, name: str) -> bool:
        return bool(self.credentials.get(name))

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class Campaign(models.Model):
    """A LeadByte campaign, cached exactly as the API returns it."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="campaigns")
    vendor_id = models.CharField("LeadByte id", max_length=50)
    name = models.CharField(max_length=255)
    reference = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    currency = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=120, blank=True)
    sms_field = models.CharField(max_length=120, blank=True)
    active = models.BooleanField(default=True)
    sup_visible = models.BooleanField("shown to suppliers", default=True)
    archived = models.BooleanField(default=False)
    # False once a sync no longer finds the campaign: kept, never deleted.
    listed = models.BooleanField(default=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["connection", "name"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "vendor_id"], name="campaign_unique_id")
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.reference}]"

    @property
    def usable(self) -> bool:
        return self.active and self.listed and not self.archived

    @property
    def unusable_reason(self) -> str:
        """Why LeadByte refuses leads to it, in a word or two ('' while it takes them)."""
        if self.archived:
            return "archived"
        if not self.listed:
            return "no longer listed"
        return "" if self.active else "off"

    def fields_metadata(self) -> dict[str, CampaignFieldMeta]:
        """The cached fields by name, in LeadByte's shape."""
        return {f.name: CampaignFieldMeta.from_columns(f) for f in self.fields.all()}

    def field_specs(self) -> list[FieldSpec]:
        return [CampaignFieldMeta.from_columns(f).field_spec() for f in self.fields.all()]


def unusable_campaign_q(prefix: str = "") -> Q:
    """Campaigns LeadByte refuses every lead to (``Campaign.usable`` false): switched off,
    archived, or no longer listed. ``prefix`` reaches them from another model."""
    return (
        Q(**{f"{prefix}active": False})
        | Q(**{f"{prefix}archived": True})
        | Q(**{f"{prefix}listed": False})
    )


class CampaignField(models.Model):
    """A cached campaign field: the columns of ``vendors.campaign_fields.CampaignFieldMeta``
    (same names), with the campaign and the field's position in LeadByte's list."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=MAX_LENGTHS["name"])
    label = models.CharField(max_length=MAX_LENGTHS["label"])
    required = models.BooleanField(default=False)
    data_type = models.CharField(max_length=MAX_LENGTHS["data_type"], blank=True)
    selection_labels = models.TextField(blank=True)
    selection_values = models.TextField(blank=True)
    category = models.CharField(max_length=MAX_LENGTHS["category"], blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="campaign_field_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.name})"


class CampaignChange(models.Model):
    """What one campaign sync changed in a campaign's fields, kept until an admin
    acknowledges it. ``changes`` is a list of ``vendors.drift`` entries (kinds and words in
    ``vendors.field_changes``)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="changes")
    detected_at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(default=list)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "acknowledged_at"], name="campaign_change_open_idx")
        ]

    def __str__(self) -> str:
        count = len(self.changes)
        return f"{self.campaign}: {count} change{pluralize(count)} on {self.detected_at:%-d %b %Y}"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def descriptions(self) -> list[str]:
        return [describe(entry) for entry in self.changes]


class CampaignSync(models.Model):
    """One campaign sync an admin started: how far it got, and what it found
    (``vendors.campaign_sync.SyncReport.as_dict``). Written only by vendors.campaign_sync."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="campaign_syncs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # LeadByte lists the campaigns, then each is read on its own: the progress.
    campaigns_total = models.PositiveIntegerField(null=True, blank=True)
    campaigns_read = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Campaign sync of {self.connection.name} ({self.requested_at:%Y-%m-%d %H:%M})"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def state(self) -> str:
        """waiting (for a worker), running, done or failed."""
        if self.finished:
            return "failed" if self.error else "done"
        return "running" if self.started_at else "waiting"

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if not self.campaigns_total:
            return 0
        return min(99, round(100 * self.campaigns_read / self.campaigns_total))


class Destination(models.Model):
    """What sales staff pick: a connection, an operation, and the values staff need not know."""

    name = models.CharField(max_length=120, unique=True)
    # How the API and web forms name the destination: stable when the name changes.
    slug = models.SlugField(
        max_length=80,
        unique=True,
        blank=True,
        help_text="How the API and web forms name this destination (letters, digits, "
        "hyphens). Made from the name when left blank; changing it breaks the forms and "
        "integrations that use the old one.",
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="destinations"
    )
    operation = models.CharField(max_length=60)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="destinations"
    )
    fixed_values = models.JSONField(
        blank=True,
        default=dict,
        help_text="Values sent with every lead and hidden from staff, by vendor field name. "
        "null leaves a field out (say, a phone this vendor cannot take).",
    )
    # What staff read for each vendor field, by vendor field name; blank: the vendor's
    # label in plain words (vendors.field_labels).
    field_labels = models.JSONField(
        "labels on the lead form",
        blank=True,
        default=dict,
        help_text="Vendor field name: the label staff see. Fields not listed show the "
        "vendor's label in plain words.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = destination_slug_free(self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    @property
    def operation_spec(self) -> Operation:
        return self.connection.adapter_class.operations[self.operation]

    def field_specs(self) -> list[FieldSpec]:
        """Every vendor field of this destination, fixed ones included, labelled in plain
        words (``field_labels``, else the vendor's humanised). Labelling costs more than the
        rest of a routed lead's required-fields check, so it is kept on this object while
        what it is made from (operation, connection, campaign, labels) stays the same."""
        frozen: tuple[FieldSpec, ...] | None = self.__dict__.get("_field_specs_frozen")
        if frozen is not None:
            return list(frozen)
        key = (self.operation, self.connection_id, self.campaign_id, repr(self.field_labels))
        kept = self.__dict__.get("_field_specs_kept")
        if kept is None or kept[0] != key:
            specs = specs_in_plain_words(
                operation_field_specs(self.operation_spec, self.campaign), self.field_labels
            )
            kept = self.__dict__["_field_specs_kept"] = (key, specs)
        return list(kept[1])

    def field_specs_freeze(self) -> None:
        """Work the specs out once for an instance that is only read from now on (kept
        across requests: leadhub/api/key_cache.py); never for one that may be edited."""
        self.__dict__["_field_specs_frozen"] = tuple(self.field_specs())

    def staff_field_specs(self) -> list[FieldSpec]:
        """The fields staff fill in: those without a fixed value."""
        return [s for s in self.field_specs() if s.name not in self.fixed_values]


def destination_slug_free(name: str, *, exclude_pk: int | None = None) -> str:
    """A slug made from ``name`` that no other destination uses (``-2``, ``-3``... added)."""
    base = slugify(name)[:70] or "destination"
    taken = set(
        Destination.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk or 0)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def operation_field_specs(operation: Operation, campaign: Campaign | None) -> list[FieldSpec]:
    """The vendor fields an operation takes: its own, or its LeadByte campaign's."""
    if operation.uses_campaign:
        return campaign.field_specs() if campaign else []
    return list(operation.fields)
