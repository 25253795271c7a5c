"""Integration admin: connections (write-only credentials), campaigns, destinations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django_q.tasks import async_task

from vendors.base import Outcome
from vendors.crypto import UndecryptableValue
from vendors.drift import campaign_changes_acknowledge, open_changes, open_changes_by_campaign
from vendors.form_fields import form_field, form_fields
from vendors.getlead import ASSIGN_DEPARTMENT_FIELDS
from vendors.health import connection_check
from vendors.hosts import UnsafeVendorHost, check_vendor_url
from vendors.models import (
    Campaign,
    CampaignChange,
    CampaignField,
    Connection,
    Destination,
    PauseReason,
)
from vendors.registry import VendorKind, adapter_class, implemented_kinds
from vendors.services import department_assign

CREDENTIAL_PREFIX = "credential__"
# Each test is a live vendor call made while the admin waits for the page.
MAX_TESTED_AT_ONCE = 10
SETTING_PREFIX = "setting__"


class ConnectionFormBase(forms.ModelForm):
    """Credentials are write-only: a blank box keeps the stored value, text replaces it."""

    kind_value: str = ""

    class Meta:
        model = Connection
        fields = ("kind", "name", "base_url", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        adapter = adapter_class(self.kind_value)
        # Stored credentials no key can read are replaced, never shown: ask for them again.
        self.credentials_problem = credentials_problem(self.instance)
        stored_credentials = {} if self.credentials_problem else self.instance.credentials
        self.fields["kind"].disabled = True
        self.fields["kind"].initial = self.kind_value
        if not self.instance.pk:
            self.fields["base_url"].initial = adapter.default_base_url
        for spec in adapter.setting_fields:
            self.fields[SETTING_PREFIX + spec.name].initial = self.instance.settings.get(
                spec.name, spec.default
            )
        for spec in adapter.credential_fields:
            field = self.fields[CREDENTIAL_PREFIX + spec.name]
            stored = bool(stored_credentials.get(spec.name))
            field.required = spec.required and not stored
            field.help_text = (
                "Stored encrypted. Leave blank to keep the current value; type to replace it."
                if stored
                else "Stored encrypted; never shown again."
            )

    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"]
        try:
            check_vendor_url(url)
        except UnsafeVendorHost as err:
            raise forms.ValidationError(str(err)) from err
        return url

    def save(self, commit: bool = True) -> Connection:
        connection: Connection = super().save(commit=False)
        connection.kind = self.kind_value
        adapter = adapter_class(self.kind_value)
        credentials = {} if self.credentials_problem else dict(connection.credentials)
        for spec in adapter.credential_fields:
            value = self.cleaned_data.get(CREDENTIAL_PREFIX + spec.name)
            if value:
                credentials[spec.name] = value
        connection.credentials = credentials
        connection.settings = {
            **connection.settings,
            **{
                s.name: self.cleaned_data.get(SETTING_PREFIX + s.name)
                for s in adapter.setting_fields
            },
        }
        if commit:
            connection.save()
        return connection


def credentials_problem(connection: Connection) -> str:
    """Why the connection's stored credentials cannot be read ('' when they can)."""
    if connection.pk is None:
        return ""
    try:
        connection.credentials  # noqa: B018 - loading is the check (deferred on admin pages)
    except UndecryptableValue as err:
        return str(err)
    return ""


def connection_form_class(kind: str) -> type[ConnectionFormBase]:
    adapter = adapter_class(kind)
    attrs: dict[str, Any] = {"kind_value": kind}
    for spec in adapter.credential_fields:
        attrs[CREDENTIAL_PREFIX + spec.name] = forms.CharField(
            label=spec.label,
            required=False,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        )
    for spec in adapter.setting_fields:
        attrs[SETTING_PREFIX + spec.name] = form_field(spec)
    return type("ConnectionForm", (ConnectionFormBase,), attrs)


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "base_url",
        "is_active",
        "delivery_state",
        "last_success_at",
        "last_error_short",
        "last_sync_at",
        "last_check",
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Connection]:
        # Lists and lookups never decrypt: a key problem cannot take the pages down.
        return super().get_queryset(request).defer("credentials")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        problem = credentials_problem(obj) if obj is not None else ""
        if problem and request.method == "GET":
            self.message_user(
                request,
                f"{problem} Restore that key, or type the credentials again to replace them.",
                messages.ERROR,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.GET.get("kind") not in implemented_kinds():
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
        return super().add_view(request, form_url, extra_context)

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
        if obj:
            sets.append(("Health and delivery", {"fields": list(self.readonly_fields)}))
        return sets

    @admin.display(description="Delivery", ordering="paused_at")
    def delivery_state(self, obj: Connection) -> str:
        if not obj.is_paused:
            return format_html('<span class="lh-status lh-status-accepted">{}</span>', "Running")
        since = timezone.localtime(obj.paused_at).strftime("%Y-%m-%d %H:%M:%S")
        probe = ""
        if obj.pause_reason == PauseReason.FAILURES and obj.probe_at:
            probe = f"; next probe {timezone.localtime(obj.probe_at).strftime('%H:%M:%S')}"
        return format_html(
            '<span class="lh-status lh-status-exhausted">{}</span> since {}{}',
            obj.get_pause_reason_display(),
            since,
            probe,
        )

    @admin.action(
        description="Pause delivery (leads wait, nothing is sent)", permissions=["change"]
    )
    def pause_delivery(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        from leadhub.services.connections import connection_pause

        who = request.user.get_username()
        for connection in queryset:
            connection_pause(
                connection_id=connection.pk,
                reason=PauseReason.MANUAL,
                message=f"Paused by {who}.",
            )
        self.message_user(
            request,
            f"{queryset.count()} connection(s) paused; their leads wait until you resume them.",
        )

    @admin.action(description="Resume delivery (send what waited)", permissions=["change"])
    def resume_delivery(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        from leadhub.services.connections import connection_resume

        released = sum(connection_resume(connection_id=c.pk) for c in queryset)
        self.message_user(
            request, f"{queryset.count()} connection(s) resumed; {released} lead(s) sent again."
        )

    @admin.display(description="Last error")
    def last_error_short(self, obj: Connection) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.display(description="Last test", ordering="last_check_at")
    def last_check(self, obj: Connection) -> str:
        if obj.last_check_at is None:
            return "Never tested"
        state, css = {
            True: ("OK", "accepted"),
            False: ("Failed", "rejected"),
            None: ("No test", "duplicate"),
        }[obj.last_check_ok]
        return format_html(
            '<span class="lh-status lh-status-{}">{}</span> {} ago: {}',
            css,
            state,
            timesince(obj.last_check_at),
            obj.last_check_message,
        )

    @admin.action(description="Test connection", permissions=["change"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        """The vendor's cheapest authenticated call, now, for each selected connection."""
        for connection in queryset[:MAX_TESTED_AT_ONCE]:
            result = connection_check(connection=connection)
            level = {True: messages.SUCCESS, False: messages.ERROR}.get(result.ok, messages.WARNING)
            state = {True: "works", False: "failed"}.get(result.ok, "cannot be tested")
            self.message_user(request, f"{connection.name} {state}: {result.message}", level)
        if queryset.count() > MAX_TESTED_AT_ONCE:
            self.message_user(
                request,
                f"Only the first {MAX_TESTED_AT_ONCE} were tested; the daily check tests all.",
                messages.WARNING,
            )

    @admin.action(description="Sync campaigns from LeadByte", permissions=["change"])
    def sync_campaigns(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        leadbyte = queryset.filter(kind=VendorKind.LEADBYTE)
        for connection in leadbyte:
            async_task("vendors.tasks.sync_campaigns", connection.pk, group="sync")
        if leadbyte:
            self.message_user(
                request,
                f"Campaign sync started for {len(leadbyte)} connection(s); "
                "the connection page shows when it finished and what changed.",
            )
        if queryset.exclude(kind=VendorKind.LEADBYTE).exists():
            self.message_user(
                request, "Only LeadByte connections have campaigns to sync.", messages.WARNING
            )

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


class CampaignFieldInline(admin.TabularInline):
    model = CampaignField
    extra = 0
    can_delete = False
    fields = ("position", "label", "name", "required", "data_type", "selection_values", "category")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CampaignChangeInline(admin.TabularInline):
    """What syncs changed in the campaign's fields, in plain words, newest first."""

    model = CampaignChange
    extra = 0
    can_delete = False
    verbose_name = "field change found by a sync"
    verbose_name_plural = "Field changes found by syncs"
    fields = ("detected_at", "what_changed", "acknowledged_at", "acknowledged_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="What changed")
    def what_changed(self, obj: CampaignChange) -> str:
        return format_html_join("", "<div>{}</div>", ((text,) for text in obj.descriptions()))


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "reference",
        "connection",
        "active",
        "listed",
        "archived",
        "synced_at",
        "open_changes",
    )
    list_filter = ("connection", "active", "listed")
    search_fields = ("name", "reference")
    inlines = [CampaignFieldInline, CampaignChangeInline]
    actions = ["acknowledge_changes"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_change_count=Count("changes", filter=Q(changes__acknowledged_at__isnull=True))
            )
        )

    @admin.display(description="Unacknowledged field changes", ordering="open_change_count")
    def open_changes(self, obj: Campaign) -> str:
        count = getattr(obj, "open_change_count", 0)
        return format_html('<span class="lh-flag">{} to review</span>', count) if count else "—"

    @admin.action(description="Acknowledge field changes", permissions=["change"])
    def acknowledge_changes(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        count = sum(campaign_changes_acknowledge(campaign=c, user=request.user) for c in queryset)
        self.message_user(request, f"{count} field change(s) acknowledged.")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        campaign = self.get_object(request, unquote(object_id))
        if (
            campaign is not None
            and request.method == "POST"
            and "_acknowledge_changes" in request.POST
            and self.has_change_permission(request, campaign)
        ):
            # The campaign itself is read-only: acknowledging is all this button does.
            count = campaign_changes_acknowledge(campaign=campaign, user=request.user)
            self.message_user(request, f"{count} field change(s) acknowledged.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        pk = campaign.pk if campaign else None
        extra = {"open_changes": open_changes_by_campaign([pk]).get(pk, []) if pk else []}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


class DestinationForm(forms.ModelForm):
    operation = forms.ChoiceField(choices=())

    class Meta:
        model = Destination
        fields = ("name", "connection", "operation", "campaign", "fixed_values", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        for kind in implemented_kinds():
            for op in adapter_class(kind).operations.values():
                if not op.follow_up:  # follow-ups start from a lead's page
                    choices.append((op.name, f"{VendorKind(kind).label}: {op.label}"))
        self.fields["operation"].choices = sorted(set(choices), key=lambda c: c[1])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        connection: Connection | None = cleaned.get("connection")
        operation = cleaned.get("operation")
        if connection and operation:
            spec = connection.adapter_class.operations.get(operation)
            if spec is None or spec.follow_up:
                self.add_error(
                    "operation", f"{connection.get_kind_display()} has no such operation."
                )
            elif spec.uses_campaign and not cleaned.get("campaign"):
                self.add_error("campaign", "This operation sends to a campaign: pick one.")
            elif cleaned.get("campaign") and cleaned["campaign"].connection_id != connection.pk:
                self.add_error("campaign", "The campaign belongs to another connection.")
        if not isinstance(cleaned.get("fixed_values"), dict):
            self.add_error("fixed_values", "Fixed values must be a JSON object of field: value.")
        return cleaned


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    form = DestinationForm
    list_display = ("name", "connection", "operation", "campaign", "is_active", "campaign_drift")
    list_filter = ("connection", "is_active")
    list_select_related = ("connection", "campaign")
    search_fields = ("name",)
    readonly_fields = ("campaign_changes",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Destination]:
        return (
            super()
            .get_queryset(request)
            .annotate(campaign_changed=Exists(open_changes().filter(campaign=OuterRef("campaign"))))
        )

    @admin.display(description="Campaign", ordering="campaign_changed")
    def campaign_drift(self, obj: Destination) -> str:
        if not getattr(obj, "campaign_changed", False):
            return "—"
        url = reverse("admin:vendors_campaign_change", args=[obj.campaign_id])
        return format_html('<a class="lh-flag" href="{}">Fields changed: review</a>', url)

    @admin.display(description="Campaign field changes")
    def campaign_changes(self, obj: Destination) -> str:
        changes = open_changes_by_campaign([obj.campaign_id]).get(obj.campaign_id, [])
        if not changes:
            return "None waiting to be acknowledged."
        items = format_html_join(
            "", "<li>{}</li>", ((text,) for c in changes for text in c.descriptions())
        )
        url = reverse("admin:vendors_campaign_change", args=[obj.campaign_id])
        return format_html(
            '<ul class="lh-drift-list">{}</ul><a href="{}">Review and acknowledge on the '
            "campaign page</a>",
            items,
            url,
        )

    @admin.display(description="Fields staff fill in")
    def staff_fields(self, obj: Destination) -> str:
        return format_html("{}", ", ".join(s.label for s in obj.staff_field_specs()))
