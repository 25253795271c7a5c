"""Leads: create one from the entry form and send it to every chosen destination."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from leadhub.models import Lead
from leadhub.phones import parse_phone
from leadhub.services.submissions import submission_create
from vendors.models import Destination

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "company", "notes")


def contact_values(contact: Mapping[str, Any]) -> dict[str, Any]:
    """The lead's contact details as vendors consume them (phone in E.164 when valid)."""
    values = {name: contact.get(name) or "" for name in CONTACT_FIELDS}
    values["full_name"] = f"{values['first_name']} {values['last_name']}".strip()
    phone = parse_phone(values["phone"])
    if phone:
        values["phone"] = phone.e164
        values["phone_country_code"] = str(phone.country_code)
        values["phone_national"] = phone.national
    return values


def destination_payload_build(
    *, destination: Destination, contact: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """The vendor fields for one destination: fixed values, mapped contact fields and the
    values staff typed, each formatted the way that vendor wants it."""
    connection = destination.connection
    adapter = connection.adapter_class(
        base_url=connection.base_url, credentials={}, settings=connection.settings
    )
    mapped = contact_values(contact)
    payload: dict[str, Any] = adapter.base_payload(destination)
    for spec in destination.field_specs():
        if spec.name in destination.fixed_values:
            value = destination.fixed_values[spec.name]
        elif spec.contact:
            value = mapped.get(spec.contact)
        else:
            value = values.get(spec.name)
        if value is None or value == "" or value == []:
            continue
        payload[spec.name] = adapter.format_value(spec, value)
    return payload


def lead_build(*, contact: Mapping[str, Any], owner: Any = None) -> Lead:
    """An unsaved lead from contact details (the bulk import saves many at once)."""
    phone = parse_phone(contact.get("phone") or "")
    return Lead(
        **{name: contact.get(name) or "" for name in CONTACT_FIELDS},
        phone_e164=phone.e164 if phone else "",
        owner=owner,
    )


@transaction.atomic
def lead_create_and_send(
    *,
    contact: Mapping[str, Any],
    destinations: Sequence[Destination],
    destination_values: Mapping[int, Mapping[str, Any]],
    owner: Any = None,
) -> Lead:
    """Save the lead and one queued submission per destination, all or nothing."""
    lead = lead_build(contact=contact, owner=owner)
    lead.save()
    for destination in destinations:
        payload = destination_payload_build(
            destination=destination,
            contact=contact,
            values=destination_values.get(destination.pk, {}),
        )
        submission_create(lead=lead, destination=destination, payload=payload, created_by=owner)
    return lead
