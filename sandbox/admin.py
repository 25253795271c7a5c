"""The sandbox in the admin: inject faults by hand, see what the simulated vendors received."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest

from sandbox.models import SandboxFault, SandboxRecord


class SandboxFaultAdmin(admin.ModelAdmin):
    list_display = ("mode", "path_prefix", "method", "remaining", "hits", "created_at")
    list_filter = ("mode",)
    fields = ("path_prefix", "method", "mode", "remaining", "retry_after", "delay_seconds", "hits")
    readonly_fields = ("hits",)


class SandboxRecordAdmin(admin.ModelAdmin):
    """What the simulated vendors received, counted, never the payloads: a login's payload
    is the sandbox account's credentials."""

    list_display = ("id", "vendor", "endpoint", "status", "accepted", "reference", "received_at")
    fields = ("vendor", "endpoint", "status", "accepted", "reference", "received_at")
    list_filter = ("vendor", "endpoint", "accepted", "status")
    search_fields = ("=reference",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# Only where the sandbox is served (never in production).
if settings.SANDBOX_ENABLED:
    admin.site.register(SandboxFault, SandboxFaultAdmin)
    admin.site.register(SandboxRecord, SandboxRecordAdmin)
