"""What the retention prune did, and the erasures done on request: counts, never values."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class RetentionRun(models.Model):
    """One run of the retention prune (leadhub.privacy.retention.retention_prune)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The policy the run applied, in days (0: kept forever), as it stood then.
    policy = models.JSONField(default=dict)
    attempt_bodies = models.PositiveIntegerField("attempt bodies emptied", default=0)
    payloads = models.PositiveIntegerField("accepted payloads emptied", default=0)
    leads = models.PositiveIntegerField("leads anonymised", default=0)
    source_addresses = models.PositiveIntegerField("lead IP addresses forgotten", default=0)
    campaign_syncs = models.PositiveIntegerField("campaign syncs deleted", default=0)
    # True when a kind hit RETENTION_MAX_BATCHES: the next run goes on where this one stopped.
    more_to_do = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"
        verbose_name = "retention run"

    def __str__(self) -> str:
        return f"Retention run of {self.started_at:%Y-%m-%d %H:%M}"


class Erasure(models.Model):
    """One person's data erased on request: who did it, when, and how many rows changed.

    The person's email or phone is not kept here: that would keep what was erased.
    """

    erased_at = models.DateTimeField(default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    leads = models.PositiveIntegerField(default=0)
    submissions = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    import_rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at", "-id"]
        permissions = [
            ("manage_personal_data", "Can find, export and erase a person's data"),
        ]

    def __str__(self) -> str:
        return f"Erasure of {self.erased_at:%Y-%m-%d %H:%M}"
