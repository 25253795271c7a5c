"""A lead's source: written once, with the lead, by whichever path took it in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from leadhub.attribution.models import (
    DETAIL_FIELDS,
    PAGE_FIELDS,
    SUB_ID_FIELDS,
    URL_MAX,
    USER_AGENT_MAX,
    LeadSource,
    SourceKind,
)
from leadhub.attribution.visitor import ip_address_clean
from leadhub.bulk_insert import copy_supported, rows_copy
from leadhub.models import Lead


@dataclass(frozen=True)
class SourceDetails:
    """Where a lead came from, before it is saved: the path, which key, import or user, and
    what the sender passed (sub-ids, UTM parameters, click ids, pages, IP, browser)."""

    kind: SourceKind
    api_key_id: int | None = None
    import_job_id: int | None = None
    user_id: int | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    ip_address: str | None = None
    user_agent: str = ""


def source_details_clean(values: Mapping[str, Any] | None) -> dict[str, str]:
    """The campaign details among ``values`` as stored: text, trimmed, cut to the column's
    length, blanks and unknown names left out (a sender's extra keys are not an error)."""
    cleaned: dict[str, str] = {}
    for name in DETAIL_FIELDS:
        value = (values or {}).get(name)
        if value is None or isinstance(value, dict | list):
            continue
        text = _text(value)
        if text:
            cleaned[name] = text[: URL_MAX if name in PAGE_FIELDS else 255]
    return cleaned


def _text(value: object) -> str:
    # PostgreSQL refuses a NUL character in text; nothing a person typed holds one.
    return str(value).replace("\x00", "").strip()


def lead_source_build(*, lead_id: int, source: SourceDetails) -> LeadSource:
    return LeadSource(
        lead_id=lead_id,
        kind=source.kind,
        api_key_id=source.api_key_id,
        import_job_id=source.import_job_id,
        user_id=source.user_id,
        ip_address=ip_address_clean(source.ip_address),
        user_agent=_text(source.user_agent or "")[:USER_AGENT_MAX],
        **source_details_clean(source.details),
    )


def lead_source_record(*, lead: Lead, source: SourceDetails) -> LeadSource:
    """Keep ``lead``'s source; called in the transaction that saves the lead."""
    row = lead_source_build(lead_id=lead.pk, source=source)
    row.lead = lead  # and lead.source, for the answer built next
    row.save(force_insert=True)
    return row


def import_source(*, import_job_id: int, user_id: int | None) -> SourceDetails:
    """An imported lead's source: the import, and the user who started it."""
    return SourceDetails(kind=SourceKind.IMPORT, import_job_id=import_job_id, user_id=user_id)


def lead_sources_insert(*, lead_ids: Sequence[int], source: SourceDetails) -> None:
    """The same source for many new leads (an import's chunk), in the caller's transaction:
    COPY on PostgreSQL, as the leads themselves went in, else one bulk insert."""
    if not lead_ids:
        return
    if copy_supported():
        # The lead (the primary key) is the one column each row gives.
        template = lead_source_build(lead_id=0, source=source)
        rows_copy(template, ("lead_id",), ((pk,) for pk in lead_ids))
        return
    LeadSource.objects.bulk_create(lead_source_build(lead_id=pk, source=source) for pk in lead_ids)


# What may carry the person's own values (a page's query string, a sender's sub-id): scrubbed
# of them when the person is erased. The UTM parameters and click ids name campaigns and
# ads, not people: kept, so the reports by source stay true.
SCRUBBED_FIELDS = (*SUB_ID_FIELDS, *PAGE_FIELDS)
SCRUBBED_LIMITS = {
    name: getattr(LeadSource._meta.get_field(name), "max_length", 0) for name in SCRUBBED_FIELDS
}


def lead_sources_anonymise(*, lead_ids: Sequence[int], scrub: Callable[[str], str]) -> int:
    """Erase the sources of ``lead_ids`` (in the caller's erasure transaction): no address,
    no browser, and the pages and sub-ids scrubbed of the person's values. Returns how many."""
    sources = list(LeadSource.objects.filter(lead_id__in=lead_ids).order_by("pk"))
    for source in sources:
        source.ip_address = None
        source.user_agent = ""
        for name in SCRUBBED_FIELDS:
            # "[erased]" can be longer than what it replaces: cut to the column again, or
            # a value already at its limit would refuse the whole erasure.
            setattr(source, name, scrub(getattr(source, name))[: SCRUBBED_LIMITS[name]])
    LeadSource.objects.bulk_update(
        sources, ["ip_address", "user_agent", *SCRUBBED_FIELDS], batch_size=500
    )
    return len(sources)


def lead_source_addresses_forget(*, lead_ids: Sequence[int]) -> int:
    """Forget the IP address and browser of these leads' sources (the retention prune)."""
    return LeadSource.objects.filter(lead_id__in=lead_ids).update(ip_address=None, user_agent="")
