"""Routes in the admin (integration admins), and held leads routed by hand."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from leadhub.routing.admin_trial import RouteTrialMixin
from leadhub.routing.answers import timeline_lines
from leadhub.routing.by_hand import route_by_hand
from leadhub.routing.models import (
    Cap,
    DecisionState,
    Route,
    RouteMethod,
    RouteStep,
    RoutingDecision,
)
from leadhub.routing.services import route_changed, routing_recheck
from leadhub.routing.widgets import FilterEditor
from vendors.admin.common import ListTitleMixin
from vendors.models import Destination

FILTERS_HELP = (
    "Conditions a lead must meet to go to this destination: a field, how it compares and "
    "a value, in groups that match all (AND) or any (OR) of their conditions. “is one "
    "of” takes one value per line; “is greater/less than” compares dates "
    "(YYYY-MM-DD) and numbers (extra values); “matches” takes a regular expression."
)
SCHEDULE_HELP = (
    'Opening hours by day in the route\'s zone, e.g. {"mon": ["09:00", "17:30"]}; a day left '
    "out is closed; empty: always open."
)


class StepsFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError("A route needs at least one destination.")
        method = getattr(self.instance, "method", "")
        if method == RouteMethod.WEIGHTED and not any(
            (f.cleaned_data.get("weight") or 0) > 0 for f in kept
        ):
            raise ValidationError("A weighted route needs a weight above 0 somewhere.")


class FiltersAsForm:
    """The filters edited as rows of conditions (widgets.FilterEditor), with their help."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "filters":
            kwargs["widget"] = FilterEditor
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if db_field.name == "filters" and field is not None:
            field.help_text = FILTERS_HELP
        if db_field.name == "schedule" and field is not None:
            field.help_text = SCHEDULE_HELP
        return field


class RouteStepInline(FiltersAsForm, admin.StackedInline):
    model = RouteStep
    formset = StepsFormSet
    extra = 0
    fields = ("position", "destination", "weight", "step_seconds", "filters", "schedule")
    show_change_link = True  # its caps are on the step's own page


@admin.register(Route)
class RouteAdmin(RouteTrialMixin, ListTitleMixin):
    list_display = ("name", "method", "time_zone", "is_active", "step_count")
    list_filter = ("method", "is_active")
    search_fields = ("name",)
    fields = (
        "name",
        "method",
        "max_destinations",
        "time_zone",
        "for_staff",
        "for_imports",
        "is_active",
    )
    inlines = [RouteStepInline]

    @admin.display(description="destinations")
    def step_count(self, obj: Route) -> int:
        return obj.steps.count()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        again = route_changed(route_id=form.instance.pk)
        if again:
            messages.info(request, f"{again} held lead(s) will be looked at again.")


class CapInline(admin.TabularInline):
    model = Cap
    extra = 1
    fields = ("period", "limit")


@admin.register(RouteStep)
class RouteStepAdmin(FiltersAsForm, ListTitleMixin):
    list_display = ("__str__", "weight", "step_seconds")
    list_select_related = ("route", "destination")
    fields = ("route", "position", "destination", "weight", "step_seconds", "filters", "schedule")
    inlines = [CapInline]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False  # reached from its route

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        route_changed(route_id=form.instance.route_id)


class ByHandForm(forms.Form):
    destinations = forms.ModelMultipleChoiceField(
        queryset=Destination.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ListTitleMixin):
    list_title = "Routed leads"
    list_display = ("lead_link", "route", "source", "state", "held_reason", "recheck_at")
    list_filter = ("state", "route", "source")
    list_select_related = ("lead", "route")
    fields = ("lead_link", "route", "source", "state", "held_reason", "recheck_at", "words")
    readonly_fields = fields
    actions = ["look_again", "send_by_hand"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoutingDecision]:
        # Hand picks (no route) stay on their lead's timeline: nothing was routed.
        return super().get_queryset(request).filter(route__isnull=False)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="lead")
    def lead_link(self, obj: RoutingDecision) -> str:
        url = reverse("admin:leadhub_lead_change", args=[obj.lead_id])
        return format_html('<a href="{}">Lead #{}</a>', url, obj.lead_id)

    @admin.display(description="why")
    def words(self, obj: RoutingDecision) -> str:
        return format_html(
            "<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((t,) for t in timeline_lines(obj)))
        )

    @admin.action(description="Look at the held leads again now", permissions=["change"])
    def look_again(self, request: HttpRequest, queryset: QuerySet[RoutingDecision]) -> None:
        done = sum(routing_recheck(decision_id=pk) for pk in queryset.values_list("pk", flat=True))
        messages.info(request, f"{done} held lead(s) looked at again.")

    @admin.action(
        description="Send the held leads to destinations I choose", permissions=["change"]
    )
    def send_by_hand(
        self, request: HttpRequest, queryset: QuerySet[RoutingDecision]
    ) -> HttpResponse | None:
        held = queryset.filter(state=DecisionState.HELD)
        form = ByHandForm(request.POST if "destinations" in request.POST else None)
        if form.is_bound and form.is_valid():
            chosen = list(form.cleaned_data["destinations"])
            sent = [
                route_by_hand(decision_id=pk, destinations=chosen, user=request.user)
                for pk in held.values_list("pk", flat=True)
            ]
            messages.success(request, f"{sum(1 for s in sent if s)} held lead(s) sent.")
            return None
        return TemplateResponse(
            request,
            "admin/leadhub_routing/by_hand.html",
            {
                **self.admin_site.each_context(request),
                "title": "Send held leads by hand",
                "form": form,
                "decisions": held,
                "action": "send_by_hand",
                "opts": self.model._meta,
            },
        )
