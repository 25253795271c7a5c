"""Campaign drift: what a LeadByte campaign sync changed in a campaign's fields.

LeadByte campaigns are edited by people on LeadByte's side. When a sync finds a new
required field, a removed field, new or removed choices or a field that became required,
the destinations sending to that campaign may start failing or sending the wrong values, so
the change is recorded (``CampaignChange``), shown in plain words, and flagged until an
admin acknowledges it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from vendors.models import Campaign, CampaignChange, Destination

FIELD_ADDED = "field_added"
FIELD_REMOVED = "field_removed"
BECAME_REQUIRED = "became_required"
BECAME_OPTIONAL = "became_optional"
CHOICES_ADDED = "choices_added"
CHOICES_REMOVED = "choices_removed"
TYPE_CHANGED = "type_changed"

FieldsMetadata = Mapping[str, Mapping[str, Any]]


def fields_metadata(campaign: Campaign) -> dict[str, dict[str, Any]]:
    """The campaign's cached fields by name, as ``CampaignField.as_metadata`` gives them."""
    return {f.name: f.as_metadata() for f in campaign.fields.all()}


def _choices(meta: Mapping[str, Any]) -> list[str]:
    raw = str(meta.get("selection_values") or "")
    return [part.strip() for part in raw.split(",") if part.strip()]


def _entry(kind: str, meta: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "field": str(meta.get("name", "")),
        "label": str(meta.get("label") or meta.get("name", "")),
        **extra,
    }


def campaign_fields_diff(before: FieldsMetadata, after: FieldsMetadata) -> list[dict[str, Any]]:
    """Every change between two field listings that matters to what staff send."""
    changes: list[dict[str, Any]] = []
    for name, meta in after.items():
        if name not in before:
            changes.append(_entry(FIELD_ADDED, meta, required=bool(meta.get("required"))))
    for name, meta in before.items():
        if name not in after:
            changes.append(_entry(FIELD_REMOVED, meta, required=bool(meta.get("required"))))
    for name, new in after.items():
        old = before.get(name)
        if old is None:
            continue
        if bool(new.get("required")) != bool(old.get("required")):
            kind = BECAME_REQUIRED if new.get("required") else BECAME_OPTIONAL
            changes.append(_entry(kind, new))
        old_choices, new_choices = _choices(old), _choices(new)
        added = [c for c in new_choices if c not in old_choices]
        removed = [c for c in old_choices if c not in new_choices]
        if added:
            changes.append(_entry(CHOICES_ADDED, new, values=added))
        if removed:
            changes.append(_entry(CHOICES_REMOVED, new, values=removed))
        if str(new.get("data_type") or "") != str(old.get("data_type") or ""):
            changes.append(
                _entry(
                    TYPE_CHANGED,
                    new,
                    old_type=str(old.get("data_type") or "Text"),
                    new_type=str(new.get("data_type") or "Text"),
                )
            )
    return changes


def describe(entry: Mapping[str, Any]) -> str:
    """One change in plain words."""
    field = f"“{entry.get('label') or entry.get('field')}” ({entry.get('field')})"
    values = ", ".join(str(v) for v in entry.get("values") or [])
    kind = entry.get("kind")
    if kind == FIELD_ADDED:
        if entry.get("required"):
            return f"New required field {field}: every lead must now carry it."
        return f"New optional field {field}."
    if kind == FIELD_REMOVED:
        return f"Field {field} was removed: it is no longer asked for or sent."
    if kind == BECAME_REQUIRED:
        return f"Field {field} is now required."
    if kind == BECAME_OPTIONAL:
        return f"Field {field} is no longer required."
    if kind == CHOICES_ADDED:
        return f"Field {field} has new choices: {values}."
    if kind == CHOICES_REMOVED:
        return f"Field {field} no longer accepts: {values}."
    if kind == TYPE_CHANGED:
        return (
            f"Field {field} changed type from {entry.get('old_type')} to {entry.get('new_type')}."
        )
    return f"Field {field} changed."


def campaign_drift_record(
    *, campaign: Campaign, before: FieldsMetadata, after: FieldsMetadata, now: Any = None
) -> CampaignChange | None:
    """Record what changed in the campaign's fields, if anything did."""
    changes = campaign_fields_diff(before, after)
    if not changes:
        return None
    return CampaignChange.objects.create(
        campaign=campaign, changes=changes, detected_at=now or timezone.now()
    )


def open_changes() -> QuerySet[CampaignChange]:
    return CampaignChange.objects.filter(acknowledged_at__isnull=True)


def destinations_with_open_changes() -> QuerySet[Destination]:
    """Destinations whose campaign changed since an admin last acknowledged it."""
    return Destination.objects.filter(Exists(open_changes().filter(campaign=OuterRef("campaign"))))


def open_changes_by_campaign(campaign_ids: Iterable[int | None]) -> dict[int, list[CampaignChange]]:
    """Unacknowledged changes for the given campaigns, newest first, in one query."""
    ids = [pk for pk in campaign_ids if pk]
    found: dict[int, list[CampaignChange]] = {}
    if not ids:
        return found
    for change in open_changes().filter(campaign_id__in=ids).order_by("-detected_at", "-id"):
        found.setdefault(change.campaign_id, []).append(change)
    return found


@transaction.atomic
def campaign_changes_acknowledge(*, campaign: Campaign, user: Any = None) -> int:
    """Mark every open change of the campaign as seen; return how many there were."""
    return (
        open_changes()
        .filter(campaign=campaign)
        .update(acknowledged_at=timezone.now(), acknowledged_by=user)
    )
