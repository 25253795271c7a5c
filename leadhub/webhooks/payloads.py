"""What a webhook says: the event's type, when it happened, and ids, statuses and links.

Personal data stays in LeadHub: no name, e-mail, phone or address, no vendor message (a
vendor may echo what it was sent), no credential. A receiver that needs the lead's details
follows the link with its API key. Built when the event happens, inside the writer's
transaction, so the payload says what was true then.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from leadhub.events import Event
from leadhub.models import Lead, Submission
from vendors.models import CampaignChange, Connection


def link(path: str) -> str:
    return settings.LEADHUB_PUBLIC_URL.rstrip("/") + path


def event_payload(
    event: str, *, object_id: int, data: dict[str, Any], at: datetime | None = None
) -> dict[str, Any]:
    """The Standard Webhooks envelope: ``type``, ``timestamp`` and ``data``."""
    return {
        "type": event,
        "timestamp": (at or timezone.now()).isoformat().replace("+00:00", "Z"),
        "data": _data(event, object_id, data),
    }


def _data(event: str, object_id: int, data: dict[str, Any]) -> dict[str, Any]:
    if event.startswith("submission."):
        return _submission(object_id)
    if event == Event.LEAD_CREATED:
        return _lead(object_id)
    if event.startswith("connection."):
        return _connection(object_id, data)
    if event == Event.CAMPAIGN_DRIFTED:
        return _campaign_change(object_id)
    return {"id": object_id, **{k: v for k, v in data.items() if isinstance(v, str | int)}}


def _submission(pk: int) -> dict[str, Any]:
    row = Submission.objects.filter(pk=pk).select_related("connection", "destination").first()
    if row is None:
        return {"object": "submission", "id": pk}
    return {
        "object": "submission",
        "id": row.pk,
        "status": row.status,
        "lead_id": row.lead_id,
        "destination": (
            {"id": row.destination_id, "name": row.destination.name} if row.destination else None
        ),
        "vendor": row.connection.kind,
        "operation": row.operation,
        "vendor_reference": row.vendor_reference,
        "attempts": row.attempt_count,
        "links": {
            "admin": link(reverse("admin:leadhub_submission_change", args=[row.pk])),
            "api": link(f"/api/v1/submissions/{row.pk}"),
            "lead": link(reverse("admin:leadhub_lead_change", args=[row.lead_id])),
        },
    }


def _lead(pk: int) -> dict[str, Any]:
    submissions = list(Submission.objects.filter(lead_id=pk).order_by("pk").values("pk", "status"))
    return {
        "object": "lead",
        "id": pk,
        "created_at": _iso(Lead.objects.filter(pk=pk).values_list("created_at", flat=True).first()),
        "submissions": [{"id": s["pk"], "status": s["status"]} for s in submissions],
        "links": {
            "admin": link(reverse("admin:leadhub_lead_change", args=[pk])),
            "api": link(f"/api/v1/leads/{pk}"),
        },
    }


def _connection(pk: int, data: dict[str, Any]) -> dict[str, Any]:
    row = dict(Connection.objects.filter(pk=pk).values("name", "kind").first() or {})
    return {
        "object": "connection",
        "id": pk,
        "name": row.get("name", ""),
        "vendor": row.get("kind", ""),
        # A PauseReason: failures, credentials or manual; never the vendor's own words.
        **({"reason": str(data["reason"])} if data.get("reason") else {}),
        "links": {"admin": link(reverse("admin:vendors_connection_change", args=[pk]))},
    }


def _campaign_change(pk: int) -> dict[str, Any]:
    row = dict(CampaignChange.objects.filter(pk=pk).values("campaign_id").first() or {})
    campaign_id = row.get("campaign_id")
    return {
        "object": "campaign_change",
        "id": pk,
        "campaign_id": campaign_id,
        "links": (
            {"admin": link(reverse("admin:vendors_campaign_change", args=[campaign_id]))}
            if campaign_id
            else {}
        ),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
