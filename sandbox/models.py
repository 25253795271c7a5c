"""The sandbox's own state: the accounts it accepts and what it received."""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils import timezone


def secret_hash(secret: str) -> str:
    # The simulated vendor keeps only a hash: no credential sits in clear in LeadHub's DB.
    return hashlib.sha256(secret.encode()).hexdigest()


class SandboxCredential(models.Model):
    vendor = models.CharField(max_length=20)
    secret_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "secret_hash"], name="sandbox_cred_unique")
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.label or 'credential'}"

    @classmethod
    def register(cls, vendor: str, secret: str, label: str = "") -> SandboxCredential:
        credential, _ = cls.objects.get_or_create(
            vendor=vendor, secret_hash=secret_hash(secret), defaults={"label": label}
        )
        return credential

    @classmethod
    def accepts(cls, vendor: str, secret: str | None) -> bool:
        if not secret:
            return False
        return cls.objects.filter(vendor=vendor, secret_hash=secret_hash(secret)).exists()


class SandboxCampaign(models.Model):
    """A LeadByte campaign as the vendor defines it (the API's detail shape, in JSON)."""

    vendor_id = models.CharField(max_length=20, unique=True)
    reference = models.CharField(max_length=120, unique=True)
    definition = models.JSONField()
    quarantine = models.BooleanField(default=False)
    allowed_sids = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return self.reference


class SandboxRecord(models.Model):
    """Everything the sandbox accepted or refused, for dedupe and for tests to count."""

    vendor = models.CharField(max_length=20)
    endpoint = models.CharField(max_length=120)
    reference = models.CharField(max_length=120, blank=True, db_index=True)
    payload = models.JSONField(default=dict)
    accepted = models.BooleanField(default=False)
    status = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["vendor", "endpoint"], name="sandbox_record_idx")]

    def __str__(self) -> str:
        return f"{self.vendor} {self.endpoint} {self.status}"


class FaultMode(models.TextChoices):
    """How the sandbox misbehaves, for any vendor path under /sandbox/."""

    HTTP_500 = "http_500", "HTTP 500 Internal Server Error"
    HTTP_502 = "http_502", "HTTP 502 Bad Gateway"
    HTTP_503 = "http_503", "HTTP 503 Service Unavailable"
    RATE_LIMITED = "rate_limited", "HTTP 429 Too Many Requests, with Retry-After"
    SLOW = "slow", "Take the lead, then answer after the client's timeout"
    RESET = "reset", "Close the connection without answering"
    TRUNCATED = "truncated", "Take the lead, then answer with truncated JSON"
    HTML_ERROR = "html_error", "An HTML error page from a proxy (HTTP 502)"
    ERROR_200 = "error_200", "The vendor's own temporary error under HTTP 200"
    EXPIRED_TOKEN = "expired_token", "The vendor refuses the token or key as expired"
    DRIP = "drip", "Start a valid answer, then send one byte a second"
    DEEP_JSON = "deep_json", "Answer HTTP 200 with JSON nested 100,000 deep"
    ECHO = "echo", "Refuse the request and echo it back as received and decoded"


class SandboxFault(models.Model):
    """The next ``remaining`` requests under ``path_prefix`` fail in the way ``mode`` says."""

    path_prefix = models.CharField(
        max_length=200,
        default="/sandbox/leadbyte/",
        help_text="Requests whose path starts with this fail, e.g. /sandbox/leadbyte/ "
        "(the path of a sandbox connection's base URL).",
    )
    method = models.CharField(
        max_length=10, blank=True, help_text="Only this HTTP method (e.g. POST); blank for any."
    )
    mode = models.CharField(max_length=20, choices=FaultMode.choices)
    remaining = models.PositiveIntegerField(
        default=1, help_text="How many more requests fail this way."
    )
    retry_after = models.PositiveIntegerField(
        default=30, help_text="Seconds sent in Retry-After (HTTP 429 only)."
    )
    delay_seconds = models.FloatField(
        null=True,
        blank=True,
        help_text="How long a slow answer takes; blank for one second past the client's "
        "read timeout.",
    )
    hits = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} x {self.remaining} on {self.path_prefix}"


class SandboxToken(models.Model):
    """A session token the sandbox issued (CRM.COM). Only its hash is kept; ``issued_at`` is
    a plain column so a test can age a token without waiting two hours."""

    vendor = models.CharField(max_length=20)
    token_hash = models.CharField(max_length=64, unique=True)
    organisation = models.CharField(max_length=120, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.vendor} token issued {self.issued_at:%Y-%m-%d %H:%M}"

    @classmethod
    def find(cls, vendor: str, token: str | None) -> SandboxToken | None:
        if not token:
            return None
        return cls.objects.filter(vendor=vendor, token_hash=secret_hash(token)).first()


class SandboxEnquiry(models.Model):
    """A lead the sandbox holds (Getlead): one per country code + national mobile, updated
    in place when the same number is sent again."""

    vendor = models.CharField(max_length=20)
    countrycode = models.CharField(max_length=8)
    mobile = models.CharField(max_length=20)
    email = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=120, blank=True)
    fields = models.JSONField(default=dict)
    additional_fields = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "countrycode", "mobile"], name="sandbox_enquiry_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor} +{self.countrycode} {self.mobile}"


class SandboxQuote(models.Model):
    """A quote SalesByte made: its id (increasing), public key, and whether it is signed."""

    key = models.CharField(max_length=14, unique=True)
    kind = models.CharField(max_length=40)  # the endpoint that made it
    quote_profile_id = models.IntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)  # what was sent, without the uuid
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Quote {self.pk} ({self.key})"
