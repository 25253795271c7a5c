"""Integration admin: connections (write-only credentials), campaigns, destinations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django_q.tasks import async_task

from leadhub.forms.builder import form_field
from vendors.models import Campaign, CampaignField, Connection, Destination, PauseReason
from vendors.registry import VendorKind, adapter_class, implemented_kinds

CREDENTIAL_PREFIX = "credential__"
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
            stored = self.instance.has_credential(spec.name)
            field.required = spec.required and not stored
            field.help_text = (
                "Stored encrypted. Leave blank to keep the current value; type to replace it."
                if stored
                else "Stored encrypted; never shown again."
            )

    def save(self, commit: bool = True) -> Connection:
        connection: Connection = super().save(commit=False)
        connection.kind = self.kind_value
        adapter = adapter_class(self.kind_value)
        credentials = dict(connection.credentials)
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
    )
    actions = ["sync_campaigns", "pause_delivery", "resume_delivery"]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
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


class CampaignFieldInline(admin.TabularInline):
    model = CampaignField
    extra = 0
    can_delete = False
    fields = ("position", "label", "name", "required", "data_type", "selection_values", "category")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "reference", "connection", "active", "listed", "archived", "synced_at")
    list_filter = ("connection", "active", "listed")
    search_fields = ("name", "reference")
    inlines = [CampaignFieldInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Campaign | None = None) -> list[str]:
        return [f.name for f in Campaign._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


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
                choices.append((op.name, f"{VendorKind(kind).label}: {op.label}"))
        self.fields["operation"].choices = sorted(set(choices), key=lambda c: c[1])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        connection: Connection | None = cleaned.get("connection")
        operation = cleaned.get("operation")
        if connection and operation:
            spec = connection.adapter_class.operations.get(operation)
            if spec is None:
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
    list_display = ("name", "connection", "operation", "campaign", "is_active")
    list_filter = ("connection", "is_active")
    list_select_related = ("connection", "campaign")
    search_fields = ("name",)

    @admin.display(description="Fields staff fill in")
    def staff_fields(self, obj: Destination) -> str:
        return format_html("{}", ", ".join(s.label for s in obj.staff_field_specs()))
