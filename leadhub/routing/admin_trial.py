"""“Try on recent leads” on a route's change page: the route as edited, not saved, run over
the latest leads (``routing.trial``); the page shows what would change, then Save saves."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.forms import all_valid
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from leadhub.routing.trial import route_trial_run, trial_lead_count

SHOWN_MOVES = 100


class RouteTrialMixin(admin.ModelAdmin):
    """Adds ``<id>/try/``: the change form's data checked as Save would, then tried."""

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_try"
        view = self.admin_site.admin_view(self.trial_view)
        return [path("<path:object_id>/try/", view, name=name), *super().get_urls()]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {"trial_leads": trial_lead_count(), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def trial_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id]
        )
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        route = self.get_object(request, unquote(object_id))
        if route is None:
            raise Http404("No such route.")
        if not self.has_change_permission(request, route):
            raise PermissionDenied
        form = self.get_form(request, route, change=True)(request.POST, instance=route)
        valid = form.is_valid()
        formsets = [
            formset(
                data=request.POST,
                instance=form.instance,
                prefix=formset.get_default_prefix(),
                queryset=inline.get_queryset(request),
            )
            for formset, inline in self.get_formsets_with_inlines(request, form.instance)
        ]
        valid = all_valid(formsets) and valid
        context: dict[str, Any] = {"change_url": change_url, "errors": []}
        if valid:
            steps = [
                f.instance
                for formset in formsets
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            result = route_trial_run(route=form.instance, steps=steps, viewer=request.user)
            context.update(
                result=result,
                shown=result.moved[::-1][:SHOWN_MOVES],
                more=max(0, len(result.moved) - SHOWN_MOVES),
                milliseconds=round(result.cpu_seconds * 1000),
            )
        else:
            context["errors"] = _errors(form, formsets)
        if request.headers.get("X-Requested-With") == "fetch":
            return TemplateResponse(
                request, "admin/leadhub_routing/route/trial_result.html", context
            )
        return TemplateResponse(
            request,
            "admin/leadhub_routing/route/trial_page.html",
            {
                **self.admin_site.each_context(request),
                **context,
                "title": f"“{route}” as edited, tried on recent leads",
                "opts": self.opts,
                "original": route,
            },
        )


def _errors(form: Any, formsets: list[Any]) -> list[str]:
    """Every error of the form and its steps in a line each, the step and clause named."""
    found = [
        f"{field}: {e}" if field != "__all__" else str(e)
        for field, errs in form.errors.items()
        for e in errs
    ]
    for formset in formsets:
        found += [str(e) for e in formset.non_form_errors()]
        for number, step_form in enumerate(formset.forms, start=1):
            for field, errs in step_form.errors.items():
                label = "" if field == "__all__" else f" {field}"
                found += [f"Destination {number}{label}: {e}" for e in errs]
    return found
