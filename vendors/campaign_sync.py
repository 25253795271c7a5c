"""The LeadByte campaign cache: campaigns and their fields, refreshed from LeadByte.

A sync an admin starts runs in the background as a ``CampaignSync`` row: this module is
its one writer (requested, how many campaigns read, what the sync found, and deleted once
past retention: ``campaign_syncs_prune``), and the admin's sync page polls it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django_q.tasks import async_task

from vendors.campaign_fields import CampaignFieldMeta
from vendors.clients import connection_client
from vendors.connection_state import connection_record_error, connection_record_sync
from vendors.drift import campaign_drift_record
from vendors.leadbyte import LeadByte
from vendors.models import Campaign, CampaignField, CampaignSync, Connection
from vendors.outcomes import Condition
from vendors.results import VendorError

CAMPAIGN_FLAGS = ("active", "sup_visible", "archived")
CAMPAIGN_TEXT = ("name", "reference", "description", "currency", "country", "sms_field")
SYNC_TASK = "vendors.tasks.run_campaign_sync"

# Told (campaigns read, campaigns listed) as a sync reads LeadByte.
Progress = Callable[[int, int], None]


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    delisted: list[str] = field(default_factory=list)
    unchanged: int = 0
    # Campaign reference → what changed in its fields, in plain words (vendors.drift).
    fields_changed: dict[str, list[str]] = field(default_factory=dict)
    # Listed campaigns LeadByte switched off or archived since the last sync.
    deactivated: list[str] = field(default_factory=list)

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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(model: type[models.Model], name: str, value: object) -> str:
    """A vendor value as text that fits the column (LeadByte's answers are untrusted)."""
    column = model._meta.get_field(name)
    limit = column.max_length if isinstance(column, models.Field) else None
    text = str(value or "").replace("\x00", "")
    return text[:limit] if limit else text


def _flag(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes"}


def campaigns_sync(*, connection: Connection, progress: Progress | None = None) -> SyncReport:
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
        ids = [str(c["id"]) for c in client.list_campaigns() if c.get("id")]
        details: list[dict[str, Any]] = []
        for campaign_id in ids:
            if progress is not None:
                progress(len(details), len(ids))
            details.append(client.get_campaign(campaign_id))
        if progress is not None:
            progress(len(details), len(ids))
        return details

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
    was_usable = campaign.usable
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
    change = campaign_drift_record(
        campaign=campaign, before=fields_before, after=fields_after, now=now
    )
    if change is not None:
        report.fields_changed[campaign.reference] = change.descriptions()
    if was_usable and not campaign.usable:
        report.deactivated.append(campaign.reference)
    if before != _snapshot(campaign) or fields_before != fields_after:
        report.changed.append(campaign.reference)
    else:
        report.unchanged += 1


def _snapshot(campaign: Campaign) -> tuple[Any, ...]:
    """The campaign's own values (its fields are compared in LeadByte's shape)."""
    return tuple(getattr(campaign, n) for n in (*CAMPAIGN_TEXT, *CAMPAIGN_FLAGS))


def campaign_syncs_start(
    *, connections: Iterable[Connection], user: Any = None
) -> list[CampaignSync]:
    """A background sync of each LeadByte connection, recorded so its page can follow it."""
    syncs = [
        CampaignSync.objects.create(connection=connection, requested_by=user)
        for connection in connections
        if connection.kind == LeadByte.kind
    ]

    def enqueue() -> None:
        for sync in syncs:
            async_task(SYNC_TASK, sync.pk, group="sync")

    # Inline tasks (tests) run at once; a worker must find the rows committed.
    if settings.Q_CLUSTER.get("sync"):
        enqueue()
    else:
        transaction.on_commit(enqueue)
    return syncs


def campaign_sync_run(*, sync_id: int) -> CampaignSync:
    """Run a started sync, writing down how far it got and, at the end, what it found."""
    sync = CampaignSync.objects.select_related("connection").get(pk=sync_id)
    if sync.finished:
        return sync  # delivered twice by the broker: once is enough
    rows = CampaignSync.objects.filter(pk=sync.pk)
    rows.update(started_at=timezone.now())

    def progress(done: int, total: int) -> None:
        rows.update(campaigns_read=done, campaigns_total=total)

    try:
        report = campaigns_sync(connection=sync.connection, progress=progress)
    except VendorError as err:
        # Also on the connection (campaigns_sync): this is what the sync page shows.
        rows.update(finished_at=timezone.now(), error=f"Campaign sync failed: {err.message}")
    except Exception:
        # Not the vendor's doing: the task's failure (django-q) keeps the traceback.
        rows.update(finished_at=timezone.now(), error="Campaign sync stopped on an error.")
        raise
    else:
        rows.update(finished_at=timezone.now(), report=report.as_dict())
    sync.refresh_from_db()
    return sync


def campaign_syncs_due(cutoff: datetime) -> QuerySet[CampaignSync]:
    """The syncs requested before ``cutoff`` that may go: all but each connection's newest,
    whose result its sync page and the connection's page still show."""
    newest = (
        CampaignSync.objects.filter(connection=OuterRef("connection"))
        .order_by("-requested_at", "-id")
        .values("pk")[:1]
    )
    return CampaignSync.objects.filter(requested_at__lt=cutoff).exclude(pk=Subquery(newest))


def campaign_syncs_prune(*, ids: Iterable[int], cutoff: datetime) -> int:
    """Delete those of ``ids`` still due at ``cutoff``; how many went."""
    _, deleted = campaign_syncs_due(cutoff).filter(pk__in=list(ids)).delete()
    return deleted.get(CampaignSync._meta.label, 0)
