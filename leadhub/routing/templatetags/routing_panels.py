"""The lead page's routing panel: why each destination was or was not chosen."""

from __future__ import annotations

from typing import Any

from django import template

from leadhub.models import Lead
from leadhub.routing.answers import timeline_lines
from leadhub.routing.models import RoutingDecision

register = template.Library()


@register.inclusion_tag("admin/leadhub_routing/timeline.html")
def lead_routing_panel(lead: Lead) -> dict[str, Any]:
    decision = RoutingDecision.objects.select_related("route").filter(lead=lead).first()
    if decision is None:
        return {"decision": None}
    return {"decision": decision, "lines": timeline_lines(decision)}
