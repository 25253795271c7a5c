"""The destination admin: what staff pick when they send a lead, flagged when its campaign's
fields changed since an admin last looked.

Adding one takes two steps, as a connection does: first where it sends (connection,
operation, LeadByte campaign), then the form made from that operation's own fields, each
fixed value in a typed field (vendors.fixed_values).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from vendors.admin.common import ListTitleMixin
from vendors.admin.destination_forms import (
    LEFT_OUT,
    DestinationForm,
    DestinationStartForm,
    DestinationTarget,
    destination_form_class,
    label_field_name,
)
from vendors.drift import open_changes, open_changes_by_campaign
from vendors.fixed_rows import fixed_values_shown, row_field_names, rows_specs
from vendors.fixed_values import fixed_field_name, typed_specs
from vendors.models import Campaign, Destination, unusable_campaign_q
from vendors.registry import operation_label as operation_name

# The campaign states the list filters on (the admin home links to the first).
INACTIVE = "inactive"
CHANGED = "changed"


class CampaignStateFilter(admin.SimpleListFilter):
    """The destinations flagged in the list: campaign not active, or its fields changed."""

    title = "campaign state"
    parameter_name = "campaign_state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(INACTIVE, "Not active in LeadByte"), (CHANGED, "Fields changed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == INACTIVE:
            return queryset.filter(unusable_campaign_q("campaign__"))
        if self.value() == CHANGED:
            return queryset.filter(campaign_changed=True)
        return queryset


@admin.register(Destination)
class DestinationAdmin(ListTitleMixin):
    form = DestinationForm
    list_display = (
        "name",
        "slug",
        "connection",
        "operation_label",
        "campaign",
        "is_active",
        "campaign_drift",
    )
    list_filter = ("connection", "is_active", CampaignStateFilter)
    list_select_related = ("connection", "campaign")
    search_fields = ("name", "slug")
    readonly_fields = ("campaign_changes", "staff_fields")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Destination]:
        return (
            super()
            .get_queryset(request)
            .annotate(campaign_changed=Exists(open_changes().filter(campaign=OuterRef("campaign"))))
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        start = self._start(request)
        if start is None or not start.is_valid():
            return TemplateResponse(
                request,
                "admin/vendors/destination/choose_target.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "form": start or DestinationStartForm(),
                    "title": "Add a destination: where it sends",
                },
            )
        return super().add_view(request, form_url, extra_context)

    def _start(self, request: HttpRequest) -> DestinationStartForm | None:
        """The first step's answer: ?connection=&operation=(&campaign=), or the same names
        posted by a form that skipped the first step."""
        for data in (request.GET, request.POST):
            if data.get("connection") and data.get("operation"):
                return DestinationStartForm(data)
        return None

    def _target(self, request: HttpRequest, obj: Destination | None) -> DestinationTarget | None:
        """What the form's fields are made from: the first step's answer, or the saved
        destination, on the campaign ``?campaign=`` names when it is one of the vendor's
        (the page shows a newly picked campaign's fields before it is saved)."""
        if obj is not None:
            target = DestinationTarget.of(obj)
            chosen = request.GET.get("campaign", "")
            if target.operation.uses_campaign and chosen.isdigit():
                campaign = (
                    Campaign.objects.filter(pk=int(chosen), connection__kind=target.kind)
                    .select_related("connection")
                    .first()
                )
                if campaign is not None:
                    return replace(target, campaign=campaign)
            return target
        start = self._start(request)
        return start.target() if start is not None and start.is_valid() else None

    def get_form(
        self,
        request: HttpRequest,
        obj: Destination | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm]:
        target = self._target(request, obj)
        kwargs["form"] = destination_form_class(target) if target else DestinationForm
        kwargs["fields"] = None
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Destination | None = None) -> list:
        target = self._target(request, obj)
        if target is None:
            return list(super().get_fieldsets(request, obj))
        main = ["name", "slug", "connection", "operation"]
        if target.operation.uses_campaign:
            main += ["campaign", *(["campaign_changes"] if obj else [])]
        main += ["is_active", *(["staff_fields"] if obj else [])]
        specs = target.specs
        own = [fixed_field_name(s.name) for s in typed_specs(specs) if not s.contact]
        contact = [fixed_field_name(s.name) for s in typed_specs(specs) if s.contact]
        stored = obj.fixed_values if obj else {}
        typed, left_out, rest = fixed_values_shown(specs, stored)
        whose = f"campaign {target.campaign}" if target.campaign else "this operation"
        if obj is not None and target.campaign is not None and target.campaign != obj.campaign:
            whose += f" (saving moves the destination there from {obj.campaign})"
        sets: list = [
            (None, {"fields": main}),
            (
                "Fixed values",
                {
                    "fields": own,
                    "description": f"The fields of {whose}. A value given here is sent with "
                    "every lead and hidden from staff; leave a field blank and staff fill it in "
                    "on the lead form.",
                },
            ),
        ]
        for spec in rows_specs(specs):
            rows = row_field_names(spec)
            sets.append(
                (
                    spec.label,
                    {
                        "fields": rows,
                        "classes": [] if typed.keys() & set(rows[0]) else ["collapse"],
                        "description": " ".join(
                            p for p in (spec.help, "One row each; blank rows are left out.") if p
                        ),
                    },
                )
            )
        if contact:
            sets.append(
                (
                    "Fields filled from the lead's contact details",
                    {
                        "fields": contact,
                        "classes": [] if any(n in stored for n in contact) else ["collapse"],
                        "description": "Fix one only to send the same value for every lead.",
                    },
                )
            )
        if any(not s.required for s in specs):
            sets.append(
                ("Never sent", {"fields": [LEFT_OUT], "classes": [] if left_out else ["collapse"]})
            )
        labelled = obj.field_labels if obj else {}
        sets.append(
            (
                "Labels on the lead form",
                {
                    "fields": [label_field_name(s.name) for s in specs],
                    "classes": [] if labelled else ["collapse"],
                    "description": "What staff read for each field, on the lead form, its "
                    "errors and the preview. Leave blank for the vendor's label in plain words.",
                },
            )
        )
        sets.append(
            ("Advanced", {"fields": ["fixed_values"], "classes": [] if rest else ["collapse"]})
        )
        return sets

    @admin.display(description="Sends", ordering="operation")
    def operation_label(self, obj: Destination) -> str:
        return operation_name(obj.connection.kind, obj.operation)

    @admin.display(description="Campaign changes", ordering="campaign_changed")
    def campaign_drift(self, obj: Destination) -> str:
        flags = []
        if obj.campaign is not None and not obj.campaign.usable:
            url = reverse("admin:vendors_destination_change", args=[obj.pk])
            flags.append(
                format_html(
                    '<a class="lh-flag" href="{}">Campaign {}: not offered to staff</a>',
                    url,
                    obj.campaign.unusable_reason,
                )
            )
        if getattr(obj, "campaign_changed", False):
            url = reverse("admin:vendors_campaign_change", args=[obj.campaign_id])
            flags.append(
                format_html('<a class="lh-flag" href="{}">Fields changed: review</a>', url)
            )
        return format_html_join(" ", "{}", ((flag,) for flag in flags)) or "—"

    @admin.display(description="Campaign field changes")
    def campaign_changes(self, obj: Destination) -> str:
        campaign_id = obj.campaign_id
        changes = (
            open_changes_by_campaign([campaign_id]).get(campaign_id, []) if campaign_id else []
        )
        inactive = ""
        if obj.campaign is not None and not obj.campaign.usable:
            inactive = format_html(
                '<p class="lh-flag">LeadByte refuses every lead to this campaign ({}), so staff '
                "are not offered this destination. Pick an active campaign, or switch the "
                "destination off.</p>",
                obj.campaign.unusable_reason,
            )
        if not changes:
            return format_html("{}{}", inactive, "No field changes waiting to be acknowledged.")
        items = format_html_join(
            "", "<li>{}</li>", ((text,) for c in changes for text in c.descriptions())
        )
        url = reverse("admin:vendors_campaign_change", args=[obj.campaign_id])
        return format_html(
            '{}<ul class="lh-drift-list">{}</ul><a href="{}">Review and acknowledge on the '
            "campaign page</a>",
            inactive,
            items,
            url,
        )

    @admin.display(description="Fields staff fill in")
    def staff_fields(self, obj: Destination) -> str:
        return format_html("{}", ", ".join(s.label for s in obj.staff_field_specs()) or "None")
