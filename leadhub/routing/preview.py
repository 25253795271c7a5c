"""What routing a lead would do now, with nothing written: the API's dry run, and the
duplicate guard a routed lead meets before it is saved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from leadhub.models import Lead
from leadhub.privacy.duplicates import Duplicate
from leadhub.routing.models import Route, RouteMethod
from leadhub.routing.services import route_steps, timeline_entry
from vendors.models import Destination
from vendors.phones import parse_phone


@dataclass(frozen=True)
class RoutePreview:
    """What routing a lead would do now, nothing written: the destinations it would be sent
    to (in order), the eligible ones this person went to recently, and the timeline."""

    chosen: list[Destination]
    duplicates: list[tuple[Destination, Duplicate]]
    timeline: list[dict[str, Any]]


def route_preview(
    *, contact: dict[str, Any], route: Route, source: str, allow_duplicate: bool = False
) -> RoutePreview:
    """Decide a lead's route without saving anything (no lead, decision, submission or cap
    place): the API's dry run, and its duplicate guard before a routed lead is saved."""
    now = timezone.now()
    lead = Lead(**contact)
    phone = parse_phone(lead.phone) if lead.phone else None
    lead.phone_e164 = phone.e164 if phone else ""
    decision, destinations, order, found = route_steps(
        lead, route.pk, source, now, [], not allow_duplicate
    )
    at_most = decision.plan.max_destinations if decision.plan.method == RouteMethod.ALL else 1
    chosen = [destinations[s.destination_id] for s in order][:at_most]
    timeline = [
        timeline_entry(now, "route", f"Routed by “{route.name}” ({route.get_method_display()})"),
        *decision.timeline,
        *(
            timeline_entry(now, "would_send", f"Would send to {d.name}", destination=d.slug)
            for d in chosen
        ),
    ]
    duplicates = [(destinations[pk], earlier) for pk, earlier in found.items()]
    return RoutePreview(chosen=chosen, duplicates=duplicates, timeline=timeline)
