"""The campaign sync page: each sync an admin started, its progress while it runs and what
it found when it ends, polled by static/leadhub/live_panel.js without a reload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from vendors.models import CampaignSync

# A page follows the syncs one action started: a handful.
MAX_SYNCS_SHOWN = 20
STATE_LABELS = {
    "waiting": ("Waiting for a worker", "queued"),
    "running": ("Reading campaigns", "sending"),
    "done": ("Done", "accepted"),
    "failed": ("Failed", "rejected"),
}
# What a finished sync found: report key, words.
RESULT_ROWS = (
    ("added", "Campaigns added"),
    ("changed", "Campaigns changed"),
    ("delisted", "Campaigns gone (no longer listed)"),
    ("deactivated", "Campaigns switched off or archived"),
)


@dataclass
class SyncView:
    """One sync as the page says it."""

    sync: CampaignSync
    label: str
    css: str
    progress: str
    results: list[tuple[str, int, str]] = field(default_factory=list)
    unchanged: int = 0
    fields_changed: list[tuple[str, list[str]]] = field(default_factory=list)
    campaigns_url: str = ""


def sync_view(sync: CampaignSync) -> SyncView:
    label, css = STATE_LABELS[sync.state]
    total = sync.campaigns_total
    if sync.state == "waiting":
        progress = "The sync starts as soon as a background worker is free."
    elif total is None:
        progress = "Asking LeadByte for its campaigns…"
    else:
        progress = (
            f"{sync.campaigns_read} of {total} campaign{pluralize(total)} read from LeadByte."
        )
    view = SyncView(sync=sync, label=label, css=css, progress=progress)
    if sync.state == "done":
        report = sync.report
        view.progress = f"{total or 0} campaign{pluralize(total or 0)} read from LeadByte."
        view.results = [
            (words, len(report.get(key) or []), ", ".join(report.get(key) or []))
            for key, words in RESULT_ROWS
        ]
        view.unchanged = int(report.get("unchanged") or 0)
        view.fields_changed = sorted((report.get("fields_changed") or {}).items())
        view.campaigns_url = (
            f"{reverse('admin:vendors_campaign_changelist')}"
            f"?connection__id__exact={sync.connection_id}"
        )
    return view


def syncs_payload(syncs: Sequence[CampaignSync]) -> dict[str, Any]:
    """What the page shows, as JSON: each sync's state and the panel rendered again."""
    views = [sync_view(sync) for sync in syncs]
    return {
        "pending": any(not sync.finished for sync in syncs),
        "syncs": [
            {
                "id": v.sync.pk,
                "connection": v.sync.connection.name,
                "state": v.sync.state,
                "campaigns_read": v.sync.campaigns_read,
                "campaigns_total": v.sync.campaigns_total,
                "report": v.sync.report,
                "error": v.sync.error,
            }
            for v in views
        ],
        "html": render_to_string("admin/vendors/connection/sync_panel.html", {"views": views}),
    }


class CampaignSyncPages(admin.ModelAdmin):
    """The sync page and its status endpoint, on the connection admin."""

    def sync_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("sync/", view(self.sync_page), name="vendors_connection_sync"),
            path("sync/status/", view(self.sync_status), name="vendors_connection_sync_status"),
        ]

    def sync_page_url(self, syncs: Sequence[CampaignSync]) -> str:
        ids = ",".join(str(sync.pk) for sync in syncs)
        return f"{reverse('admin:vendors_connection_sync')}?ids={ids}"

    def _syncs(self, request: HttpRequest) -> list[CampaignSync]:
        ids = [int(p) for p in request.GET.get("ids", "").split(",") if p.strip().isdigit()]
        return list(
            CampaignSync.objects.filter(pk__in=ids[:MAX_SYNCS_SHOWN])
            .select_related("connection")
            .order_by("connection__name", "pk")
        )

    def sync_page(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        syncs = self._syncs(request)
        payload = syncs_payload(syncs)
        status_url = f"{reverse('admin:vendors_connection_sync_status')}?{request.GET.urlencode()}"
        return TemplateResponse(
            request,
            "admin/vendors/connection/sync_progress.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Campaign sync",
                "panel": payload["html"],
                "pending": payload["pending"],
                "status_url": status_url,
                "syncs": syncs,
            },
        )

    def sync_status(self, request: HttpRequest) -> JsonResponse:
        """The syncs as JSON, polled by the sync page until every one has finished."""
        if not self.has_change_permission(request):
            return JsonResponse({"error": "You may not sync campaigns."}, status=403)
        return JsonResponse(syncs_payload(self._syncs(request)))
