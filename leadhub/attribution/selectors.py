"""A lead's source read back: for the API, the lead page and the CSV export."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from leadhub.attribution.models import DETAIL_FIELDS, LeadSource, SourceKind
from leadhub.models import Lead

# What a query reading leads with their sources joins (one row per lead, no extra query).
SOURCE_RELATED = ("source", "source__api_key", "source__import_job", "source__user")
# The same, from the source's own side.
SOURCE_JOINS = ("api_key", "import_job", "user")


LABELS = {f.name: f.verbose_name for f in LeadSource._meta.concrete_fields}


def _title(label: object) -> str:
    text = str(label)
    return text[:1].upper() + text[1:]


# The lead list's CSV export: one column per part of the source (blank without one).
SOURCE_EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Source", "source__kind"),
    ("Source key", "source__api_key__prefix"),
    ("Source import", "source__import_job_id"),
    ("Source user", "source__user__username"),
    *((_title(LABELS[name]), f"source__{name}") for name in DETAIL_FIELDS),
    ("IP address", "source__ip_address"),
    ("Browser", "source__user_agent"),
)


def lead_source_of(lead: Lead) -> LeadSource | None:
    """The lead's source, or None for a lead taken in before sources were kept."""
    try:
        return lead.source
    except ObjectDoesNotExist:
        return None


def source_via(source: LeadSource) -> str:
    """Which key, import or user took the lead in, in plain words."""
    if source.kind in (SourceKind.API, SourceKind.WEB_FORM):
        key = source.api_key
        return f"{key.name} ({key.prefix}…)" if key else "a key since deleted"
    if source.kind == SourceKind.IMPORT:
        job = source.import_job
        return f"{job.file_name} (import {job.pk})" if job else "an import since deleted"
    user = source.user
    return user.get_username() if user else "a user since deleted"


def source_answer(source: LeadSource) -> dict[str, Any]:
    """The source as the API gives it."""
    return {
        "kind": source.kind,
        "kind_label": source.get_kind_display(),
        "via": source_via(source),
        "api_key_prefix": source.api_key.prefix if source.api_key else None,
        "import_id": source.import_job_id,
        **{name: getattr(source, name) for name in DETAIL_FIELDS},
        "ip_address": source.ip_address,
        "user_agent": source.user_agent,
    }


def source_summary(source: LeadSource) -> str:
    """One plain sentence: how the lead came in, and through which key, import or user."""
    via = source_via(source)
    if source.kind == SourceKind.API:
        return f"Sent through the API with the key {via}."
    if source.kind == SourceKind.WEB_FORM:
        return f"Sent from a web-to-lead form with the key {via}."
    if source.kind == SourceKind.IMPORT:
        return f"Imported from {via}."
    return f"Entered by {via}."


def source_rows(source: LeadSource) -> list[tuple[str, str]]:
    """The source's filled details as (label, value), in the model's order, for the lead
    page: what the sender passed, then the person's address and browser."""
    rows = []
    for name in (*DETAIL_FIELDS, "ip_address", "user_agent"):
        value = getattr(source, name)
        if value:
            rows.append((_title(LABELS[name]), str(value)))
    return rows
