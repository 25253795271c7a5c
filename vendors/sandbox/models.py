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
        return (
            bool(secret)
            and cls.objects.filter(vendor=vendor, secret_hash=secret_hash(secret)).exists()
        )


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
