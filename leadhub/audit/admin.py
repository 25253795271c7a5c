"""The audit log page: read-only, for integration admins (``auditlog.view_logentry``),
filtered by person, kind of object, object and action. Replaces django-auditlog's own page
with LeadHub's words."""

from __future__ import annotations

from typing import Any

from auditlog.admin import LogEntryAdmin as LibraryLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from leadhub.audit.services import LIBRARY_WORDS, AuditAction, audit_action_label

admin.site.unregister(LogEntry)

# The filter's values: the library's kinds by number, explicit events by name.
ACTION_CHOICES: list[tuple[str, str]] = [
    *((str(number), words) for number, words in LIBRARY_WORDS.items() if number != 3),
    *((str(value), str(label)) for value, label in AuditAction.choices),
]


class ActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "what"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return ACTION_CHOICES

    def queryset(self, request: HttpRequest, queryset: QuerySet[LogEntry]) -> Any:
        value = self.value()
        if not value:
            return queryset
        if value.isdigit():  # created, changed, deleted: the library's own entries
            return queryset.filter(action=int(value)).filter(
                Q(additional_data__isnull=True) | Q(additional_data__event__isnull=True)
            )
        return queryset.filter(additional_data__event=value)


@admin.register(LogEntry)
class AuditLogAdmin(LibraryLogEntryAdmin):
    list_display = ["created", "who", "what", "resource_url", "details"]
    list_filter = [
        ActionFilter,
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("content_type", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["object_repr", "actor__username"]
    readonly_fields = ["created", "who", "what", "resource_url", "details", "msg"]
    fieldsets = [
        (None, {"fields": ["created", "who", "what", "resource_url"]}),
        ("What changed", {"fields": ["details", "msg"]}),
    ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        return super().changelist_view(request, {"title": "Audit log", **(extra_context or {})})

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # One object's history: ?content_type__id__exact=..&object_pk=..
        return lookup in {"object_pk", "object_pk__exact"} or super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description="Who", ordering="actor")
    def who(self, obj: LogEntry) -> str:
        return obj.actor.get_username() if obj.actor else "LeadHub (automatic)"

    @admin.display(description="What")
    def what(self, obj: LogEntry) -> str:
        return audit_action_label(obj)

    @admin.display(description="Details")
    def details(self, obj: LogEntry) -> str:
        data = {k: v for k, v in (obj.additional_data or {}).items() if k != "event"}
        if data:
            return "; ".join(f"{key}: {_words(value)}" for key, value in data.items())
        if obj.action == LogEntry.Action.UPDATE and obj.changes:
            return format_html("{}", ", ".join(obj.changes_dict))
        return ""


def _words(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
