"""Where each lead came from: the intake path, the key, form, import or user behind it, and
the campaign details the sender passed (sub-ids, UTM parameters, click ids, pages).

Kept in its own table, one row per lead keyed by the lead itself, rather than as some
twenty columns on Lead: the lead list, the delivery worker and the duplicate guard read
Lead rows all day and never need these, so Lead stays narrow; the lead page, the API and
the filters join on the primary key when they do.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from leadhub.api.models import ApiKey
from leadhub.imports.models import ImportJob
from leadhub.models import Lead


class SourceKind(models.TextChoices):
    API = "api", "API"
    WEB_FORM = "web_form", "Web-to-lead form"
    IMPORT = "import", "CSV import"
    STAFF = "staff", "Entered by staff"


# The campaign details a sender may give, each with its longest stored form.
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
CLICK_ID_FIELDS = ("gclid", "fbclid", "msclkid")
SUB_ID_FIELDS = ("sub1", "sub2", "sub3")
PAGE_FIELDS = ("landing_page", "referrer")
# Personal data: shown to staff, exported with the person, erased with them.
PERSONAL_FIELDS = ("ip_address", "user_agent")
DETAIL_FIELDS = (*SUB_ID_FIELDS, *UTM_FIELDS, *CLICK_ID_FIELDS, *PAGE_FIELDS)
TEXT_MAX = 255
URL_MAX = 2000
USER_AGENT_MAX = 500


class LeadSource(models.Model):
    """One lead's source, written once with the lead (leadhub/attribution/services.py)."""

    lead = models.OneToOneField(
        Lead, on_delete=models.CASCADE, primary_key=True, related_name="source"
    )
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    # Which one: the API key (secret for the API, publishable for a web form), the import,
    # or the member of staff. Kept when the key, import or user is later deleted: the kind
    # and the campaign details still say where the lead came from.
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    import_job = models.ForeignKey(
        ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sub1 = models.CharField("sub-id 1", max_length=TEXT_MAX, blank=True)
    sub2 = models.CharField("sub-id 2", max_length=TEXT_MAX, blank=True)
    sub3 = models.CharField("sub-id 3", max_length=TEXT_MAX, blank=True)
    utm_source = models.CharField("UTM source", max_length=TEXT_MAX, blank=True)
    utm_medium = models.CharField("UTM medium", max_length=TEXT_MAX, blank=True)
    utm_campaign = models.CharField("UTM campaign", max_length=TEXT_MAX, blank=True)
    utm_term = models.CharField("UTM term", max_length=TEXT_MAX, blank=True)
    utm_content = models.CharField("UTM content", max_length=TEXT_MAX, blank=True)
    gclid = models.CharField("Google click id", max_length=TEXT_MAX, blank=True)
    fbclid = models.CharField("Meta click id", max_length=TEXT_MAX, blank=True)
    msclkid = models.CharField("Microsoft click id", max_length=TEXT_MAX, blank=True)
    landing_page = models.CharField("landing page", max_length=URL_MAX, blank=True)
    referrer = models.CharField("referrer", max_length=URL_MAX, blank=True)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField("browser", max_length=USER_AGENT_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "lead source"
        indexes = [
            models.Index(fields=["kind"], name="lead_source_kind_idx"),
            models.Index(
                fields=["utm_source"],
                name="lead_source_utm_source_idx",
                condition=models.Q(utm_source__gt=""),
            ),
            models.Index(
                fields=["utm_campaign"],
                name="lead_source_utm_campaign_idx",
                condition=models.Q(utm_campaign__gt=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (lead {self.lead_id})"
