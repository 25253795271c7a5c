"""The campaign admin: LeadByte campaigns as the last sync found them, read-only, with the
field changes syncs found until an admin acknowledges them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.utils.html import format_html, format_html_join

from vendors.admin.common import ChangePageMixin
from vendors.drift import campaign_changes_acknowledge, open_changes_by_campaign
from vendors.models import Campaign, CampaignChange, CampaignField


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
class CampaignAdmin(ChangePageMixin):
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
    list_title = "LeadByte campaigns"
    inlines = [CampaignFieldInline, CampaignChangeInline]
    actions = ["acknowledge_changes"]

    # Campaigns are LeadByte's, cached by the sync: nobody adds or edits one here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Campaign._meta.fields]

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
        self.message_user(request, f"{count} field change{pluralize(count)} acknowledged.")

    def change_page(self, request: HttpRequest, object_id: str) -> dict[str, Any] | HttpResponse:
        campaign = self.get_object(request, unquote(object_id))
        if (
            campaign is not None
            and request.method == "POST"
            and "_acknowledge_changes" in request.POST
            and self.has_change_permission(request, campaign)
        ):
            # The campaign itself is read-only: acknowledging is all this button does.
            count = campaign_changes_acknowledge(campaign=campaign, user=request.user)
            self.message_user(
                request, f"{count} field change{pluralize(count)} acknowledged.", messages.SUCCESS
            )
            return HttpResponseRedirect(request.path)
        pk = campaign.pk if campaign else None
        return {"open_changes": open_changes_by_campaign([pk]).get(pk, []) if pk else []}
