"""The LeadByte campaign cache: campaigns and their fields, refreshed from LeadByte."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from vendors.campaign_fields import CampaignFieldMeta
from vendors.clients import connection_client
from vendors.connection_state import connection_record_error, connection_record_sync
from vendors.drift import campaign_drift_record
from vendors.leadbyte import LeadByte
from vendors.models import Campaign, CampaignField, Connection
from vendors.outcomes import Condition
from vendors.results import VendorError

CAMPAIGN_FLAGS = ("active", "sup_visible", "archived")
CAMPAIGN_TEXT = ("name", "reference", "description", "currency", "country", "sms_field")


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    delisted: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} new" + (f" ({', '.join(self.added)})" if self.added else ""),
            f"{len(self.changed)} changed"
            + (f" ({', '.join(self.changed)})" if self.changed else ""),
            f"{len(self.delisted)} no longer listed"
            + (f" ({', '.join(self.delisted)})" if self.delisted else ""),
            f"{self.unchanged} unchanged",
        ]
        return ", ".join(parts)


def _text(model: type[models.Model], name: str, value: object) -> str:
    """A vendor value as text that fits the column (LeadByte's answers are untrusted)."""
    column = model._meta.get_field(name)
    limit = column.max_length if isinstance(column, models.Field) else None
    text = str(value or "").replace("\x00", "")
    return text[:limit] if limit else text


def _flag(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes"}


def campaigns_sync(*, connection: Connection) -> SyncReport:
    """Refresh the cached campaigns and their fields from LeadByte.

    A campaign LeadByte no longer lists is kept and marked unlisted, never deleted: past
    submissions and destinations point at it. On a vendor error nothing is changed and the
    error is recorded on the connection.
    """
    client = connection_client(connection)
    if not isinstance(client, LeadByte):
        raise ValueError(f"{connection} is not a LeadByte connection")
    now = timezone.now()

    def read_all() -> list[dict[str, Any]]:
        listed = client.list_campaigns()
        return [client.get_campaign(str(c.get("id", ""))) for c in listed if c.get("id")]

    reply = client.call("", read_all)
    if reply.failure is not None or reply.value is None:
        # LeadByte's own words travel on, masked and capped by the client.
        message = reply.failure.message if reply.failure else "LeadByte sent nothing."
        connection_record_error(
            connection_id=connection.pk, message=f"Campaign sync failed: {message}"
        )
        condition = Condition(reply.failure.condition) if reply.failure else None
        raise VendorError(message, condition=condition)
    details = reply.value
    report = SyncReport()
    with transaction.atomic():
        seen: set[str] = set()
        for detail in details:
            vendor_id = _text(Campaign, "vendor_id", str(detail.get("id")))
            seen.add(vendor_id)
            _sync_one(connection, detail, now, report)
        for campaign in connection.campaigns.filter(listed=True).exclude(vendor_id__in=seen):
            campaign.listed = False
            campaign.active = False
            campaign.save(update_fields=["listed", "active"])
            report.delisted.append(campaign.reference)
        connection_record_sync(connection_id=connection.pk, summary=report.summary(), now=now)
    return report


def _sync_one(
    connection: Connection, detail: dict[str, Any], now: datetime, report: SyncReport
) -> None:
    vendor_id = _text(Campaign, "vendor_id", str(detail.get("id")))
    values: dict[str, Any] = {
        name: _text(Campaign, name, detail.get(name)) for name in CAMPAIGN_TEXT
    }
    values.update({name: _flag(detail.get(name)) for name in CAMPAIGN_FLAGS})
    campaign, created = Campaign.objects.get_or_create(
        connection=connection, vendor_id=vendor_id, defaults={**values, "synced_at": now}
    )
    before = _snapshot(campaign)
    fields_before = None if created else campaign.fields_metadata()
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.listed = True
    campaign.synced_at = now
    campaign.save()
    kept: set[str] = set()
    for position, raw in enumerate(detail.get("fields") or []):
        meta = CampaignFieldMeta.from_leadbyte(raw)
        if meta is None:
            continue
        kept.add(meta.name)
        CampaignField.objects.update_or_create(
            campaign=campaign, name=meta.name, defaults={**meta.columns(), "position": position}
        )
    campaign.fields.exclude(name__in=kept).delete()
    if fields_before is None:
        report.added.append(campaign.reference)
        return
    fields_after = campaign.fields_metadata()
    campaign_drift_record(campaign=campaign, before=fields_before, after=fields_after, now=now)
    if before != _snapshot(campaign) or fields_before != fields_after:
        report.changed.append(campaign.reference)
    else:
        report.unchanged += 1


def _snapshot(campaign: Campaign) -> tuple[Any, ...]:
    """The campaign's own values (its fields are compared in LeadByte's shape)."""
    return tuple(getattr(campaign, n) for n in (*CAMPAIGN_TEXT, *CAMPAIGN_FLAGS))
