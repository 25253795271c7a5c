"""Template tags for the admin pages: the lead's destinations panel and the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

from leadhub.admin.lead_page import panel_context
from leadhub.dashboard import dashboard_context
from leadhub.models import Lead

register = template.Library()


@register.inclusion_tag("admin/leadhub/lead/submissions.html", takes_context=True)
def lead_submissions_panel(context: template.Context, lead: Lead) -> dict[str, Any]:
    return panel_context(lead, context.get("request"))


@register.inclusion_tag("admin/leadhub/dashboard.html", takes_context=True)
def leadhub_dashboard(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("leadhub.view_submission"):
        return {"show": False}
    period = request.GET.get("period") if request is not None else None
    return {"show": True, "request": request, **dashboard_context(user=user, period=period)}
