"""A lead sent over the API, checked by the admin's own lead entry form.

The API body is mapped onto the data the generated form (``lead_entry_form_class``) reads,
field by field, and the form's errors are mapped back onto ``{field, destination, code,
message}``. No rule is written here: what the admin refuses, the API refuses, in the same
words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.forms.utils import ErrorDict

from leadhub.forms.lead_entry import (
    CleanedLead,
    LeadEntryCleaner,
    LeadEntryForm,
    cleaned_lead,
    destination_prefix,
    lead_entry_form_class,
)
from leadhub.forms.rows import RowsFormSet
from leadhub.services.leads import CONSENT_FIELDS, CONTACT_FIELDS
from vendors.fieldspec import FieldSpec, FieldType
from vendors.models import Destination


@dataclass(frozen=True)
class FieldError:
    field: str | None
    destination: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "destination": self.destination,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class Intake:
    """The outcome of checking a lead: what the form makes of it, or every error."""

    lead: CleanedLead | None = None
    errors: list[FieldError] = field(default_factory=list)


def destinations_usable(destinations: Sequence[Destination]) -> list[FieldError]:
    """The destinations staff would not be offered either: switched off, or a LeadByte
    campaign that takes no leads (``Campaign.usable``, what ``unusable_campaign_q`` asks)."""
    return [
        FieldError(
            None,
            d.slug,
            "destination_unavailable",
            f"{d} is not taking leads now (switched off, or its campaign is inactive).",
        )
        for d in destinations
        if not d.is_active
        or not d.connection.is_active
        or (d.campaign is not None and not d.campaign.usable)
    ]


SCALARS = (str, int, float, bool)


def _form_value(value: Any) -> str:
    """A JSON scalar as a form field reads it from posted data."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _wrong_type(name: str, destination: Destination, expected: str) -> FieldError:
    return FieldError(name, destination.slug, "wrong_type", f"Give {expected}.")


def form_data(
    contact: Mapping[str, Any],
    destinations: Sequence[Destination],
    values: Mapping[str, Mapping[str, Any]],
    form_class: type[LeadEntryForm],
) -> tuple[dict[str, Any], list[FieldError]]:
    """The data the lead entry form reads, and the fields no destination takes."""
    data = {name: _form_value(contact.get(name)) for name in (*CONTACT_FIELDS, *CONSENT_FIELDS)}
    errors: list[FieldError] = []
    for destination in destinations:
        prefix = destination_prefix(destination)
        own = values.get(destination.slug) or {}
        specs = {s.name: s for s in destination.staff_field_specs() if not s.contact}
        for name, value in own.items():
            spec = specs.get(name)
            if spec is None:
                errors.append(
                    FieldError(
                        name,
                        destination.slug,
                        "unknown_field",
                        f"{destination} takes no field {name!r} (fixed, filled from the "
                        "contact details, or not one of its fields).",
                    )
                )
            elif spec.type is FieldType.ROWS:
                if not _is_rows(value):
                    errors.append(_wrong_type(name, destination, "a list of objects of values"))
                else:
                    data.update(_rows_data(f"{prefix}{name}", spec, value))
            elif value is not None and not isinstance(value, SCALARS):
                errors.append(_wrong_type(name, destination, "a string, number or true/false"))
            else:
                data[f"{prefix}{name}"] = _form_value(value)
        for name in form_class.row_specs:
            if name.startswith(prefix) and f"{name}-TOTAL_FORMS" not in data:
                data.update(_rows_data(name, form_class.row_specs[name], []))
    return data, errors


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(row, dict) and all(v is None or isinstance(v, SCALARS) for v in row.values())
        for row in value
    )


def _rows_data(prefix: str, spec: FieldSpec, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A formset's posted data from a list of row objects."""
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        if isinstance(row, dict):
            for name, value in row.items():
                data[f"{prefix}-{index}-{name}"] = _form_value(value)
    return data


@dataclass(frozen=True)
class LeadChecker:
    """The lead entry form for some destinations and its cleaner, set up once. The cleaner
    keeps the row it is cleaning on itself: one thread at a time (``key_checker``)."""

    form_class: type[LeadEntryForm]
    cleaner: LeadEntryCleaner


def lead_checker(destinations: Sequence[Destination]) -> LeadChecker:
    form_class = lead_entry_form_class(destinations)
    return LeadChecker(form_class=form_class, cleaner=LeadEntryCleaner(form_class))


def lead_check(
    contact: Mapping[str, Any],
    destinations: Sequence[Destination],
    values: Mapping[str, Mapping[str, Any]],
    checker: LeadChecker | None = None,
) -> Intake:
    """Check a lead the way the admin's form does; the bound form when it is valid.
    ``checker``: the form and cleaner of these destinations, when the caller kept them."""
    checker = checker or lead_checker(destinations)
    form_class = checker.form_class
    data, unknown = form_data(contact, destinations, values, form_class)
    cleaner = checker.cleaner
    if cleaner.usable and not unknown:
        # The bulk import's way through the same checks, without a bound form: what it
        # accepts the form accepts, with the same values (tests/leadhub/test_lead_entry_cleaner).
        lead = cleaner.clean(data)
        if lead is not None:
            return Intake(lead=lead)
    form = form_class(data)
    if form.is_valid() and not unknown:
        return Intake(lead=cleaned_lead(form))
    return Intake(errors=unknown + form_errors(form, destinations))


def form_errors(form: LeadEntryForm, destinations: Sequence[Destination]) -> list[FieldError]:
    """Every error of a bound form, as ``{field, destination, code, message}``."""
    by_prefix = {destination_prefix(d): d for d in destinations}
    by_label = {f"{d}: ": d for d in destinations}
    found: list[FieldError] = []
    errors: ErrorDict = form.errors
    for name, error_list in errors.as_data().items():
        field_name: str | None = None if name == "__all__" else name
        slug: str | None = None
        for prefix, destination in by_prefix.items():
            if field_name and field_name.startswith(prefix):
                field_name, slug = field_name.removeprefix(prefix), destination.slug
        for error in error_list:
            for message in error.messages:
                own_slug = slug
                for label, destination in by_label.items():
                    if own_slug is None and message.startswith(label):
                        own_slug = destination.slug
                        message = message.removeprefix(label)
                found.append(
                    FieldError(field_name, own_slug, error.code or "invalid", str(message))
                )
    for name, rows in form.row_sets.items():
        found.extend(_row_errors(name, rows, by_prefix))
    return found


def _row_errors(
    name: str, rows: RowsFormSet, by_prefix: Mapping[str, Destination]
) -> list[FieldError]:
    prefix = next((p for p in by_prefix if name.startswith(p)), "")
    slug = by_prefix[prefix].slug if prefix else None
    field_name = name.removeprefix(prefix)
    found = [
        FieldError(field_name, slug, "invalid", str(message)) for message in rows.non_form_errors()
    ]
    for index, row_form in enumerate(rows.forms):
        for row_field, error_list in row_form.errors.as_data().items():
            where = f"{field_name}[{index}]" + ("" if row_field == "__all__" else f".{row_field}")
            for error in error_list:
                for message in error.messages:
                    found.append(FieldError(where, slug, error.code or "invalid", str(message)))
    return found
