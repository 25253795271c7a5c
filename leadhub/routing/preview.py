"""What routing a lead would do now, with nothing written: the API's dry run, and the
duplicate guard a routed lead meets before it is saved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from leadhub.models import Lead
from leadhub.privacy.duplicates import Duplicate
from leadhub.routing.models import Route, RouteMethod
from leadhub.routing.services import route_steps, step_ready, timeline_entry
from leadhub.services.leads import lead_contact
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
    contact = lead_contact(lead)
    chosen: list[Destination] = []
    for step in order:  # as routing goes: each one checked until enough are ready
        if at_most is not None and len(chosen) >= at_most:
            break
        destination = destinations[step.destination_id]
        if step_ready(contact, step, destination, decision, now):
            chosen.append(destination)
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
