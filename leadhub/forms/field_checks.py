"""A form field's clean() compiled for checking a column's values one after another.

Field.clean runs to_python, validate and every validator on each value. For a column of a
bulk import the steps are taken once: each validator's verdict on a value is remembered and
shared by every field that has the same validator (Django's validate_email is one object
behind every e-mail field), and a length or null-character check is asked directly, as
Django's own validator asks it, since it costs less than remembering its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, cast

from django import forms
from django.core import validators

Validated = dict[int, dict[Hashable, bool]]  # validator's id → value → whether it passes


def field_clean(field: forms.Field, validated: Validated) -> Callable[[Any], Any]:
    """field.clean, step by step as Field.clean takes them, with each validator's verdict on
    a value shared by every field that has the same validator (Django's validate_email is
    one object behind every e-mail field: the contact e-mail and a vendor's e-mail field).
    Raises ValidationError (without the form's message: the form gives that)."""
    kind = type(field)
    if kind.clean is not forms.Field.clean or kind.run_validators is not forms.Field.run_validators:
        return field.clean
    to_python, validate, empty = field.to_python, field.validate, field.empty_values
    # A length or null-character check is cheaper asked than remembered; any other
    # validator is held here, so its id is not reused while the import runs, and what is
    # remembered of it is bounded as a column's values are (ColumnCleaner.clean clears it).
    direct = [p for p in map(direct_check, field.validators) if p is not None]
    checks = [
        (v, passes(v), validated.setdefault(id(v), {}))
        for v in field.validators
        if direct_check(v) is None
    ]

    def clean(value: Any) -> Any:
        value = to_python(value)
        validate(value)
        if value in empty:
            return value
        for check in direct:
            if not check(value):
                raise forms.ValidationError("")
        for _, verdict, known in checks:
            try:
                ok = known.get(value)
            except TypeError:  # a value that cannot be remembered (a list of e-mails)
                ok = verdict(value)
            if ok is None:
                ok = known[value] = verdict(value)
            if not ok:
                raise forms.ValidationError("")
        return value

    return clean


def direct_check(validator: Callable[[Any], Any]) -> Callable[[Any], bool] | None:
    """Whether a value passes one of Django's plain validators, asked as the validator
    itself asks it (tests/leadhub/test_field_checks.py holds them to the validators);
    None for any other validator, or one whose limit is worked out on each call."""
    kind = type(validator)
    if kind is validators.ProhibitNullCharactersValidator:
        return lambda value: "\x00" not in str(value)
    if kind in (validators.MaxLengthValidator, validators.MinLengthValidator):
        limit = cast(validators.BaseValidator, validator).limit_value
        if callable(limit):
            return None
        if kind is validators.MaxLengthValidator:
            return lambda value: not len(value) > limit
        return lambda value: not len(value) < limit
    return None


def passes(check: Callable[[Any], Any]) -> Callable[[Any], bool]:
    """``check`` (a validator, a clean) as a yes or no: whether it accepts a value."""

    def verdict(value: Any) -> bool:
        try:
            check(value)
        except forms.ValidationError:
            return False
        return True

    return verdict
