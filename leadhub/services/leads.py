"""Leads: create one from the entry form and send it to every chosen destination."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction

from leadhub.attribution.services import SourceDetails, lead_source_record
from leadhub.delivery.outbox import submissions_create
from leadhub.events import Event, event_announce
from leadhub.models import Lead, Submission, email_normalise
from vendors.base import VendorAdapter
from vendors.fieldspec import FieldSpec
from vendors.models import Destination
from vendors.phones import parse_phone

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "company", "notes")
# Consent evidence: entered with the contact details, sent where a destination maps them.
CONSENT_FIELDS = ("consent_date", "consent_url", "consent_wording")
# The lead's columns lead_fields() fills.
LEAD_FIELDS = (*CONTACT_FIELDS, *CONSENT_FIELDS, "phone_e164", "email_normalised")


def lead_contact(lead: Lead) -> dict[str, Any]:
    """A saved lead's contact details, as the entry form gives them."""
    return {name: getattr(lead, name) for name in (*CONTACT_FIELDS, *CONSENT_FIELDS)}


def contact_values(contact: Mapping[str, Any]) -> dict[str, Any]:
    """The lead's contact details as vendors consume them (phone in E.164 when valid)."""
    values = {name: contact.get(name) or "" for name in (*CONTACT_FIELDS, *CONSENT_FIELDS)}
    values["consent_date"] = iso_date(contact.get("consent_date")) or ""
    values["full_name"] = f"{values['first_name']} {values['last_name']}".strip()
    phone = parse_phone(values["phone"])
    if phone:
        values["phone"] = phone.e164
        values["phone_country_code"] = str(phone.country_code)
        values["phone_national"] = phone.national
    return values


def iso_date(value: Any) -> str | None:
    """A date as YYYY-MM-DD (what LeadHub sends and stores); None for no date."""
    if not value:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def payload_build(
    *,
    vendor: type[VendorAdapter],
    settings: Mapping[str, Any] | None = None,
    specs: Iterable[FieldSpec],
    contact: Mapping[str, Any],
    values: Mapping[str, Any],
    fixed_values: Mapping[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    mapped: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The vendor fields of ``specs``: fixed values, mapped contact fields and the values
    staff typed, each formatted the way ``vendor`` wants it with the connection's
    ``settings``. ``mapped`` is contact_values(contact), when the caller has it already."""
    fixed = fixed_values or {}
    if mapped is None:
        mapped = contact_values(contact)
    payload = dict(payload or {})
    for spec in specs:
        if spec.name in fixed:
            value = fixed[spec.name]
        elif spec.contact:
            value = mapped.get(spec.contact)
        else:
            value = values.get(spec.name)
        if value is None or value == "" or value == []:
            continue
        payload[spec.name] = vendor.format_value(spec, value, settings)
    return payload


def destination_payload_build(
    *, destination: Destination, contact: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """The vendor fields for one destination, after what the vendor adds for it (campid)."""
    connection = destination.connection
    vendor = connection.adapter_class
    return payload_build(
        vendor=vendor,
        settings=connection.settings,
        specs=destination.field_specs(),
        contact=contact,
        values=values,
        fixed_values=destination.fixed_values,
        payload=vendor.base_payload(destination),
    )


def lead_fields(contact: Mapping[str, Any]) -> dict[str, str | None]:
    """A lead's columns from contact details, the E.164 phone and the compared email
    included (text, ready to store; no consent date is None)."""
    # In LEAD_FIELDS order: the bulk import copies the values as they come.
    fields: dict[str, str | None] = {name: contact.get(name) or "" for name in CONTACT_FIELDS}
    fields["consent_date"] = iso_date(contact.get("consent_date"))
    fields["consent_url"] = contact.get("consent_url") or ""
    fields["consent_wording"] = contact.get("consent_wording") or ""
    phone = parse_phone(contact.get("phone") or "")
    fields["phone_e164"] = phone.e164 if phone else ""
    fields["email_normalised"] = email_normalise(fields["email"])
    return fields


def lead_build(*, contact: Mapping[str, Any], owner: Any = None) -> Lead:
    """An unsaved lead from contact details (the bulk import saves many at once)."""
    return Lead(**lead_fields(contact), owner=owner)


def lead_create_and_send(
    *,
    contact: Mapping[str, Any],
    destinations: Sequence[Destination],
    destination_values: Mapping[int, Mapping[str, Any]],
    owner: Any = None,
    source: SourceDetails | None = None,
) -> Lead:
    """Save the lead, where it came from, and one queued submission per destination, all
    or nothing."""
    return lead_create_and_send_rows(
        contact=contact,
        destinations=destinations,
        destination_values=destination_values,
        owner=owner,
        source=source,
    )[0]


@transaction.atomic
def lead_create_and_send_rows(
    *,
    contact: Mapping[str, Any],
    destinations: Sequence[Destination],
    destination_values: Mapping[int, Mapping[str, Any]],
    owner: Any = None,
    source: SourceDetails | None = None,
    payloads: Mapping[int, dict[str, Any]] | None = None,
) -> tuple[Lead, list[Submission]]:
    """``lead_create_and_send``, with the submissions as saved, in the destinations' order
    (the API answers with them; reading them back would cost a query per lead).
    ``payloads``: each destination's payload by its pk, as the lead's check built it from
    the same values (``CleanedLead.payloads``); built here otherwise."""
    lead = lead_build(contact=contact, owner=owner)
    lead.save()
    if source is not None:
        lead_source_record(lead=lead, source=source)
    built = payloads or {}
    submissions = submissions_create(
        lead=lead,
        payloads=[
            (
                destination,
                built.get(destination.pk)
                or destination_payload_build(
                    destination=destination,
                    contact=contact,
                    values=destination_values.get(destination.pk, {}),
                ),
            )
            for destination in destinations
        ],
        created_by=owner,
    )
    event_announce(Event.LEAD_CREATED, object_id=lead.pk)
    return lead, submissions
