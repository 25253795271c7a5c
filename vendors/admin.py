"""Integration admin: connections (write-only credentials), campaigns, destinations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django_q.tasks import async_task

from leadhub.forms.builder import form_field, form_fields
from vendors.base import Outcome
from vendors.crypto import UndecryptableValue
from vendors.getlead import ASSIGN_DEPARTMENT_FIELDS
from vendors.hosts import UnsafeVendorHost, check_vendor_url
from vendors.models import Campaign, CampaignField, Connection, Destination
from vendors.registry import VendorKind, adapter_class, implemented_kinds
from vendors.services import department_assign

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
        "last_success_at",
        "last_error_short",
        "last_sync_at",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    readonly_fields = (
        "last_success_at",
        "last_error",
        "last_error_at",
        "last_sync_at",
        "last_sync_summary",
    )
    actions = ["sync_campaigns", "assign_department"]

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
            sets.append(("Health", {"fields": list(self.readonly_fields)}))
        return sets

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
    list_display = ("name", "connection", "operation", "campaign", "is_active")
    list_filter = ("connection", "is_active")
    list_select_related = ("connection", "campaign")
    search_fields = ("name",)

    @admin.display(description="Fields staff fill in")
    def staff_fields(self, obj: Destination) -> str:
        return format_html("{}", ", ".join(s.label for s in obj.staff_field_specs()))
