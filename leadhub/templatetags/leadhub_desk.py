"""Template tags for the admin pages: the lead's destinations panel and the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

from leadhub.admin.lead_page import panel_context
from leadhub.models import Lead

register = template.Library()


@register.inclusion_tag("admin/leadhub/lead/submissions.html", takes_context=True)
def lead_submissions_panel(context: template.Context, lead: Lead) -> dict[str, Any]:
    return panel_context(lead, context.get("request"))
