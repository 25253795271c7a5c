"""The lead list's delivery column and filter: where each lead's submissions stand.

The column is read for the page's leads in one grouped query after the page is fetched, so
the list's query count stays the same whatever its length. The filter asks the database
whether a lead has submissions of a group (``statuses.LEAD_DELIVERY``), through the
submissions' lead index.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from leadhub.admin.changelists import LeanChangeList
from leadhub.models import Lead, Submission
from leadhub.statuses import DELIVERED, LEAD_DELIVERY

GROUP_OF_STATUS = {status: key for key, _, statuses, _ in LEAD_DELIVERY for status in statuses}
SHOWN = {key: (label, look) for key, label, _, look in LEAD_DELIVERY}
ORDER = [key for key, *_ in LEAD_DELIVERY]


def _deliveries() -> QuerySet[Submission]:
    """A lead's sends to destinations; its follow-ups (a Getlead note) are not deliveries."""
    return Submission.objects.filter(destination__isnull=False)


def lead_delivery_counts(lead_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per lead, how many of its submissions stand in each group: one query."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        _deliveries()
        .filter(lead_id__in=lead_ids)
        .values_list("lead_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for lead_id, status, n in rows:
        group = GROUP_OF_STATUS.get(status)
        if group is not None:
            counts[lead_id][group] = counts[lead_id].get(group, 0) + n
    return counts


def delivery_badges(counts: dict[str, int] | None) -> str:
    """ "2 delivered", "1 rejected": a badge per group the lead has, worst first."""
    if not counts:
        return NOT_SENT
    return _badges(tuple(counts.get(key, 0) for key in ORDER))


NOT_SENT = format_html('<span class="lh-quiet">{}</span>', "not sent")


@lru_cache(maxsize=512)
def _badges(counts: tuple[int, ...]) -> str:
    """The badges of one combination of counts: a list page's rows repeat a handful."""
    return format_html_join(
        " ",
        '<span class="lh-status lh-status-{}">{} {}</span>',
        ((SHOWN[key][1], n, SHOWN[key][0]) for key, n in zip(ORDER, counts, strict=True) if n),
    )


class LeadChangeList(LeanChangeList):
    """The lead list, its page's delivery counts read once the page is fetched."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        leads: list[Lead] = list(self.result_list)
        counts = lead_delivery_counts([lead.pk for lead in leads])
        for lead in leads:
            lead.delivery_counts = counts.get(lead.pk, {})  # type: ignore[attr-defined]
        self.result_list = leads


class DeliveryFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("attention", "Needs attention somewhere"),
            ("rejected", "Rejected somewhere"),
            ("pending", "Still being sent"),
            ("delivered", "Delivered everywhere"),
            ("none", "Not sent anywhere"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Lead]) -> Any:
        value = self.value()
        of_lead = _deliveries().filter(lead=OuterRef("pk"))
        if value == "none":
            return queryset.filter(~Exists(of_lead))
        if value == "delivered":
            return queryset.filter(Exists(of_lead), ~Exists(of_lead.exclude(status__in=DELIVERED)))
        statuses = {key: group for key, _, group, _ in LEAD_DELIVERY}.get(value or "")
        if statuses is None:
            return queryset
        return queryset.filter(Exists(of_lead.filter(status__in=statuses)))
