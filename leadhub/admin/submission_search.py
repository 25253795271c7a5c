"""The submission list's search: the start of the vendor's reference, or the lead's email or
last name (a phone number is found before this, by PhoneSearchMixin).

Django's own search ORs the reference with the joined lead's columns, which no index can
answer: PostgreSQL read every submission and its lead (4 s at a million rows). Here the
matching leads are found in their own table first, and the submissions by their lead_id and
their reference, two index lookups PostgreSQL combines (the reference's is
``submission_reference_prefix_idx``, made by migration 0007).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.text import smart_split, unescape_string_literal

from leadhub.models import Lead, Submission

# Up to this many matching leads are handed to the lead_id index as a list; a term that
# matches more (a common word) is answered by a subquery, which reads every row anyway.
LEAD_IDS_LISTED = 1000

SEARCH_HELP = (
    "Search by the vendor's reference (its first few characters are enough), the lead's "
    "email or last name, or a phone number in any format."
)


def search_words(search_term: str) -> list[str]:
    """The words of a search, as Django's admin splits them ("quoted words" kept whole)."""
    words = []
    for word in smart_split(search_term):
        if word.startswith(('"', "'")) and word[0] == word[-1]:
            word = unescape_string_literal(word)
        if word:
            words.append(word)
    return words


def submissions_search(submissions: QuerySet[Submission], search_term: str) -> QuerySet[Submission]:
    """Submissions matching every word of the search, each word in one of the columns."""
    for word in search_words(search_term):
        leads = Lead.objects.filter(Q(email__icontains=word) | Q(last_name__icontains=word))
        lead_ids: Any = list(leads.values_list("pk", flat=True)[: LEAD_IDS_LISTED + 1])
        if len(lead_ids) > LEAD_IDS_LISTED:
            lead_ids = leads.values("pk")
        submissions = submissions.filter(
            Q(vendor_reference__istartswith=word) | Q(lead_id__in=lead_ids)
        )
    return submissions


class SubmissionSearchMixin(admin.ModelAdmin):
    # What the search box offers (Django shows the box when search_fields is set); the
    # search itself is submissions_search.
    search_fields = ("^vendor_reference", "lead__email", "lead__last_name")
    search_help_text = SEARCH_HELP

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return submissions_search(queryset, search_term), False
