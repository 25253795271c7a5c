"""A destination's fixed repeatable rows (SalesByte's quote alternatives) in typed fields.

A ROWS field is offered as a few rows of its row fields (``spec.extra["rows"]``, 3 by
default), each a typed field built like every other fixed value: "1. Title", "1. Bundle
id", ... Blank rows are left out. The stored value keeps the shape the JSON under
Advanced gives: a list of rows, each vendor row field → value. Stored rows the typed
fields cannot show as they are (more rows than offered, a field no row has, a value that
would not come back the same) stay under Advanced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django import forms

from vendors.base import VendorAdapter
from vendors.fieldspec import FieldSpec, FieldType
from vendors.fixed_values import (
    FIXED_PREFIX,
    NOT_SHOWN,
    fixed_values_split,
    shown_value,
    stored_value,
)
from vendors.form_fields import form_field

DEFAULT_ROWS = 3


def rows_specs(specs: Iterable[FieldSpec]) -> list[FieldSpec]:
    return [spec for spec in specs if spec.type is FieldType.ROWS and spec.row_fields]


def row_count(spec: FieldSpec) -> int:
    return max(1, int(spec.extra.get("rows", DEFAULT_ROWS)))


def row_field_name(spec: FieldSpec, index: int, row_spec: FieldSpec) -> str:
    return f"{FIXED_PREFIX}{spec.name}__{index}__{row_spec.name}"


def row_field_names(spec: FieldSpec) -> list[tuple[str, ...]]:
    """The form fields of each row, row by row."""
    return [
        tuple(row_field_name(spec, index, row_spec) for row_spec in spec.row_fields)
        for index in range(row_count(spec))
    ]


def row_form_fields(spec: FieldSpec) -> dict[str, forms.Field]:
    """Every row's typed fields, none required: a blank row is left out."""
    fields: dict[str, forms.Field] = {}
    for index in range(row_count(spec)):
        for row_spec in spec.row_fields:
            field = form_field(replace(row_spec, required=False, default=None))
            field.label = f"{index + 1}. {row_spec.label}"
            field.help_text = row_spec.help
            fields[row_field_name(spec, index, row_spec)] = field
    return fields


def rows_value(spec: FieldSpec, cleaned: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The rows typed, as they are stored; None when every row is blank."""
    rows = []
    for index in range(row_count(spec)):
        row = {
            row_spec.name: value
            for row_spec in spec.row_fields
            if (value := stored_value(row_spec, cleaned.get(row_field_name(spec, index, row_spec))))
            is not None
        }
        if row:
            rows.append(row)
    return rows or None


def rows_initial(spec: FieldSpec, stored: Any) -> dict[str, Any] | None:
    """The typed fields' values for stored rows, by form field name; None when the typed
    fields cannot show them as they are."""
    if not isinstance(stored, list) or len(stored) > row_count(spec):
        return None
    by_name = {row_spec.name: row_spec for row_spec in spec.row_fields}
    initial: dict[str, Any] = {}
    for index, row in enumerate(stored):
        if not isinstance(row, dict) or not row or not row.keys() <= by_name.keys():
            return None
        for name, value in row.items():
            shown = shown_value(by_name[name], value) if value is not None else NOT_SHOWN
            if shown is NOT_SHOWN:
                return None
            initial[row_field_name(spec, index, by_name[name])] = shown
    return initial


def fixed_values_shown(
    specs: Iterable[FieldSpec], stored: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """``fixed_values_split`` with rows the typed fields show taken out of the JSON: the
    initial values of the typed fields by form field name, the names left out, the rest."""
    specs = list(specs)
    typed, left_out, rest = fixed_values_split(specs, stored)
    initial = {FIXED_PREFIX + name: value for name, value in typed.items()}
    for spec in rows_specs(specs):
        shown = rows_initial(spec, rest.get(spec.name))
        if shown is not None:
            initial.update(shown)
            del rest[spec.name]
    return initial, left_out, rest


@dataclass(frozen=True)
class RowsTyped:
    """What a destination form's rows fields hold once cleaned: each rows field's value
    (those typed without an error), the form fields they take, and each one's first form
    field (where a problem with the rows as a whole is shown)."""

    values: dict[str, list[dict[str, Any]]]
    fields: frozenset[str]
    first: dict[str, str]
    # What the vendor says of the rows as typed, by form field (SalesByte: "Give a bundle
    # id or SKUs, not both"): a fixed row it refuses would fail every lead.
    problems: dict[str, list[str]]

    @classmethod
    def of(
        cls,
        specs: Iterable[FieldSpec],
        cleaned: Mapping[str, Any],
        errors: Mapping[str, Any],
        vendor: type[VendorAdapter],
        operation: str,
    ) -> RowsTyped:
        values: dict[str, list[dict[str, Any]]] = {}
        fields: set[str] = set()
        first: dict[str, str] = {}
        problems: dict[str, list[str]] = {}
        for spec in rows_specs(specs):
            names = [name for row in row_field_names(spec) for name in row]
            fields.update(names)
            first[spec.name] = names[0]
            rows = None if errors.keys() & set(names) else rows_value(spec, cleaned)
            if rows is not None:
                values[spec.name] = rows
                problems.update(_vendor_row_problems(vendor, operation, spec, rows, cleaned))
        return cls(values, frozenset(fields), first, problems)


def _vendor_row_problems(
    vendor: type[VendorAdapter],
    operation: str,
    spec: FieldSpec,
    rows: list[dict[str, Any]],
    cleaned: Mapping[str, Any],
) -> dict[str, list[str]]:
    """The vendor's own checks of the rows (``<rows>.<n>.<field>`` keys), each on the form
    field it names: the n-th row typed, blank rows skipped."""
    typed_rows = [
        index
        for index in range(row_count(spec))
        if any(cleaned.get(name) not in (None, "") for name in row_field_names(spec)[index])
    ]
    by_name = {row_spec.name: row_spec for row_spec in spec.row_fields}
    found: dict[str, list[str]] = {}
    for key, messages in vendor.validate_payload(operation, {spec.name: rows}).items():
        _, number, name = [*key.split("."), "", ""][:3]
        if not key.startswith(f"{spec.name}.") or not number.isdigit() or name not in by_name:
            continue
        if int(number) < len(typed_rows):
            field = row_field_name(spec, typed_rows[int(number)], by_name[name])
            found.setdefault(field, []).extend(messages)
    return found
