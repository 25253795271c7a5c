"""A lead's source read back: for the API, the lead page and the CSV export."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from leadhub.attribution.models import DETAIL_FIELDS, LeadSource, SourceKind
from leadhub.models import Lead

# What a query reading leads with their sources joins (one row per lead, no extra query).
SOURCE_RELATED = ("source", "source__api_key", "source__import_job", "source__user")


LABELS = {f.name: f.verbose_name for f in LeadSource._meta.concrete_fields}


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


def source_rows(source: LeadSource) -> list[tuple[str, str]]:
    """The source's filled parts as (label, value), in the model's order, for the lead page."""
    rows = [("Came in by", str(source.get_kind_display())), ("Through", source_via(source))]
    for name in (*DETAIL_FIELDS, "ip_address", "user_agent"):
        value = getattr(source, name)
        if value:
            label = str(LABELS[name])
            rows.append((label[:1].upper() + label[1:], str(value)))
    return rows
