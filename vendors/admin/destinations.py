"""The destination admin: what staff pick when they send a lead, flagged when its campaign's
fields changed since an admin last looked."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from vendors.admin.forms import DestinationForm
from vendors.drift import open_changes, open_changes_by_campaign
from vendors.models import Destination


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
        campaign_id = obj.campaign_id
        changes = (
            open_changes_by_campaign([campaign_id]).get(campaign_id, []) if campaign_id else []
        )
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
