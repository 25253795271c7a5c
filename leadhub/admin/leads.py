from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from leadhub.admin.changelists import LeadListMixin
from leadhub.admin.display import link_buttons, status_badge
from leadhub.forms.lead_entry import DestinationChoiceForm, lead_entry_form_class
from leadhub.models import Lead, Submission
from leadhub.services.leads import lead_create_and_send
from vendors.models import Destination


class SubmissionInline(admin.TabularInline):
    model = Submission
    extra = 0
    can_delete = False
    show_change_link = True
    fields = (
        "destination",
        "status_display",
        "vendor_reference",
        "vendor_message",
        "link_buttons",
        "attempt_count",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Status")
    def status_display(self, obj: Submission) -> str:
        return status_badge(obj.status)

    @admin.display(description="Links")
    def link_buttons(self, obj: Submission) -> str:
        return link_buttons(obj.links)


@admin.register(Lead)
class LeadAdmin(LeadListMixin, admin.ModelAdmin):
    list_display = ("__str__", "email", "phone", "company", "owner", "created_at")
    search_fields = ("first_name", "last_name", "email", "=phone_e164", "company")
    list_select_related = ("owner",)
    list_filter = ("created_at",)
    readonly_fields = ("phone_e164", "owner", "created_at")
    fields = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "phone_e164",
        "company",
        "notes",
        "owner",
        "created_at",
    )
    inlines = [SubmissionInline]
    show_full_result_count = False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """Two steps: pick the destinations, then fill one form built from their fields."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        chooser = DestinationChoiceForm(request.GET or None)
        if not request.GET.get("destinations") or not chooser.is_valid():
            return self._render(
                request,
                "admin/leadhub/lead/choose_destinations.html",
                {"form": chooser, "title": "Send a lead: choose destinations"},
            )
        destinations: list[Destination] = list(chooser.cleaned_data["destinations"])
        form_class = lead_entry_form_class(destinations)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            lead = lead_create_and_send(
                contact=form.contact_data(),
                destinations=destinations,
                destination_values=form.destination_values(),
                owner=request.user,
            )
            self.log_addition(request, lead, [{"added": {}}])
            self.message_user(
                request,
                f"{lead} saved and queued for {len(destinations)} destination(s).",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:leadhub_lead_change", args=[lead.pk]))
        return self._render(
            request,
            "admin/leadhub/lead/enter_lead.html",
            {
                "form": form,
                "destinations": destinations,
                "title": "Send a lead",
                "media": self.media + form.media,
            },
        )

    def _render(self, request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "has_view_permission": self.has_view_permission(request),
                **context,
            },
        )

    @admin.display(description="Phone")
    def phone_link(self, obj: Lead) -> str:
        return format_html("{}", obj.phone)
