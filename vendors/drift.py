"""Campaign drift: what a LeadByte campaign sync changed in a campaign's fields, and the
destinations whose campaign LeadByte no longer takes leads for.

LeadByte campaigns are edited by people on LeadByte's side. When a sync finds a new
required field, a removed field, new or removed choices or a field that became required,
the destinations sending to that campaign may start failing or sending the wrong values, so
the change is recorded (``CampaignChange``), shown in plain words (``vendors.field_changes``),
and flagged until an admin acknowledges it. A sync that finds a campaign switched off,
archived or gone flags its destinations the same way, until they point elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from vendors.campaign_fields import CampaignFieldMeta
from vendors.field_changes import ChangeKind
from vendors.models import Campaign, CampaignChange, Destination, unusable_campaign_q

# Sent with the new CampaignChange when a sync finds a campaign's fields changed.
campaign_drifted = Signal()

FieldsMetadata = Mapping[str, CampaignFieldMeta]


def _entry(kind: str, meta: CampaignFieldMeta, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "field": meta.name, "label": meta.label or meta.name, **extra}


def campaign_fields_diff(before: FieldsMetadata, after: FieldsMetadata) -> list[dict[str, Any]]:
    """Every change between two field listings (by name) that matters to what staff send."""
    changes: list[dict[str, Any]] = []
    for name, meta in after.items():
        if name not in before:
            changes.append(_entry(ChangeKind.FIELD_ADDED, meta, required=meta.required))
    for name, meta in before.items():
        if name not in after:
            changes.append(_entry(ChangeKind.FIELD_REMOVED, meta, required=meta.required))
    for name, new in after.items():
        old = before.get(name)
        if old is None:
            continue
        if new.required != old.required:
            changes.append(
                _entry(
                    ChangeKind.BECAME_REQUIRED if new.required else ChangeKind.BECAME_OPTIONAL, new
                )
            )
        old_choices, new_choices = old.choice_values, new.choice_values
        added = [c for c in new_choices if c not in old_choices]
        removed = [c for c in old_choices if c not in new_choices]
        if added:
            changes.append(_entry(ChangeKind.CHOICES_ADDED, new, values=added))
        if removed:
            changes.append(_entry(ChangeKind.CHOICES_REMOVED, new, values=removed))
        if new.data_type != old.data_type:
            changes.append(
                _entry(
                    ChangeKind.TYPE_CHANGED,
                    new,
                    old_type=old.data_type or "Text",
                    new_type=new.data_type or "Text",
                )
            )
    return changes


def campaign_drift_record(
    *,
    campaign: Campaign,
    before: FieldsMetadata,
    after: FieldsMetadata,
    now: datetime | None = None,
) -> CampaignChange | None:
    """Record what changed in the campaign's fields, if anything did."""
    changes = campaign_fields_diff(before, after)
    if not changes:
        return None
    change = CampaignChange.objects.create(
        campaign=campaign, changes=changes, detected_at=now or timezone.now()
    )
    campaign_drifted.send(sender=CampaignChange, change=change)
    return change


def open_changes() -> QuerySet[CampaignChange]:
    return CampaignChange.objects.filter(acknowledged_at__isnull=True)


def destinations_with_open_changes() -> QuerySet[Destination]:
    """Destinations whose campaign changed since an admin last acknowledged it."""
    return Destination.objects.filter(Exists(open_changes().filter(campaign=OuterRef("campaign"))))


def destinations_on_unusable_campaigns() -> QuerySet[Destination]:
    """Active destinations whose LeadByte campaign refuses every lead: staff are no longer
    offered them, and an admin should point them at another campaign or switch them off."""
    return Destination.objects.filter(unusable_campaign_q("campaign__"), is_active=True)


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
