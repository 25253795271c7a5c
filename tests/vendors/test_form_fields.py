from __future__ import annotations

import datetime

import pytest
from django import forms

from vendors.fieldspec import FieldSpec, FieldType
from vendors.form_fields import form_field


def clean(spec: FieldSpec, value: object) -> object:
    return form_field(spec).clean(value)


@pytest.mark.parametrize(
    ("field_type", "good", "bad"),
    [
        (FieldType.EMAIL, "a@example.com", "not-an-email"),
        (FieldType.ALPHABETICAL, "Mary-Jane O'Neil", "R2D2"),
        (FieldType.UK_MOBILE, "07911 123456", "020 7946 0018"),
        (FieldType.POSTCODE, "SW1A 1AA", "12345"),
        (FieldType.DATE, "31/12/1990", "31/31/1990"),
        (FieldType.INTEGER, "42", "forty-two"),
        (FieldType.PHONE, "+46 768 741 810", "12"),
    ],
)
def test_each_type_validates(field_type: FieldType, good: str, bad: str) -> None:
    spec = FieldSpec("f", "F", field_type)
    clean(spec, good)
    with pytest.raises(forms.ValidationError):
        clean(spec, bad)


def test_dates_clean_to_dates_in_both_documented_formats() -> None:
    spec = FieldSpec("dob", "DOB", FieldType.DATE)
    assert clean(spec, "1990-12-31") == clean(spec, "31/12/1990") == datetime.date(1990, 12, 31)


def test_required_choice_rejects_values_outside_the_list() -> None:
    spec = FieldSpec("g", "Gender", FieldType.CHOICE, required=True, choices=(("M", "Male"),))
    assert clean(spec, "M") == "M"
    with pytest.raises(forms.ValidationError):
        clean(spec, "X")
    with pytest.raises(forms.ValidationError):
        clean(spec, "")


def test_label_is_shown_and_help_carried() -> None:
    field = form_field(FieldSpec("data13", "make_of_car", required=True, help="Car make"))
    assert field.label == "make_of_car" and field.required and field.help_text == "Car make"


def test_several_emails_clean_to_a_list() -> None:
    spec = FieldSpec("s", "Salespeople", FieldType.EMAILS)
    assert clean(spec, "a@x.se, b@x.se") == ["a@x.se", "b@x.se"]
    with pytest.raises(forms.ValidationError):
        clean(spec, "a@x.se, nope")


def test_an_unknown_vendor_type_is_entered_as_text_and_logged_once(caplog) -> None:
    spec = FieldSpec("x", "X", extra={"data_type": "Hologram", "known_type": False})
    with caplog.at_level("WARNING", logger="vendors.form_fields"):
        first = form_field(spec)
        form_field(spec)
    assert isinstance(first, forms.CharField)
    assert [r.getMessage() for r in caplog.records].count(
        "Unknown vendor field type 'Hologram': entered as plain text"
    ) == 1


def test_a_vendor_phone_field_takes_a_plausible_uk_mobile_and_explains_a_refusal(
    settings,
) -> None:
    settings.PHONE_DEFAULT_REGION = "GB"
    clean(FieldSpec("m", "Mobile", FieldType.UK_MOBILE), "07911 654321")
    clean(FieldSpec("p", "Phone", FieldType.PHONE), "07911 654321")
    with pytest.raises(forms.ValidationError) as refused:
        clean(FieldSpec("p", "Phone", FieldType.PHONE), "12")
    assert refused.value.messages == [
        "Enter a phone number with its area code, e.g. 020 7946 0000 or +44 20 7946 0000."
    ]
