"""The privacy pages: the retention policy and its runs, and a person's data.

Integration admins only (``leadhub_privacy.manage_personal_data``, given to that role by
this app's migration 0002): sales staff reach none of it.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from leadhub.audit.services import AuditAction, audit_record
from leadhub.models import Lead
from leadhub.privacy.erasure import ErasureRefused, person_erase
from leadhub.privacy.models import Erasure, RetentionRun
from leadhub.privacy.person import PersonQuery, PersonQueryError, person_export, person_find
from leadhub.privacy.retention import retention_policy
from vendors.admin.common import RecordListMixin

MANAGE = "leadhub_privacy.manage_personal_data"


def may_manage(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.has_perm(MANAGE))


@admin.register(RetentionRun)
class RetentionRunAdmin(RecordListMixin):
    list_display = (
        "started_at",
        "finished_at",
        "attempt_bodies",
        "payloads",
        "source_addresses",
        "leads",
        "campaign_syncs",
    )
    list_title = "Retention: policy and runs"
    readonly_fields = (*list_display, "policy", "more_to_do")

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            "policy": retention_policy(),
            "last_run": RetentionRun.objects.filter(finished_at__isnull=False).first(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label="Email or phone",
        max_length=254,
        help_text="An email address, or a phone number in any format.",
    )


class EraseForm(forms.Form):
    q = forms.CharField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label="I have checked that this is the person who asked, and that everything "
        "listed above is theirs. Erasing cannot be undone."
    )


@admin.register(Erasure)
class ErasureAdmin(RecordListMixin):
    list_display = ("erased_at", "erased_by", "leads", "submissions", "attempts", "import_rows")
    list_select_related = ("erased_by",)
    list_title = "Erasures"
    readonly_fields = list_display

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "person/",
                self.admin_site.admin_view(self.person_view),
                name="leadhub_privacy_person",
            )
        ]
        return [*own, *super().get_urls()]

    def person_view(self, request: HttpRequest) -> HttpResponse:
        """Find a person by email or phone; see, export (JSON) or erase what is held."""
        if not may_manage(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._erase(request)
        search = PersonSearchForm(request.GET if "q" in request.GET else None)
        context: dict[str, Any] = {"search": search}
        if search.is_valid():
            try:
                query = PersonQuery.parse(search.cleaned_data["q"])
            except PersonQueryError as err:
                search.add_error("q", str(err))
            else:
                data = person_find(query)
                if request.GET.get("format") == "json" and data.found:
                    return self._export(request, data)
                context["data"] = data
                context["erase"] = EraseForm(initial={"q": search.cleaned_data["q"]})
                context["export_url"] = "?" + urlencode(
                    {"q": search.cleaned_data["q"], "format": "json"}
                )
        return self._render(request, context)

    def _export(self, request: HttpRequest, data: Any) -> HttpResponse:
        document = person_export(data)
        audit_record(
            request.user, AuditAction.EXPORTED, Lead, subject_access=True, leads=len(data.leads)
        )
        body = json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        name = f"personal-data-{timezone.now():%Y%m%d-%H%M%S}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response

    def _erase(self, request: HttpRequest) -> HttpResponse:
        form = EraseForm(request.POST)
        back = reverse("admin:leadhub_privacy_person")
        if not form.is_valid():
            q = request.POST.get("q", "")
            self.message_user(request, "Tick the box to confirm before erasing.", messages.ERROR)
            return HttpResponseRedirect(f"{back}?{urlencode({'q': q})}")
        q = form.cleaned_data["q"]
        try:
            erasure = person_erase(query=PersonQuery.parse(q), user=request.user)
        except (ErasureRefused, PersonQueryError) as err:
            self.message_user(request, str(err), messages.ERROR)
            return HttpResponseRedirect(f"{back}?{urlencode({'q': q})}")
        self.message_user(
            request,
            f"Erased: {erasure.leads} lead{pluralize(erasure.leads)}, "
            f"{erasure.submissions} submission{pluralize(erasure.submissions)}, "
            f"{erasure.attempts} attempt{pluralize(erasure.attempts)}, "
            f"{erasure.import_rows} import row{pluralize(erasure.import_rows)}. "
            "Their status and times are kept; every value of this person's is gone.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:leadhub_privacy_erasure_changelist"))

    def _render(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        return TemplateResponse(
            request,
            "admin/leadhub_privacy/person.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "A person's data",
                **context,
            },
        )
