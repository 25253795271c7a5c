"""A field's clean compiled for a column accepts and refuses exactly as Field.clean does."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core import validators

from leadhub.forms.field_checks import Validated, direct_check, field_clean, passes
from leadhub.forms.lead_entry import ContactForm

TRICKY = [
    "",
    " ",
    "ada@example.com",
    " Ada@Example.COM ",
    "ada@example",
    "ada@@example.com",
    "ada@exa mple.com",
    "a" * 64 + "@example.com",
    "a" * 65 + "@example.com",
    "ada@" + "b" * 250 + ".com",
    "nul\x00here",
    "\x00",
    "x" * 39,
    "x" * 40,
    "x" * 41,
    "07911 123456",
    "+44 7911 123456",
    "Ünïcødé ✓",
    "31/12/1999",
    "1999-12-31",
    "https://example.com/opt-in",
    "example.com/opt-in",
    "javascript:alert(1)",
]


def _outcome(clean: Any, value: Any) -> tuple[bool, Any]:
    try:
        return True, clean(value)
    except forms.ValidationError:
        return False, None


@pytest.mark.parametrize("name", list(ContactForm.base_fields))
def test_each_contact_field_accepts_and_refuses_as_the_form_field_does(name: str) -> None:
    field = ContactForm.base_fields[name]
    validated: Validated = {}
    compiled = field_clean(field, validated)
    for value in TRICKY * 2:  # the second round answers from what was remembered
        assert _outcome(compiled, value) == _outcome(field.clean, value), (name, value)


@pytest.mark.parametrize(
    "field",
    [
        forms.CharField(max_length=5, min_length=2),
        forms.CharField(max_length=5, required=False, strip=False),
        forms.EmailField(max_length=20, required=False),
        forms.URLField(max_length=30, required=False),
    ],
)
def test_length_and_null_checks_asked_directly_agree_with_the_validators(
    field: forms.Field,
) -> None:
    compiled = field_clean(field, {})
    values = ["", "a", "ab", "abcde", "abcdef", " abcde ", "ab\x00", "a@b.co", "a" * 25 + "@b.co"]
    for value in values:
        assert _outcome(compiled, value) == _outcome(field.clean, value), value


def test_only_djangos_own_plain_validators_are_asked_directly() -> None:
    class Stricter(validators.MaxLengthValidator):
        def compare(self, a: int, b: int) -> bool:
            return a >= b

    assert direct_check(Stricter(3)) is None
    assert direct_check(validators.MaxLengthValidator(lambda: 3)) is None
    assert direct_check(validators.validate_email) is None
    for validator in (
        validators.MaxLengthValidator(3),
        validators.MinLengthValidator(3),
        validators.ProhibitNullCharactersValidator(),
    ):
        check = direct_check(validator)
        assert check is not None
        for value in ["", "ab", "abc", "abcd", "a\x00", ["a", "b", "c", "d"]]:
            assert check(value) == passes(validator)(value), (validator, value)
