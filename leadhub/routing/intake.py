"""Leads that name no destinations, from any intake (API, web form, import, staff's
"route automatically"): saved with where they came from, then routed by the route their
source uses (docs/routing.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from leadhub.attribution.services import SourceDetails
from leadhub.models import Lead
from leadhub.routing.models import Route, RoutingDecision
from leadhub.routing.services import route_apply
from leadhub.services.leads import lead_create_and_send


@transaction.atomic
def lead_create_and_route(
    *,
    contact: dict[str, Any],
    route: Route,
    source: SourceDetails,
    owner: Any = None,
    allow_duplicate: bool = False,
) -> tuple[Lead, RoutingDecision]:
    """A lead with no destinations named: saved with where it came from, then routed, in
    one transaction."""
    from_contact = lead_create_and_send(
        contact=contact, destinations=[], destination_values={}, owner=owner, source=source
    )
    return from_contact, route_apply(
        lead=from_contact,
        route=route,
        source=source.kind,
        created_by=owner,
        allow_duplicate=allow_duplicate,
    )
