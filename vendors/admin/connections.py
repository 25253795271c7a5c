"""The connection admin: add one vendor at a time, test it, sync its campaigns, pause and
resume its delivery, and (Getlead) assign a source number to a department."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import URLPattern
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince

from vendors.admin.campaign_syncs import MAX_SYNCS_SHOWN, CampaignSyncPages
from vendors.admin.common import ChangePageMixin, warn_capped
from vendors.admin.connection_tests import ConnectionTestPages
from vendors.admin.forms import (
    CREDENTIAL_PREFIX,
    LIMIT_FIELDS,
    SETTING_PREFIX,
    connection_form_class,
    credentials_problem,
)
from vendors.campaign_sync import campaign_syncs_start
from vendors.connection_state import connection_pause, connection_resume
from vendors.connection_test import connection_test
from vendors.departments import department_assign
from vendors.form_fields import form_fields
from vendors.getlead import ASSIGN_DEPARTMENT_FIELDS
from vendors.models import Connection, PauseReason
from vendors.outcomes import Outcome
from vendors.registry import VendorKind, adapter_class, implemented_kinds

# Each test is a live vendor call made while the admin waits for the page.
MAX_TESTED_AT_ONCE = 10
# The syncs one action starts, all followed on one page (vendors.admin.campaign_syncs).
MAX_SYNCED_AT_ONCE = MAX_SYNCS_SHOWN
# How a test's answer is told: it worked, it failed, or the vendor has no test (None).
TEST_LEVEL: dict[bool | None, int] = {True: messages.SUCCESS, False: messages.ERROR}
TEST_STATE: dict[bool | None, str] = {True: "works", False: "failed"}
# The last test's badge: its word and its colour.
CHECK_BADGES: dict[bool | None, tuple[str, str]] = {
    True: ("OK", "accepted"),
    False: ("Failed", "rejected"),
    None: ("No test", "duplicate"),
}


@admin.register(Connection)
class ConnectionAdmin(CampaignSyncPages, ConnectionTestPages, ChangePageMixin):
    # Health first, on one line a row at 1366 px: long values are cut, whole in a title.
    list_display = (
        "name",
        "kind",
        "is_active",
        "delivery",
        "last_success_at",
        "last_error_short",
        "last_sync_at",
        "last_test",
        "address",
    )
    list_filter = ("kind", "is_active", "pause_reason")
    search_fields = ("name",)
    readonly_fields = (
        "delivery_state",
        "pause_message",
        "paused_at",
        "probe_at",
        "consecutive_failures",
        "last_success_at",
        "last_error",
        "last_error_at",
        "last_sync_at",
        "last_sync_summary",
        "last_check",
    )
    actions = [
        "sync_campaigns",
        "test_connection",
        "assign_department",
        "pause_delivery",
        "resume_delivery",
    ]

    def get_urls(self) -> list[URLPattern]:
        return [*self.sync_urls(), *self.typed_test_urls(), *super().get_urls()]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Connection]:
        # Lists and lookups never decrypt: a key problem cannot take the pages down.
        return super().get_queryset(request).defer("credentials")

    def change_page(self, request: HttpRequest, object_id: str) -> dict[str, Any] | HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        problem = credentials_problem(obj) if obj is not None else ""
        if problem and request.method == "GET":
            self.message_user(
                request,
                f"{problem} Restore that key, or type the credentials again to replace them.",
                messages.ERROR,
            )
        return {"typed_test_url": self.typed_test_url("", object_id) if obj else ""}

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        kind = request.GET.get("kind", "")
        if kind not in implemented_kinds():
            kinds = [(k, VendorKind(k).label) for k in implemented_kinds()]
            return TemplateResponse(
                request,
                "admin/vendors/connection/choose_kind.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "kinds": kinds,
                    "title": "Add a connection: vendor",
                },
            )
        context = {**(extra_context or {}), "typed_test_url": self.typed_test_url(kind)}
        return super().add_view(request, form_url, context)

    def _kind(self, request: HttpRequest, obj: Connection | None) -> str:
        return obj.kind if obj else request.GET.get("kind", "")

    def get_form(
        self,
        request: HttpRequest,
        obj: Connection | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm]:
        kwargs["form"] = connection_form_class(self._kind(request, obj))
        kwargs["fields"] = None
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Connection | None = None) -> list:
        adapter = adapter_class(self._kind(request, obj))
        sets: list = [
            (None, {"fields": ["kind", "name", "base_url", "is_active"]}),
            (
                "Credentials",
                {"fields": [CREDENTIAL_PREFIX + s.name for s in adapter.credential_fields]},
            ),
        ]
        if adapter.setting_fields:
            sets.append(
                ("Settings", {"fields": [SETTING_PREFIX + s.name for s in adapter.setting_fields]})
            )
        sets.append(("Limits", {"fields": list(LIMIT_FIELDS)}))
        if obj:
            sets.append(("Health and delivery", {"fields": list(self.readonly_fields)}))
        return sets

    def _pause_text(self, obj: Connection) -> str:
        since = date_format(timezone.localtime(obj.paused_at), "DATETIME_FORMAT")
        probe = ""
        if obj.pause_reason == PauseReason.FAILURES and obj.probe_at:
            probe = f"; next probe {date_format(timezone.localtime(obj.probe_at), 'TIME_FORMAT')}"
        return f"since {since}{probe}"

    @admin.display(description="Delivery", ordering="paused_at")
    def delivery_state(self, obj: Connection) -> str:
        if not obj.is_paused:
            return format_html('<span class="lh-status lh-status-accepted">{}</span>', "Running")
        return format_html(
            '<span class="lh-status lh-status-exhausted">{}</span> {}',
            obj.get_pause_reason_display(),
            self._pause_text(obj),
        )

    @admin.display(description="Delivery", ordering="paused_at")
    def delivery(self, obj: Connection) -> str:
        """The list's short form: the state, why and since when in its title."""
        if not obj.is_paused:
            return self.delivery_state(obj)
        return format_html(
            '<span class="lh-status lh-status-exhausted" title="{} {}">Paused</span>',
            obj.get_pause_reason_display(),
            self._pause_text(obj),
        )

    @admin.display(description="Address", ordering="base_url")
    def address(self, obj: Connection) -> str:
        return format_html('<span class="lh-cut" title="{}">{}</span>', obj.base_url, obj.base_url)

    @admin.action(
        description="Pause delivery (leads wait, nothing is sent)", permissions=["change"]
    )
    def pause_delivery(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        who = request.user.get_username()
        for connection in queryset:
            connection_pause(
                connection_id=connection.pk,
                reason=PauseReason.MANUAL,
                message=f"Paused by {who}.",
            )
        self.message_user(
            request,
            f"{queryset.count()} connection{pluralize(queryset.count())} paused; their leads "
            "wait until you resume them.",
        )

    @admin.action(description="Resume delivery (send what waited)", permissions=["change"])
    def resume_delivery(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        released = sum(connection_resume(connection_id=c.pk) for c in queryset)
        self.message_user(
            request,
            f"{queryset.count()} connection{pluralize(queryset.count())} resumed; "
            f"{released} lead{pluralize(released)} sent again.",
        )

    @admin.display(description="Last error")
    def last_error_short(self, obj: Connection) -> str:
        if not obj.last_error:
            return ""
        return format_html(
            '<span class="lh-cut" title="{}">{}</span>', obj.last_error, obj.last_error
        )

    @admin.display(description="Last test", ordering="last_check_at")
    def last_check(self, obj: Connection) -> str:
        if obj.last_check_at is None:
            return "Never tested"
        state, css = CHECK_BADGES[obj.last_check_ok]
        return format_html(
            '<span class="lh-status lh-status-{}">{}</span> {} ago: {}',
            css,
            state,
            timesince(obj.last_check_at),
            obj.last_check_message,
        )

    @admin.display(description="Last test", ordering="last_check_at")
    def last_test(self, obj: Connection) -> str:
        """The list's short form: what the test said is in the badge's title."""
        if obj.last_check_at is None:
            return "Never tested"
        state, css = CHECK_BADGES[obj.last_check_ok]
        return format_html(
            '<span class="lh-status lh-status-{}" title="{}">{}</span> {} ago',
            css,
            obj.last_check_message,
            state,
            timesince(obj.last_check_at),
        )

    @admin.action(description="Test connection", permissions=["change"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        """The vendor's cheapest authenticated call, now, for each selected connection."""
        for connection in queryset[:MAX_TESTED_AT_ONCE]:
            result = connection_test(connection=connection)
            level = TEST_LEVEL.get(result.ok, messages.WARNING)
            state = TEST_STATE.get(result.ok, "cannot be tested")
            self.message_user(request, f"{connection.name} {state}: {result.message}", level)
        warn_capped(
            self,
            request,
            selected=queryset.count(),
            limit=MAX_TESTED_AT_ONCE,
            done="tested; the daily check tests all",
        )

    @admin.action(description="Sync campaigns from LeadByte", permissions=["change"])
    def sync_campaigns(
        self, request: HttpRequest, queryset: QuerySet[Connection]
    ) -> HttpResponse | None:
        """Start a background sync of each LeadByte connection, then follow them on the
        sync page, which shows each one's progress and what it found."""
        if queryset.exclude(kind=VendorKind.LEADBYTE).exists():
            self.message_user(
                request, "Only LeadByte connections have campaigns to sync.", messages.WARNING
            )
        leadbyte = list(queryset.filter(kind=VendorKind.LEADBYTE)[:MAX_SYNCED_AT_ONCE])
        if not leadbyte:
            return None
        syncs = campaign_syncs_start(connections=leadbyte, user=request.user)
        warn_capped(
            self,
            request,
            selected=queryset.filter(kind=VendorKind.LEADBYTE).count(),
            limit=MAX_SYNCED_AT_ONCE,
            done="synced; select the others next",
        )
        return HttpResponseRedirect(self.sync_page_url(syncs))

    @admin.action(
        description="Assign a source number to a department (Getlead)", permissions=["change"]
    )
    def assign_department(
        self, request: HttpRequest, queryset: QuerySet[Connection]
    ) -> HttpResponse | None:
        """An intermediate page asks for the source number and the department, then each
        selected Getlead connection is told at once and the answer shown here."""
        getlead = list(queryset.filter(kind=VendorKind.GETLEAD))
        if not getlead:
            self.message_user(
                request, "Only Getlead connections assign departments.", messages.WARNING
            )
            return None
        form_class = type("DepartmentForm", (forms.Form,), form_fields(ASSIGN_DEPARTMENT_FIELDS))
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for connection in getlead:
                result = department_assign(
                    connection=connection,
                    source_number=form.cleaned_data["SourceNumber"],
                    department=form.cleaned_data["department"],
                )
                accepted = result.outcome is Outcome.ACCEPTED
                self.message_user(
                    request,
                    f"{connection.name}: {result.message}",
                    messages.SUCCESS if accepted else messages.ERROR,
                )
            return None
        return TemplateResponse(
            request,
            "admin/vendors/connection/assign_department.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Assign a source number to a department",
                "form": form,
                "connections": getlead,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
