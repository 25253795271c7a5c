"""Leads sent where staff chose: a held lead sent by hand, and the destinations staff
ticked themselves kept on the lead's routing timeline (no route, so no routed-leads list,
no sweep, no cap)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadhub.attribution.models import SourceKind
from leadhub.delivery.outbox import submission_create
from leadhub.models import Lead
from leadhub.routing.models import DecisionState, RoutingDecision
from leadhub.routing.services import timeline_entry
from leadhub.services.leads import destination_payload_build, lead_contact
from vendors.models import Destination


def hand_picks_record(*, lead: Lead, destinations: Sequence[Destination], user: Any) -> None:
    """Staff ticked the destinations themselves: the lead's decision says who picked which,
    as a routed lead's says why (no route; nothing to hold or fall through)."""
    names = ", ".join(d.name for d in destinations)
    RoutingDecision.objects.create(
        lead=lead,
        route=None,
        source=SourceKind.STAFF,
        state=DecisionState.ROUTED,
        timeline=[timeline_entry(timezone.now(), "by_hand", f"Picked by hand by {user}: {names}")],
    )


@transaction.atomic
def route_by_hand(
    *, decision_id: int, destinations: Sequence[Destination], user: Any
) -> RoutingDecision | None:
    """Staff send a held lead to destinations they pick (caps are not taken)."""
    held = RoutingDecision.objects.select_for_update().filter(state=DecisionState.HELD)
    row = held.filter(pk=decision_id).first()
    if row is None or not destinations:
        return None
    now = timezone.now()
    lead = Lead.objects.get(pk=row.lead_id)
    for destination in destinations:
        payload = destination_payload_build(
            destination=destination, contact=lead_contact(lead), values={}
        )
        submission_create(lead=lead, destination=destination, payload=payload, created_by=user)
    names = ", ".join(d.name for d in destinations)
    row.timeline = [
        *row.timeline,
        timeline_entry(now, "by_hand", f"Sent by hand by {user} to {names}"),
    ]
    row.state, row.recheck_at, row.held_reason = DecisionState.ROUTED, None, ""
    row.save()
    return row
