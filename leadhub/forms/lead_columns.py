"""The lead entry form's checks run a column at a time, for the bulk import.

Most of what the form checks is about one value alone: a field's own clean() and its
clean_<field> hook, a contact value against a destination's field, the way a vendor formats
a value. Those are worked out once for each distinct value of a column and shared by every
row that has it (a file holds five makes of car in 100,000 rows), and each cleaned value is
kept for the next chunk of the same import. What depends on the whole row (a vendor's
payload rules, the full name) runs per row, on values already cleaned.

Like ``LeadEntryCleaner`` it only ever accepts: a row with any problem gets None and is
bound to the form, which says what is wrong in its own words. A row it accepts is one the
form accepts, with the same lead columns and payloads
(tests/leadhub/test_lead_columns.py compares them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict

from leadhub.forms.field_checks import Validated, field_clean, passes
from leadhub.forms.lead_entry import LeadEntryCleaner, LeadEntryForm
from leadhub.models import email_normalise
from leadhub.services.leads import CONSENT_FIELDS, CONTACT_FIELDS, LEAD_FIELDS, iso_date
from vendors.base import VendorAdapter
from vendors.fieldspec import FieldSpec
from vendors.form_fields import form_field
from vendors.phones import parse_phone

# Distinct values remembered per column between chunks; past it the memory starts afresh, so
# a column of unique values (e-mails) costs a bounded amount of memory, not the file's size.
REMEMBERED_PER_COLUMN = 20_000
# clean_<field> hooks that read their own field only, so they run on one value at a time.
SINGLE_VALUE_HOOKS = frozenset({"phone"})


class _Marker:
    """A marker among values, never stored."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


REFUSED: Any = _Marker("REFUSED")  # a value the form refuses
ABSENT: Any = _Marker("ABSENT")  # no column fills the field: the row's data lacks it
# A lead's columns (LEAD_FIELDS order) and one payload as JSON per destination.
Accepted = tuple[tuple[str, ...], tuple[str, ...]]


class Memo:
    """A function of one value, remembered per distinct value (bounded)."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function
        self.known: dict[Hashable, Any] = {}

    def column(self, values: Sequence[Hashable]) -> list[Any]:
        known = self.known
        if len(known) > REMEMBERED_PER_COLUMN:
            known.clear()
        function = self.function
        for value in dict.fromkeys(values):
            if value not in known:
                known[value] = function(value)
        return list(map(known.__getitem__, values))


# Where a payload field's value comes from, per row.
FIXED, CONTACT, OWN = "fixed", "contact", "own"
# A formatted payload value: its JSON as `"name": value` and the value; None when left out.
Item = tuple[str, Any] | None


@dataclass(frozen=True)
class _PayloadField:
    name: str  # the vendor field
    source: str  # FIXED, CONTACT or OWN
    key: str  # the contact value's name or the form field's (unused for a fixed one)
    format: Memo  # source value → Item
    item: Item = None  # a fixed field's


@dataclass(frozen=True)
class _Destination:
    base: dict[str, Any]  # what the vendor adds to every payload (campid)
    fields: list[_PayloadField]
    vendor: type[VendorAdapter]
    operation: str
    # The payload as JSON is put together from each field's own JSON (no dict per row)
    # when nothing would change the order json.dumps gives and the vendor has no rules on
    # the whole payload; else a dict is built per row, as payload_build does.
    joined: bool


def _left_out(value: Any) -> bool:
    return value is None or value == "" or value == []


def _overrides(vendor: type[VendorAdapter], name: str) -> bool:
    return getattr(vendor, name).__func__ is not getattr(VendorAdapter, name).__func__


def _phone_values(raw: str) -> tuple[str, str | None, str | None, str]:
    """What contact_values and lead_fields make of a cleaned phone: the phone vendors get,
    its country code and national number (None when not valid), and the E.164 column."""
    phone = parse_phone(raw)
    if phone is None:
        return raw, None, None, ""
    return phone.e164, str(phone.country_code), phone.national, phone.e164


def _formatter(
    vendor: type[VendorAdapter],
    spec: FieldSpec,
    settings: Mapping[str, Any],
    cleaned: Callable[[Any], Any] = lambda value: value,
) -> Callable[[Any], Item]:
    name = json.dumps(spec.name) + ": "

    def item(source: Any) -> Item:
        value = cleaned(source)
        if value is REFUSED or _left_out(value):
            return None
        value = vendor.format_value(spec, value, settings)
        try:
            return name + json.dumps(value), value
        except (TypeError, ValueError):
            return REFUSED  # the row goes to the form, which reports it

    return item


class ColumnCleaner:
    """The form's checks compiled once per import and run on the columns of a chunk."""

    def __init__(self, form_class: type[LeadEntryForm]) -> None:
        form = self._form = form_class()
        hooks = {name for name in form.fields if hasattr(form, f"clean_{name}")}
        self.usable = LeadEntryCleaner(form_class).usable and hooks <= SINGLE_VALUE_HOOKS
        self._files: MultiValueDict[str, Any] = MultiValueDict()
        self._validated: Validated = {}
        self._fields = {name: Memo(self._field_cleaner(name, f)) for name, f in form.fields.items()}
        self._contact_checks = [
            (spec.contact, Memo(passes(field_clean(form_field(spec), self._validated))))
            for destination in form.destinations
            for spec in destination.staff_field_specs()
            if spec.contact
        ]
        self._phones = Memo(_phone_values)
        self._destinations = [self._compile(d) for d in form.destinations]

    def _field_cleaner(self, name: str, field: forms.Field) -> Callable[[Any], Any]:
        value_from, files = field.widget.value_from_datadict, self._files
        clean = field_clean(field, self._validated)
        hook = getattr(self._form, f"clean_{name}", None)
        form = self._form

        def cleaned(raw: Any) -> Any:
            if raw is REFUSED:  # refused before the form (a spreadsheet formula)
                return REFUSED
            data = {} if raw is ABSENT else {name: raw}
            try:
                value = clean(value_from(data, files, name))
                if hook is not None:
                    form.cleaned_data = {name: value}
                    value = hook()
                return value
            except forms.ValidationError:
                return REFUSED

        return cleaned

    def _compile(self, destination: Any) -> _Destination:
        prefix = f"d{destination.pk}__"
        connection = destination.connection
        vendor, settings = connection.adapter_class, connection.settings
        fixed = destination.fixed_values
        base = vendor.base_payload(destination)
        fields = []
        names: list[str] = []
        for spec in destination.field_specs():
            names.append(spec.name)
            if spec.name in fixed:
                formatter = _formatter(vendor, spec, settings)
                item = formatter(fixed[spec.name])
                fields.append(_PayloadField(spec.name, FIXED, "", Memo(formatter), item))
                continue
            elif spec.contact:
                source, key = CONTACT, spec.contact
                memo = Memo(_formatter(vendor, spec, settings))
            else:
                source, key = OWN, f"{prefix}{spec.name}"
                field = self._fields.get(key)
                if field is None:
                    continue  # no form field fills it: left out, as payload_build does
                memo = Memo(_formatter(vendor, spec, settings, field.known.__getitem__))
            fields.append(_PayloadField(spec.name, source, key, memo))
        return _Destination(
            base=base,
            fields=fields,
            vendor=vendor,
            operation=destination.operation,
            joined=len(set(names)) == len(names)
            and not set(names) & set(base)
            and not _overrides(vendor, "validate_payload"),
        )

    def clean(self, columns: Mapping[str, Sequence[Any]], size: int) -> list[Accepted | None]:
        """Each row's lead columns and payloads, or None for a row the form must judge.

        ``columns`` holds, per form field, the ``size`` rows' values as the form's data would
        have them; a field without a column is left out of every row's data.
        """
        for known in self._validated.values():
            if len(known) > REMEMBERED_PER_COLUMN:
                known.clear()
        refused = bytearray(size)
        absent = [ABSENT] * size
        cleaned: dict[str, list[Any]] = {}
        for name, memo in self._fields.items():
            values = cleaned[name] = memo.column(columns.get(name, absent))
            _mark(refused, values)
        mapped = self._contact(cleaned, size)
        for contact_name, check in self._contact_checks:
            values = mapped.get(contact_name) or [""] * size
            passed = check.column([value or "" for value in values])
            for i, ok in enumerate(passed):
                if not ok:
                    refused[i] = 1
        payloads = [self._payloads(d, columns, mapped, refused, size) for d in self._destinations]
        leads = zip(*(mapped[f"lead_{name}"] for name in LEAD_FIELDS), strict=True)
        rows: list[Accepted | None] = []
        for i, lead in enumerate(leads):
            rows.append(None if refused[i] else (lead, tuple(p[i] for p in payloads)))
        return rows

    def _contact(self, cleaned: dict[str, list[Any]], size: int) -> dict[str, list[Any]]:
        """contact_values() and lead_fields() of every row, by name: the lead's columns as
        lead_<name>, what vendors get under the contact value's own name."""
        mapped: dict[str, list[Any]] = {}
        for name in CONTACT_FIELDS:
            values = cleaned.get(name) or [None] * size
            mapped[name] = mapped[f"lead_{name}"] = [
                "" if value is REFUSED else (value or "") for value in values
            ]
        mapped["full_name"] = [
            f"{first} {last}".strip()
            for first, last in zip(mapped["first_name"], mapped["last_name"], strict=True)
        ]
        phones = self._phones.column(mapped["phone"])
        mapped["phone"] = [phone for phone, _, _, _ in phones]
        mapped["phone_country_code"] = [code for _, code, _, _ in phones]
        mapped["phone_national"] = [national for _, _, national, _ in phones]
        mapped["lead_phone_e164"] = [e164 for _, _, _, e164 in phones]
        mapped["lead_email_normalised"] = [email_normalise(email) for email in mapped["email"]]
        # Consent evidence, as lead_fields() stores it and contact_values() sends it.
        for name in CONSENT_FIELDS:
            values = cleaned.get(name) or [None] * size
            kept = [None if value is REFUSED else value for value in values]
            if name == "consent_date":
                mapped[f"lead_{name}"] = [iso_date(value) for value in kept]
                mapped[name] = [iso_date(value) or "" for value in kept]
            else:
                mapped[name] = mapped[f"lead_{name}"] = [value or "" for value in kept]
        return mapped

    def _payloads(
        self,
        destination: _Destination,
        columns: Mapping[str, Sequence[Any]],
        mapped: dict[str, list[Any]],
        refused: bytearray,
        size: int,
    ) -> list[str]:
        """Each row's payload for one destination as JSON ("" for a refused row)."""
        items: list[Sequence[Item]] = []
        for field in destination.fields:
            if field.source == FIXED:
                items.append([field.item] * size)
            elif field.source == CONTACT:
                items.append(field.format.column(mapped.get(field.key) or [None] * size))
            else:
                items.append(field.format.column(columns.get(field.key, [ABSENT] * size)))
        for column in items:
            _mark(refused, column)
        if destination.joined:
            return _joined(destination.base, items, refused)
        out: list[str] = []
        for i, row in enumerate(zip(*items, strict=True)):
            out.append("" if refused[i] else self._payload(destination, row, refused, i))
        return out

    def _payload(
        self, destination: _Destination, row: Sequence[Item], refused: bytearray, i: int
    ) -> str:
        """One payload built as payload_build does, for the vendor's rules on all of it."""
        payload = dict(destination.base)
        for field, item in zip(destination.fields, row, strict=True):
            if item:
                payload[field.name] = item[1]
        if destination.vendor.validate_payload(destination.operation, payload):
            refused[i] = 1
            return ""
        return json.dumps(payload)


def _joined(base: Mapping[str, Any], items: list[Sequence[Item]], refused: bytearray) -> list[str]:
    """Each row's payload as json.dumps gives it, put together from each field's JSON: the
    base first, then each field present in its order. A column with one value for every
    row (a fixed field, one not mapped) is joined to its neighbours once, not per row."""
    columns: list[Sequence[str]] = []
    constant = [json.dumps(k) + ": " + json.dumps(v) for k, v in base.items()]
    for column in items:
        first = column[0] if column else None
        if all(item is first for item in column):
            if first:
                constant.append(first[0])
            continue
        if constant:
            columns.append([", ".join(constant)] * len(refused))
            constant = []
        columns.append([item[0] if item else "" for item in column])
    if constant or not columns:
        columns.append([", ".join(constant)] * len(refused))
    return [
        "" if bad else "{" + ", ".join(filter(None, row)) + "}"
        for bad, row in zip(refused, zip(*columns, strict=True), strict=True)
    ]


def _mark(refused: bytearray, values: Sequence[Any]) -> None:
    for i, value in enumerate(values):
        if value is REFUSED:
            refused[i] = 1
