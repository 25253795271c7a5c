from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import parse_etags, quote_etag

from leadhub.admin.changelists import LeadListMixin
from leadhub.admin.lead_delivery import DeliveryFilter, LeadChangeList, delivery_badges
from leadhub.admin.lead_entry import (
    SEND_DUPLICATES,
    carried_post_data,
    destination_drift_warnings,
)
from leadhub.admin.lead_page import lead_status_payload, lead_status_version, poll_etag
from leadhub.admin.scoping import OwnedByUserAdminMixin
from leadhub.admin.source_filters import SourceKindFilter, UtmCampaignFilter, UtmSourceFilter
from leadhub.attribution.models import LeadSource, SourceKind
from leadhub.attribution.selectors import SOURCE_JOINS, source_rows, source_summary
from leadhub.attribution.services import SourceDetails
from leadhub.forms.follow_up import FollowUpChoiceForm
from leadhub.forms.lead_entry import (
    CHOSEN_MARK,
    DestinationChoiceForm,
    lead_entry_form_class,
)
from leadhub.models import Lead
from leadhub.privacy.duplicates import duplicates_find
from leadhub.routing.answers import entries_lines
from leadhub.routing.by_hand import hand_picks_record
from leadhub.routing.intake import lead_create_and_route
from leadhub.routing.models import DecisionState, Route
from leadhub.routing.preview import route_preview
from leadhub.services.follow_ups import (
    FollowUpRefused,
    follow_up_create,
    follow_up_find,
    follow_up_kinds_for,
    follow_up_lead_values,
    follow_up_staff_specs,
    not_there_message,
)
from leadhub.services.leads import lead_create_and_send
from leadhub.services.preview import lead_preview
from vendors.admin.common import ChangePageMixin
from vendors.form_fields import form_fields
from vendors.models import Destination
from vendors.registry import VendorKind


@admin.register(Lead)
class LeadAdmin(OwnedByUserAdminMixin, LeadListMixin, ChangePageMixin):
    list_display = ("__str__", "delivery", "email", "phone", "company", "owner", "created_at")
    search_fields = ("first_name", "last_name", "email", "=phone_e164", "company")
    search_help_text = "Search by name, email, company, or a phone number in any format."
    list_select_related = ("owner",)
    # The columns the list shows (the owner by its username).
    list_only = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "created_at",
        "owner",
        "owner__username",
    )
    list_filter = (
        DeliveryFilter,
        "created_at",
        SourceKindFilter,
        UtmSourceFilter,
        UtmCampaignFilter,
    )
    readonly_fields = ("phone_e164", "owner", "created_at", "erased_at")
    fields = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "phone_e164",
        "company",
        "notes",
        "consent_date",
        "consent_url",
        "consent_wording",
        "owner",
        "created_at",
        "erased_at",
    )
    # The lead page shows the submissions as a live panel (templates/admin/leadhub/lead/).
    inlines = []
    show_full_result_count = False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return LeadChangeList

    @admin.display(description="Delivery")
    def delivery(self, obj: Lead) -> str:
        return delivery_badges(getattr(obj, "delivery_counts", None))

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="leadhub_lead_status",
            ),
            path(
                "<path:object_id>/follow-up/",
                self.admin_site.admin_view(self.follow_up_view),
                name="leadhub_lead_follow_up",
            ),
        ]
        return [*own, *super().get_urls()]

    def status_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The lead's submissions as JSON, polled by the lead page while work is pending.

        The answer carries an ETag, the panel's version signed for this session and user
        (``poll_etag``); the page sends it back, and while nothing changed the answer is a
        304: from ``leadhub.status_poll``'s middleware in one query, or from here when the
        middleware could not tell.
        """
        known = parse_etags(request.headers.get("If-None-Match", ""))
        if known and self.has_view_or_change_permission(request):
            version = lead_status_version(request.user, unquote(object_id))
            etag = quote_etag(self._poll_etag(request, version)) if version else None
            if etag in known:
                return HttpResponseNotModified(headers={"ETag": etag})
        lead = self.get_object(request, unquote(object_id))
        if lead is None:
            return JsonResponse({"error": "No such lead."}, status=404)
        if not self.has_view_or_change_permission(request, lead):
            return JsonResponse({"error": "You may not see this lead."}, status=403)
        payload = lead_status_payload(lead, request)
        etag = quote_etag(self._poll_etag(request, payload["version"]))
        return JsonResponse(payload, headers={"ETag": etag})

    def _poll_etag(self, request: HttpRequest, version: str) -> str:
        """The status poll's ETag for this request's user and session, unquoted."""
        user = request.user
        key = request.session.session_key
        return poll_etag(version, user.pk or 0, user.password, key)  # type: ignore[union-attr]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """Two steps: pick the destinations, then fill one form built from their fields."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        # Continue sends CHOSEN_MARK even with nothing ticked, so that case gets its message.
        chosen = CHOSEN_MARK in request.GET or "destinations" in request.GET
        chooser = DestinationChoiceForm(request.GET if chosen else None)
        if not chooser.is_valid():
            return self._render(
                request,
                "admin/leadhub/lead/choose_destinations.html",
                {
                    "form": chooser,
                    "chosen_mark": CHOSEN_MARK,
                    "title": "Send a lead: choose destinations",
                },
            )
        if chooser.cleaned_data.get("route"):
            return self._add_routed(request, chooser.cleaned_data["route"])
        destinations: list[Destination] = list(chooser.cleaned_data["destinations"])
        form_class = lead_entry_form_class(destinations)
        form = form_class(request.POST or None)
        drift = destination_drift_warnings(destinations)
        if request.method == "POST" and form.is_valid() and not request.POST.get("edit"):
            duplicates = duplicates_find(form.contact_data(), destinations)
            ticked = bool(request.POST.get(SEND_DUPLICATES))
            if not request.POST.get("confirm") or (duplicates and not ticked):
                # Valid: show exactly what each destination will get; nothing is saved yet.
                # A duplicate is sent only once staff tick "send anyway" on this page.
                return self._render(
                    request,
                    "admin/leadhub/lead/preview.html",
                    {
                        "previews": lead_preview(
                            contact=form.contact_data(),
                            destinations=destinations,
                            destination_values=form.destination_values(),
                            duplicates=duplicates,
                        ),
                        "duplicates": duplicates,
                        "duplicate_untold": bool(request.POST.get("confirm")),
                        "send_duplicates": SEND_DUPLICATES,
                        "duplicate_window": settings.DUPLICATE_WINDOW_DAYS,
                        "carried": carried_post_data(request),
                        "drift": drift,
                        # The request as sent, for those who look after the connections.
                        "show_request": request.user.has_perm("vendors.view_connection"),
                        "title": "Send a lead: check before sending",
                    },
                )
            # One transaction with its history entry: a database fault leaves nothing half
            # saved, and the "busy" page (leadhub.database_faults) can say so.
            with transaction.atomic():
                lead = lead_create_and_send(
                    contact=form.contact_data(),
                    destinations=destinations,
                    destination_values=form.destination_values(),
                    owner=request.user,
                    # Staff's own address and browser say nothing about the person: not kept.
                    source=SourceDetails(kind=SourceKind.STAFF, user_id=request.user.pk),
                )
                hand_picks_record(lead=lead, destinations=destinations, user=request.user)
                self.log_addition(request, lead, [{"added": {}}])
            self.message_user(
                request,
                f"{lead} saved and queued for {destinations_count(len(destinations))}.",
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

    def _add_routed(self, request: HttpRequest, route: Route) -> HttpResponse:
        """Staff's "Route automatically": the contact details only, a preview of where the
        route would send the lead now, then the lead saved and routed (docs/routing.md)."""
        form = lead_entry_form_class([])(request.POST or None)
        if request.method == "POST" and form.is_valid() and not request.POST.get("edit"):
            if not request.POST.get("confirm"):
                would = route_preview(
                    contact=form.contact_data(), route=route, source=SourceKind.STAFF
                )
                return self._render(
                    request,
                    "admin/leadhub/lead/preview_routed.html",
                    {
                        "route": route,
                        "chosen": [d.name for d in would.chosen],
                        "lines": entries_lines(would.timeline),
                        "carried": carried_post_data(request),
                        "title": "Send a lead: check before sending",
                    },
                )
            with transaction.atomic():
                lead, decision = lead_create_and_route(
                    contact=form.contact_data(),
                    route=route,
                    source=SourceDetails(kind=SourceKind.STAFF, user_id=request.user.pk),
                    owner=request.user,
                )
                self.log_addition(request, lead, [{"added": {}}])
            held = decision.state == DecisionState.HELD
            self.message_user(
                request,
                f"{lead} saved and {'held: ' + decision.held_reason if held else 'routed'} "
                f"by “{route}”; its page says why.",
                messages.WARNING if held else messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:leadhub_lead_change", args=[lead.pk]))
        return self._render(
            request,
            "admin/leadhub/lead/enter_lead.html",
            {
                "form": form,
                "destinations": [],
                "title": f"Send a lead: route automatically by “{route}”",
                "media": self.media + form.media,
            },
        )

    def change_page(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        # A link above the lead per vendor with follow-ups (Getlead) that has this lead.
        lead = self.get_object(request, unquote(object_id))
        kinds = follow_up_kinds_for(lead) if lead is not None else []
        links = [(f"{VendorKind(kind).label} follow-up", f"?kind={kind}") for kind in kinds]
        return {"follow_up_links": links, **lead_source_panel(object_id)}

    def follow_up_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Pick a follow-up (connection · operation), fill its fields, queue it for the lead."""
        lead = self.get_object(request, unquote(object_id))  # scoped: staff reach their own
        if lead is None:
            raise Http404("No such lead")
        if not (
            request.user.has_perm("leadhub.run_followups")
            or self.has_change_permission(request, lead)
        ):
            raise PermissionDenied
        lead_url = reverse("admin:leadhub_lead_change", args=[lead.pk])
        context: dict[str, Any] = {"lead": lead, "lead_url": lead_url, "original": lead}
        kind = request.GET.get("kind", "")
        chooser = FollowUpChoiceForm(
            request.GET if "follow_up" in request.GET else None, kind=kind, lead=lead
        )
        if not chooser.is_valid():
            label = VendorKind(kind).label if kind in VendorKind.values else "Vendor"
            return self._render(
                request,
                "admin/leadhub/lead/follow_up.html",
                {
                    **context,
                    "chooser": chooser,
                    "not_there": not_there_message(label, lead),
                    "title": f"{label} follow-up for {lead}",
                },
            )
        choice = follow_up_find(chooser.cleaned_data["follow_up"], lead=lead)
        if choice is None:
            raise Http404("No such follow-up")
        specs = follow_up_staff_specs(choice.operation)
        form_class = type("FollowUpForm", (forms.Form,), form_fields(specs))
        form = form_class(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                follow_up_create(
                    lead=lead,
                    connection=choice.connection,
                    operation=choice.operation.name,
                    values=form.cleaned_data,
                    created_by=request.user,
                )
            except FollowUpRefused as err:
                form.add_error(None, str(err))
            else:
                self.message_user(
                    request,
                    f"{choice.label} queued for {lead}; its result shows in the list below.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(lead_url)
        return self._render(
            request,
            "admin/leadhub/lead/follow_up.html",
            {
                **context,
                "choice": choice,
                "form": form,
                "from_lead": follow_up_lead_values(choice.operation, lead),
                "title": f"{choice.label} for {lead}",
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


def lead_source_panel(object_id: str) -> dict[str, Any]:
    """The lead page's Source panel: one sentence, then the details the sender passed."""
    lead_id = unquote(object_id)
    if not lead_id.isdigit():
        return {}
    source = LeadSource.objects.select_related(*SOURCE_JOINS).filter(lead_id=lead_id).first()
    if source is None:
        return {"source_summary": "Not recorded: the lead came in before sources were kept."}
    return {"source_summary": source_summary(source), "source_rows": source_rows(source)}


def destinations_count(count: int) -> str:
    return "1 destination" if count == 1 else f"{count} destinations"
