"""FieldSpec → Django form field: the one builder behind every generated form."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.validators import RegexValidator

from vendors.field_labels import plain_choices
from vendors.fieldspec import FieldSpec, FieldType
from vendors.phones import parse_phone, phone_hint

logger = logging.getLogger(__name__)

# What Django accepts as a field validator: called with the value, raises ValidationError.
Validator = Callable[[Any], None]

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
UK_POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$", re.I
)

alphabetical = RegexValidator(
    r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$", "Use letters, spaces, apostrophes and hyphens only."
)
uk_postcode = RegexValidator(UK_POSTCODE, "Enter a valid UK postcode, like SW1A 1AA.")

_unknown_types_logged: set[str] = set()


def _uk_mobile(value: str) -> None:
    phone = parse_phone(value, "GB")
    if phone is None or not phone.is_uk_mobile:
        raise forms.ValidationError("Enter a valid UK mobile number, like 07911 123456.")


def _phone(value: str) -> None:
    if parse_phone(value) is None:
        raise forms.ValidationError(phone_hint())


class MultiEmailField(forms.Field):
    """One address or several, separated by commas; cleans to a list."""

    def to_python(self, value: Any) -> list[str]:
        text = "" if value in self.empty_values else str(value)
        return [part.strip() for part in text.split(",") if part.strip()]

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        for address in value:
            forms.EmailField().clean(address)


def _bounds(spec: FieldSpec) -> str:
    low, high = spec.min_value, spec.max_value
    if low is not None and high is not None:
        return f" from {low:g} to {high:g}"
    if low is not None:
        return f" of at least {low:g}"
    return f" of at most {high:g}" if high is not None else ""


def field_help(spec: FieldSpec) -> str:
    """What to type, in a few words: the vendor's help, else one said by the field's type,
    so that no generated field is left without any."""
    if spec.help:
        return spec.help
    kind = spec.type
    said = {
        FieldType.DATE: "A date: type it or pick it from the calendar.",
        FieldType.EMAIL: "An email address, like name@example.com.",
        FieldType.EMAILS: "One email address, or several separated by commas.",
        FieldType.ALPHABETICAL: "Letters, spaces, apostrophes and hyphens only.",
        FieldType.UK_MOBILE: "A UK mobile number, like 07911 123456.",
        FieldType.PHONE: "A phone number in any format; +44 is assumed.",
        FieldType.POSTCODE: "A UK postcode, like SW1A 1AA.",
        FieldType.BOOLEAN: "Tick for yes.",
        FieldType.CHOICE: "Pick one." if spec.required else "Pick one, or leave it blank.",
        FieldType.ROWS: "One line per row; blank rows are left out.",
    }
    if kind in said:
        return said[kind]
    if kind is FieldType.INTEGER:
        return f"A whole number{_bounds(spec)}."
    if kind is FieldType.DECIMAL:
        return f"A number{_bounds(spec)}."
    return f"Up to {spec.max_length} characters." if spec.max_length else "Free text."


def form_field(spec: FieldSpec) -> forms.Field:
    common: dict[str, Any] = {
        "label": spec.label,
        "required": spec.required,
        "help_text": field_help(spec),
        "initial": spec.default,
    }
    declared: list[Validator] = []
    if spec.extra.get("invalid_if"):
        # A vendor-declared shape for free text (Getlead's "name = value" lines, say).
        declared.append(
            RegexValidator(
                spec.extra["invalid_if"],
                spec.extra.get("invalid_message", "Enter a valid value."),
                inverse_match=True,
            )
        )
    kind = spec.type
    if kind is FieldType.CHOICE:
        choices = list(spec.choices)
        if not spec.required or spec.default is None:
            choices = [("", "---------"), *choices]
        field = forms.ChoiceField(choices=choices, **common)
        # Offered once per answer ("Male", not also "M"); every vendor value stays valid.
        field.widget.choices = plain_choices(choices)
        return field
    if kind is FieldType.BOOLEAN:
        common["required"] = False  # an unticked box is an answer, not a missing one
        return forms.BooleanField(**common)
    if kind is FieldType.EMAIL:
        return forms.EmailField(max_length=254, **common)
    if kind is FieldType.EMAILS:
        return MultiEmailField(**common)
    if kind is FieldType.DATE:
        return forms.DateField(
            input_formats=DATE_INPUT_FORMATS,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **common,
        )
    if kind is FieldType.INTEGER:
        # Whole bounds that admit exactly the integers the declared ones do.
        return forms.IntegerField(
            min_value=None if spec.min_value is None else math.ceil(spec.min_value),
            max_value=None if spec.max_value is None else math.floor(spec.max_value),
            **common,
        )
    if kind is FieldType.DECIMAL:
        return forms.DecimalField(
            min_value=spec.min_value,
            max_value=spec.max_value,
            max_digits=15,
            decimal_places=4,
            **common,
        )
    if kind is FieldType.TEXTAREA:
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}), validators=declared, **common
        )
    by_type: dict[FieldType, list[Validator]] = {
        FieldType.ALPHABETICAL: [alphabetical],
        FieldType.UK_MOBILE: [_uk_mobile],
        FieldType.PHONE: [_phone],
        FieldType.POSTCODE: [uk_postcode],
    }
    validators = by_type.get(kind, []) + declared
    if kind is FieldType.TEXT and spec.extra.get("known_type") is False:
        _log_unknown_type(str(spec.extra.get("data_type")))
    return forms.CharField(
        max_length=spec.max_length or 1000, validators=validators, strip=True, **common
    )


def _log_unknown_type(data_type: str) -> None:
    if data_type not in _unknown_types_logged:
        _unknown_types_logged.add(data_type)
        logger.warning("Unknown vendor field type %r: entered as plain text", data_type)


def form_fields(specs: Iterable[FieldSpec], prefix: str = "") -> dict[str, forms.Field]:
    return {f"{prefix}{spec.name}": form_field(spec) for spec in specs}
