"""Template tags for LeadHub's admin pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import ChangeList
from django.template.base import Parser, Token

from leadhub.admin.result_rows import cells
from leadhub.services.attention import Attention, needs_attention_summary

register = template.Library()


def planned_result_list(cl: ChangeList) -> dict[str, Any]:
    """Django's ``result_list`` context, its rows rendered from a plan (see result_rows)."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(cells(cl)),
    }


@register.tag(name="planned_result_list")
def planned_result_list_tag(parser: Parser, token: Token) -> InclusionAdminNode:
    # django-stubs gives InclusionAdminNode a leading ``name`` argument Django's own does
    # not take (Django's admin_list tags call it exactly like this).
    return InclusionAdminNode(  # type: ignore[call-arg]
        parser=parser,
        token=token,
        func=planned_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )


@register.simple_tag(takes_context=True)
def needs_attention(context: template.Context) -> Attention:
    """The data behind the "needs attention" banner, for the user reading the page."""
    return needs_attention_summary(user=context["request"].user)
