"""Vendor fields in plain words: labels humanised or set by an admin, choices once each."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from tests.factories import DestinationFactory
from vendors import models as models_module
from vendors.field_labels import choice_label, plain_choices, plain_label, spec_in_plain_words
from vendors.fieldspec import FieldSpec, FieldType
from vendors.form_fields import field_help, form_field

GENDER = FieldSpec(
    "gender",
    "Gender",
    FieldType.CHOICE,
    choices=(("Male", "Male"), ("Female", "Female"), ("M", "M"), ("F", "F")),
)


@pytest.mark.parametrize(
    ("label", "name", "plain"),
    [
        ("make_of_car", "data13", "Make of car"),
        ("mortgage_type", "data14", "Mortgage type"),
        ("DOB", "dob", "Date of birth"),
        ("First_Name", "firstname", "First name"),
        ("Phone_1", "phone1", "Phone 1"),
        ("SID", "sid", "Source ID"),
        ("Postcode", "postcode", "Postcode"),
        ("VAT number", "vat", "VAT number"),
        ("roofType", "data20", "Roof type"),
        ("", "postcode", "Postcode"),
    ],
)
def test_vendor_labels_read_as_plain_words(label: str, name: str, plain: str) -> None:
    assert plain_label(label, name) == plain


def test_each_answer_is_offered_once_and_the_vendor_values_stay_valid() -> None:
    assert plain_choices(GENDER.choices) == [("Male", "Male"), ("Female", "Female")]
    field = form_field(GENDER)
    assert isinstance(field, forms.ChoiceField)
    offered = [value for value, _ in field.widget.choices]  # type: ignore[attr-defined]
    assert offered == ["", "Male", "Female"]
    assert field.clean("F") == "F"  # what the vendor takes, unchanged
    assert choice_label(GENDER, "F") == "Female"
    assert choice_label(GENDER, "Male") == "Male"


def test_a_letter_is_kept_where_it_could_mean_two_answers() -> None:
    choices = (("M", "M"), ("Male", "Male"), ("Mixed", "Mixed"))
    assert plain_choices(choices) == list(choices)


def test_every_generated_field_has_help() -> None:
    for kind in FieldType:
        spec = FieldSpec("x", "X", kind, choices=(("a", "A"),))
        assert field_help(spec), kind
    assert field_help(FieldSpec("x", "X", FieldType.INTEGER, min_value=1, max_value=9)) == (
        "A whole number from 1 to 9."
    )


def test_a_label_set_by_an_admin_wins_and_the_vendor_name_is_kept() -> None:
    spec = spec_in_plain_words(FieldSpec("data13", "make_of_car"), "Car make")
    assert (spec.name, spec.label, spec.extra["vendor_label"]) == (
        "data13",
        "Car make",
        "make_of_car",
    )


def test_a_destination_labels_its_fields(leadbyte_destination) -> None:
    leadbyte_destination.field_labels = {"data14": "Kind of mortgage"}
    labels = {s.name: s.label for s in leadbyte_destination.field_specs()}
    assert labels["data13"] == "Make of car"
    assert labels["data14"] == "Kind of mortgage"
    assert labels["dob"] == "Date of birth"


def test_a_destination_labels_its_fields_once_until_its_labels_change(
    leadbyte_destination, monkeypatch
) -> None:
    """Routing checks a destination's required fields for lead after lead: labelling is
    the dear part, so it is done once per object, and again when the labels change."""
    labelled: list[int] = []
    real = models_module.specs_in_plain_words

    def counted(*args: Any) -> Any:
        labelled.append(1)
        return real(*args)

    monkeypatch.setattr(models_module, "specs_in_plain_words", counted)
    first = leadbyte_destination.field_specs()
    assert leadbyte_destination.field_specs() == first and len(labelled) == 1
    leadbyte_destination.field_labels = {"data14": "Kind of mortgage"}
    labels = {s.name: s.label for s in leadbyte_destination.field_specs()}
    assert labels["data14"] == "Kind of mortgage" and len(labelled) == 2


@pytest.mark.django_db
def test_an_operation_destination_keeps_readable_labels() -> None:
    destination = DestinationFactory()
    assert all(spec.label for spec in destination.field_specs())
