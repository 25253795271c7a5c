"""The lead list's filters by source: how leads came in, and their UTM source and campaign."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from leadhub.admin.changelists import distinct_values
from leadhub.attribution.models import LeadSource, SourceKind
from leadhub.selectors import sees_everything, visible_leads

# The most values a UTM filter lists (in order); a longer tail is reached by its URL.
UTM_CHOICES_SHOWN = 50


class SourceKindFilter(admin.SimpleListFilter):
    title = "source"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in SourceKind.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value in SourceKind.values:
            return queryset.filter(source__kind=value)
        return queryset


class UtmFilter(admin.SimpleListFilter):
    """Leads by one UTM parameter's value; the values listed come from its own index."""

    field = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        if sees_everything(request.user):
            found = distinct_values(LeadSource, self.field, limit=UTM_CHOICES_SHOWN)
        else:
            # Only the values of the leads this user may see.
            mine = LeadSource.objects.filter(lead__in=visible_leads(request.user).values("pk"))
            found = list(
                mine.filter(**{f"{self.field}__gt": ""})
                .order_by(self.field)
                .values_list(self.field, flat=True)
                .distinct()[:UTM_CHOICES_SHOWN]
            )
        return [(value, value) for value in found]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value:
            return queryset.filter(**{f"source__{self.field}": value})
        return queryset


class UtmSourceFilter(UtmFilter):
    title = "UTM source"
    parameter_name = "utm_source"
    field = "utm_source"


class UtmCampaignFilter(UtmFilter):
    title = "UTM campaign"
    parameter_name = "utm_campaign"
    field = "utm_campaign"
