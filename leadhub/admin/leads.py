from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from leadhub.admin.desk import carried_post_data, destination_drift_warnings
from leadhub.admin.display import link_buttons, status_badge
from leadhub.admin.lead_page import lead_status_payload
from leadhub.forms.lead_entry import DestinationChoiceForm, lead_entry_form_class
from leadhub.models import Lead, Submission
from leadhub.services.leads import lead_create_and_send
from leadhub.services.preview import lead_preview
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
class LeadAdmin(admin.ModelAdmin):
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
    # The lead page shows the submissions as a live panel (templates/admin/leadhub/lead/).
    inlines = []
    show_full_result_count = False

    def get_urls(self) -> list[URLPattern]:
        status = path(
            "<path:object_id>/status/",
            self.admin_site.admin_view(self.status_view),
            name="leadhub_lead_status",
        )
        return [status, *super().get_urls()]

    def status_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        """The lead's submissions as JSON, polled by the lead page while work is pending."""
        lead = self.get_object(request, unquote(object_id))
        if lead is None:
            return JsonResponse({"error": "No such lead."}, status=404)
        if not self.has_view_or_change_permission(request, lead):
            return JsonResponse({"error": "You may not see this lead."}, status=403)
        return JsonResponse(lead_status_payload(lead, request))

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
        drift = destination_drift_warnings(destinations)
        if request.method == "POST" and form.is_valid() and not request.POST.get("edit"):
            if not request.POST.get("confirm"):
                # Valid: show exactly what each destination will get; nothing is saved yet.
                return self._render(
                    request,
                    "admin/leadhub/lead/preview.html",
                    {
                        "previews": lead_preview(
                            contact=form.contact_data(),
                            destinations=destinations,
                            destination_values=form.destination_values(),
                        ),
                        "carried": carried_post_data(request),
                        "drift": drift,
                        "title": "Send a lead: check before sending",
                    },
                )
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
                "drift": drift,
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
