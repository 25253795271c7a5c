"""Whether a routed lead carries what a destination requires, checked before it is sent.

A routed lead has only its contact details (nobody filled a destination's own fields), so a
destination whose required fields it lacks would only refuse it. Rather than wait for the
vendor's refusal, that destination is left out with the reason in the timeline and the
route goes on to the next (a waterfall falls through at once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from leadhub.services.leads import payload_build
from vendors.models import Destination


def destinations_load(ids: Sequence[int]) -> dict[int, Destination]:
    """The destinations by id, with what ``destination_missing`` reads: the connection, the campaign
    and every campaign's fields (prefetched in one query however many)."""
    chosen = Destination.objects.select_related("connection", "campaign")
    return chosen.prefetch_related("campaign__fields").in_bulk(list(ids))


def destination_missing(destination: Destination, contact: Mapping[str, Any]) -> list[str]:
    """What ``destination`` requires that a lead with ``contact`` would not carry, in plain
    words (empty: it is ready to be sent). The same checks as the lead entry form: each
    required vendor field, then the vendor's own rules across fields (one of two)."""
    specs = destination.field_specs()  # once: labelling them costs more than the rest
    connection = destination.connection
    payload = payload_build(
        vendor=connection.adapter_class,
        settings=connection.settings,
        specs=specs,
        contact=contact,
        values={},
        fixed_values=destination.fixed_values,
        payload=connection.adapter_class.base_payload(destination),
    )
    labels = {spec.name: spec.label for spec in specs}
    missing = [
        spec.label for spec in specs if spec.required and payload.get(spec.name) in (None, "", [])
    ]
    vendor = destination.connection.adapter_class
    for name, messages in vendor.validate_payload(destination.operation, payload).items():
        missing.extend(f"{labels.get(name, name)} ({message})" for message in messages)
    return missing


def missing_words(name: str, missing: list[str]) -> str:
    """The timeline's words for a destination left out for its required fields."""
    return f"{name}: the lead lacks what it requires: {', '.join(missing)}; not sent"
