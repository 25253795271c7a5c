"""A destination's fixed values: one typed form field per field of its operation, and the
check every fixed value passes, typed in those fields or given as JSON.

``Destination.fixed_values`` keeps its shape: vendor field name → the plain value sent
with every lead (``None`` leaves the field out). Each vendor's adapter turns the plain value
into its own shape as it always has (CRM.COM nests ``source.type`` and wraps
``type_identifier`` as ``{"name": …}``; SalesByte turns ``name = value`` lines into custom
field objects), so a typed field stores exactly what the JSON would have held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.html import format_html

from vendors.base import VendorAdapter
from vendors.fieldspec import FieldSpec, FieldType
from vendors.form_fields import MultiEmailField, form_field

FIXED_PREFIX = "fixed__"
NOT_FIXED = "— not fixed: staff fill it in —"
# What JSON gives for a plain value.
SCALAR = (str, int, float)


class NotShown:
    """A stored value no typed field shows as it is (it stays under Advanced)."""


NOT_SHOWN = NotShown()


def fixed_field_name(name: str) -> str:
    return FIXED_PREFIX + name


def typed_specs(specs: Iterable[FieldSpec]) -> list[FieldSpec]:
    """The fields a destination fixes in a typed field: all but repeatable rows, which a
    destination fixes (rarely) as JSON under Advanced."""
    return [spec for spec in specs if spec.type is not FieldType.ROWS]


def fixed_form_field(spec: FieldSpec) -> forms.Field:
    """The form field that fixes ``spec``: its label, type, choices and help; blank means
    staff fill it in on the lead form."""
    sent_as = format_html("Vendor field: <code>{}</code>.", spec.name)
    if spec.required:
        sent_as = format_html("{} The vendor requires it.", sent_as)
    help_text = format_html("{} {}", spec.help, sent_as) if spec.help else sent_as
    if spec.type is FieldType.BOOLEAN:
        # A tick box cannot say "not fixed": three answers.
        return forms.TypedChoiceField(
            label=spec.label,
            required=False,
            choices=[("", NOT_FIXED), ("true", "Yes"), ("false", "No")],
            coerce=lambda text: text == "true",
            empty_value=None,
            help_text=help_text,
        )
    field = form_field(replace(spec, required=False, default=None))
    field.help_text = help_text
    if isinstance(field, forms.ChoiceField):
        field.choices = [("", NOT_FIXED), *spec.choices]
    return field


def stored_value(spec: FieldSpec, cleaned: Any) -> Any:
    """What a typed field's cleaned value is stored as: the JSON an admin would have typed
    (a date as YYYY-MM-DD, a number as a number, one address as text). None: not fixed."""
    if cleaned is None or cleaned == "" or cleaned == []:
        return None
    if isinstance(cleaned, date):
        return cleaned.isoformat()
    if isinstance(cleaned, Decimal):
        return int(cleaned) if cleaned == cleaned.to_integral_value() else float(cleaned)
    if spec.type is FieldType.EMAILS and isinstance(cleaned, list):
        return cleaned[0] if len(cleaned) == 1 else cleaned
    return cleaned


def shown_value(spec: FieldSpec, stored: Any) -> Any:
    """The typed field's value for a stored one, when the field would store it back exactly;
    NOT_SHOWN otherwise (an identifier object, ``1`` where the field keeps text ``"1"``)."""
    if isinstance(stored, bool):
        text: Any = "true" if stored else "false"
    elif spec.type is FieldType.EMAILS and isinstance(stored, list):
        text = ", ".join(str(item) for item in stored)
    elif isinstance(stored, SCALAR):
        text = str(stored)
    else:
        return NOT_SHOWN
    try:
        again = stored_value(spec, fixed_form_field(spec).clean(text))
    except forms.ValidationError:
        return NOT_SHOWN
    same = type(again) is type(stored) and again == stored
    return text if same else NOT_SHOWN


def fixed_value_problems(
    vendor: type[VendorAdapter], specs: Iterable[FieldSpec], values: Mapping[str, Any]
) -> dict[str, str]:
    """What the vendor would not take in each fixed value, by vendor field name."""
    by_name = {spec.name: spec for spec in specs}
    problems: dict[str, str] = {}
    for name, value in values.items():
        spec = by_name.get(name)
        if spec is None:
            problem = _extra_problem(vendor, name, value, by_name)
        elif value is None:
            problem = "The vendor requires it: it cannot be left out." if spec.required else ""
        else:
            problem = value_problem(vendor, spec, value)
        if problem:
            problems[name] = problem
    return problems


def value_problem(vendor: type[VendorAdapter], spec: FieldSpec, value: Any) -> str:
    """Why ``value`` cannot be fixed for ``spec``; '' when it can."""
    if vendor.fixed_object_allowed(spec, value):
        return ""
    if spec.type is FieldType.ROWS:
        return _rows_problem(vendor, spec, value)
    if spec.type is FieldType.BOOLEAN:
        return "" if isinstance(value, bool) else "Give true or false."
    if spec.type is FieldType.EMAILS and isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            return "Give email addresses as text."
        text = ", ".join(value)
    elif isinstance(value, bool) or not isinstance(value, SCALAR):
        return "Give one plain value (text or a number), not true/false, a list or an object."
    else:
        text = str(value)
    if spec.required and not text.strip():
        return "The vendor requires it: give a value, or leave it to staff."
    if spec.type is FieldType.INTEGER and isinstance(value, float) and not value.is_integer():
        return "Enter a whole number."
    field = MultiEmailField() if spec.type is FieldType.EMAILS else fixed_form_field(spec)
    try:
        field.clean(text)
    except forms.ValidationError as err:
        return " ".join(err.messages)
    return ""


def _rows_problem(vendor: type[VendorAdapter], spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        return "Give a list of rows, each an object of field: value."
    row_specs = {row_spec.name: row_spec for row_spec in spec.row_fields}
    for number, row in enumerate(value, start=1):
        for name, item in row.items():
            row_spec = row_specs.get(name)
            if row_spec is None:
                return f"Row {number}: no field “{name}” (rows take {', '.join(row_specs)})."
            problem = value_problem(vendor, row_spec, item) if item is not None else ""
            if problem:
                return f"Row {number}, {row_spec.label}: {problem}"
    return ""


def _extra_problem(
    vendor: type[VendorAdapter], name: str, value: Any, by_name: Mapping[str, FieldSpec]
) -> str:
    if vendor.accepts_extra_fields:
        if value is None or (isinstance(value, SCALAR) and not isinstance(value, bool)):
            return ""
        return f"{vendor.label} takes an extra field as text or a number."
    nested = [spec_name for spec_name in by_name if spec_name.startswith(f"{name}.")]
    if nested:
        return f"Give it as {', '.join(nested)}: one fixed value each."
    return (
        f"{vendor.label} has no such field for this operation or campaign, so the value "
        "would never be sent. Use the field names listed above."
    )


def fixed_values_split(
    specs: Iterable[FieldSpec], stored: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """Stored fixed values as the destination form shows them: the typed fields' values by
    vendor field name, the names left out (``None``), and the rest, shown as JSON."""
    by_name = {spec.name: spec for spec in typed_specs(specs)}
    optional = {spec.name for spec in specs if not spec.required}
    typed: dict[str, Any] = {}
    left_out: list[str] = []
    rest: dict[str, Any] = {}
    for name, value in stored.items():
        spec = by_name.get(name)
        shown = shown_value(spec, value) if spec is not None and value is not None else NOT_SHOWN
        if value is None and name in optional:
            left_out.append(name)
        elif shown is not NOT_SHOWN:
            typed[name] = shown
        else:
            rest[name] = value
    return typed, left_out, rest
