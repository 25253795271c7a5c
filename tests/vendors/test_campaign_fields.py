"""A LeadByte campaign field in one shape: LeadByte's answer → stored → form field, compared."""

from __future__ import annotations

import pytest
from django.db.models import CharField

from tests.factories import CampaignFactory, CampaignFieldFactory
from vendors.campaign_fields import COLUMNS, MAX_LENGTHS, CampaignFieldMeta
from vendors.drift import campaign_fields_diff
from vendors.field_changes import ChangeKind
from vendors.fieldspec import FieldType
from vendors.models import CampaignField

# One field as LeadByte's campaign detail lists it (the sandbox's EXAMPLE-CAMPAIGN "gender").
GENDER = {
    "name": "gender",
    "label": "Gender",
    "required": False,
    "data_type": "Text",
    "selection_labels": "Male,Female",
    "selection_values": "M,F",
    "category": "Standard",
}


def leadbyte(**changes: object) -> CampaignFieldMeta:
    meta = CampaignFieldMeta.from_leadbyte({**GENDER, **changes})
    assert meta is not None
    return meta


def test_the_attributes_are_the_columns_of_the_cache() -> None:
    columns = {f.name for f in CampaignField._meta.get_fields() if f.concrete}
    assert set(COLUMNS) == columns - {"id", "campaign", "position"}
    for name, limit in MAX_LENGTHS.items():
        column = CampaignField._meta.get_field(name)
        assert isinstance(column, CharField) and column.max_length == limit


@pytest.mark.django_db
def test_leadbyte_answer_stored_read_back_and_shown_keeps_one_shape() -> None:
    meta = leadbyte()
    campaign = CampaignFactory.create()
    CampaignFieldFactory.create(campaign=campaign, **meta.columns())

    stored = campaign.fields_metadata()
    assert stored == {"gender": meta}
    assert stored["gender"] is not meta
    # What the form shows is the same whether built from the answer or from the cache.
    [spec] = campaign.field_specs()
    assert spec == meta.field_spec()
    assert spec.type is FieldType.CHOICE
    assert spec.choices == (("M", "Male"), ("F", "Female"))
    assert spec.label == "Gender" and not spec.required
    # Drift compares the same shape: nothing changed, then what LeadByte changed.
    assert campaign_fields_diff(stored, {"gender": meta}) == []
    later = leadbyte(required="1", selection_values="M,F,X", selection_labels="Male,Female,Other")
    kinds = {c["kind"] for c in campaign_fields_diff(stored, {"gender": later})}
    assert kinds == {ChangeKind.BECAME_REQUIRED, ChangeKind.CHOICES_ADDED}


@pytest.mark.django_db
def test_untrusted_text_is_cleaned_and_cut_to_fit_its_column() -> None:
    long = "x\x00" * 400
    meta = leadbyte(name="n" * 300, label=long, data_type=long, category=long)
    assert len(meta.name) == MAX_LENGTHS["name"]
    assert meta.label == "x" * MAX_LENGTHS["label"]
    assert meta.data_type == "x" * MAX_LENGTHS["data_type"]
    assert meta.category == "x" * MAX_LENGTHS["category"]
    row = CampaignFieldFactory.create(**meta.columns())
    row.refresh_from_db()
    assert CampaignFieldMeta.from_columns(row) == meta


def test_an_entry_without_a_name_is_skipped_and_a_missing_label_is_the_name() -> None:
    assert CampaignFieldMeta.from_leadbyte({"label": "No name"}) is None
    assert CampaignFieldMeta.from_leadbyte("data13") is None
    meta = CampaignFieldMeta.from_leadbyte({"name": "data13", "required": 1})
    assert meta == CampaignFieldMeta(name="data13", label="data13", required=True)


def test_leadbyte_data_types_become_field_types() -> None:
    assert leadbyte(selection_values="", data_type="Date").field_spec().type is FieldType.DATE
    phone = leadbyte(name="phone1", selection_values="", data_type="UK Mobile Number")
    assert phone.field_spec().type is FieldType.UK_MOBILE
    assert phone.field_spec().contact == "phone"
    unknown = leadbyte(name="x", selection_values="", data_type="Currency").field_spec()
    assert unknown.type is FieldType.TEXT and unknown.extra["known_type"] is False
    # Labels that do not pair with the values are not guessed at: the values are shown.
    odd = leadbyte(selection_labels="Male").field_spec()
    assert odd.choices == (("M", "M"), ("F", "F"))
