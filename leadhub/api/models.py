"""API keys and the answers kept for idempotent retries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vendors.models import Destination


class KeyAccess(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class KeyKind(models.TextChoices):
    # Kept secret on a server: every endpoint its access allows.
    SECRET = "secret", "Secret (server to server)"
    # Meant to be seen in a web page: only the web-to-lead form endpoint, only its destinations.
    PUBLISHABLE = "publishable", "Publishable (web forms)"


class ApiKey(models.Model):
    """A key other systems send leads with. Only a hash of a secret key is stored; its
    ``prefix`` (``lh_live_ab12cd34``) is what people see to tell keys apart."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=KeyKind.choices, default=KeyKind.SECRET)
    prefix = models.CharField(max_length=32, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    # A publishable key is public by design (it stands in a web page): kept whole, shown in
    # the destination's web form snippet. Always empty for a secret key.
    public_token = models.CharField(max_length=80, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text="The user the key's leads belong to.",
    )
    access = models.CharField(max_length=10, choices=KeyAccess.choices, default=KeyAccess.WRITE)
    destinations = models.ManyToManyField(
        Destination,
        related_name="api_keys",
        help_text="The destinations the key may send leads to and read.",
    )
    route = models.ForeignKey(
        "leadhub_routing.Route",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="api_keys",
        help_text="Where a lead sent with no destinations goes (API and web form).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.access == KeyAccess.WRITE

    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotentAnswer(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``, replayed for 24 h."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    body = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotent_answer_key_uniq")
        ]

    def __str__(self) -> str:
        return f"Answer to {self.key!r}"
