"""The submission list's filters: what needs a person, by vendor, by what vendors said later."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from leadhub.admin.changelists import distinct_values
from leadhub.models import Submission
from leadhub.selectors import held_q, needs_attention_q, stuck_q
from leadhub.statuses import SubmissionStatus
from vendors.models import Connection, VendorKind

S = SubmissionStatus


class AttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("any", "Anything that needs a person"),
            ("stuck", "Stuck (overdue for the next step)"),
            ("paused", "Held by a paused connection"),
            ("late_rejection", "Rejected after acceptance"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> Any:
        value = self.value()
        if value == "stuck":
            return queryset.filter(stuck_q(now=timezone.now()))
        if value == "paused":
            return queryset.filter(held_q())
        if value == "late_rejection":
            return queryset.filter(status=S.REJECTED).exclude(vendor_outcome="")
        if value == "any":
            return queryset.filter(needs_attention_q(now=timezone.now()))
        return queryset


class VendorFilter(admin.SimpleListFilter):
    """By vendor, as the handful of connections of that kind: the list then filters on its
    own indexed column instead of joining every row to its connection."""

    title = "vendor"
    parameter_name = "connection__kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(VendorKind.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> Any:
        if not self.value():
            return queryset
        kind = Connection.objects.filter(kind=self.value())
        return queryset.filter(connection_id__in=list(kind.values_list("pk", flat=True)))


class VendorOutcomeFilter(admin.SimpleListFilter):
    """What vendors said later (LeadByte's queue: Valid, Invalid...). The labels are the
    vendor's own, so they are read from the data, through the index rather than a scan."""

    title = "vendor outcome"
    parameter_name = "vendor_outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(label, label) for label in distinct_values(Submission, "vendor_outcome")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> Any:
        if self.value():
            return queryset.filter(vendor_outcome=self.value())
        return queryset
