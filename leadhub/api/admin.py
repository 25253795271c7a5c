"""API keys in the admin: made and revoked by integration admins; the token shown once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.utils import timezone

from leadhub.api.keys import api_key_create, api_key_revoke
from leadhub.api.models import ApiKey
from leadhub.api.snippets import destination_snippets
from vendors.admin.common import ListTitleMixin
from vendors.admin.destinations import DestinationAdmin
from vendors.models import Destination

# Where the admin keeps the token of the key just made, for the one page that shows it.
NEW_TOKEN_ATTR = "_leadhub_new_api_key_token"  # noqa: S105 (an attribute name)


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("name", "kind", "owner", "access", "destinations", "route", "expires_at")
        widgets = {"destinations": forms.CheckboxSelectMultiple}


@admin.register(ApiKey)
class ApiKeyAdmin(ListTitleMixin):
    form = ApiKeyForm
    list_display = ("name", "prefix_shown", "kind", "owner", "access", "state", "last_used_at")
    list_filter = ("kind", "access")
    list_select_related = ("owner",)
    search_fields = ("name", "prefix")
    actions = ["revoke"]
    filter_horizontal = ()

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        shown = ("prefix_shown", "created_by", "created_at", "last_used_at", "revoked_at")
        return ("kind", "owner", *shown) if obj else ()

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        fields = ["name", "kind", "owner", "access", "destinations", "route", "expires_at"]
        if obj:
            fields = ["prefix_shown", *fields, "created_by", "created_at", "last_used_at"]
            fields.append("revoked_at")
        return fields

    @admin.display(description="key")
    def prefix_shown(self, obj: ApiKey) -> str:
        return obj.public_token or f"{obj.prefix}…"

    @admin.display(description="state")
    def state(self, obj: ApiKey) -> str:
        if obj.revoked_at:
            return "Revoked"
        if obj.expires_at and obj.expires_at <= timezone.now():
            return "Expired"
        return "Active"

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # revoke instead: the key's history (last use, leads) stays

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        new = api_key_create(
            name=obj.name,
            kind=obj.kind,
            owner=obj.owner,
            access=obj.access,
            destinations=form.cleaned_data["destinations"],
            expires_at=obj.expires_at,
            created_by=request.user,
        )
        obj.pk = new.key.pk
        obj.refresh_from_db()
        setattr(request, NEW_TOKEN_ATTR, new.token)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        token = getattr(request, NEW_TOKEN_ATTR, None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        # Rendered into this one answer and kept nowhere else (not in a message cookie).
        response = TemplateResponse(
            request,
            "admin/leadhub_api/apikey/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "key": obj,
                "token": token,
                "title": "API key created: copy it now",
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(key=key)
            count += 1
        self.message_user(request, f"{count} key{pluralize(count)} revoked.", messages.SUCCESS)


class DestinationWithSnippetsAdmin(DestinationAdmin):
    """The destination page, with what to copy to send leads to it (leadhub/api/snippets)."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        destination = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if destination is not None and destination.slug:
            context["lh_api_snippets"] = destination_snippets(
                destination, request.build_absolute_uri("/")
            )
        return super().change_view(request, object_id, form_url, context)


# vendors/ knows nothing of LeadHub's API; the API adds its part to the destination page.
admin.site.unregister(Destination)
admin.site.register(Destination, DestinationWithSnippetsAdmin)
