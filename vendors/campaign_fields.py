"""A LeadByte campaign field in one shape, from LeadByte's answer to the lead form.

LeadByte describes each field of a campaign by its name, label, whether it is required,
its data type, its choices (two comma-separated lists: values and labels) and a category.
``CampaignFieldMeta`` holds exactly that. It is built once from LeadByte's answer, stored
in and read back from the columns of ``vendors.models.CampaignField`` (the same names),
compared by a sync (``vendors.drift``) and turned into a form field by LeadByte's rules.
Adding an attribute means adding it here and a column of the same name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from vendors.fieldspec import FieldSpec, FieldType

# The longest text each capped column holds; the choice lists are uncapped text columns.
MAX_LENGTHS: dict[str, int] = {"name": 120, "label": 255, "data_type": 80, "category": 120}

# LeadByte data types → LeadHub field types. Anything else is entered as text.
DATA_TYPES: dict[str, FieldType] = {
    "Text": FieldType.TEXT,
    "Date": FieldType.DATE,
    "Email Address": FieldType.EMAIL,
    "Alphabetical": FieldType.ALPHABETICAL,
    "UK Mobile Number": FieldType.UK_MOBILE,
    "Postcode": FieldType.POSTCODE,
}

# The standard LeadByte fields that a lead's contact details fill in.
CONTACT_FIELDS: dict[str, str] = {
    "firstname": "first_name",
    "lastname": "last_name",
    "email": "email",
    "phone1": "phone",
    "company": "company",
    # LeadByte's opt-in fields, filled from the lead's consent evidence when a campaign has them.
    "optindate": "consent_date",
    "optinurl": "consent_url",
    "optinwording": "consent_wording",
}


@dataclass(frozen=True)
class CampaignFieldMeta:
    """One campaign field as LeadByte describes it (``name`` is what a lead is sent under)."""

    name: str
    label: str
    required: bool = False
    data_type: str = ""
    selection_labels: str = ""
    selection_values: str = ""
    category: str = ""

    @classmethod
    def from_leadbyte(cls, raw: object) -> CampaignFieldMeta | None:
        """One entry of a campaign's ``fields`` in LeadByte's answer; None without a name.

        LeadByte's answers are untrusted: every text loses its NUL characters and is cut to
        fit its column; a missing label is the name.
        """
        if not isinstance(raw, Mapping) or not raw.get("name"):
            return None
        texts = {name: _text(name, raw.get(name)) for name in COLUMNS if name != "required"}
        texts["label"] = _text("label", raw.get("label") or texts["name"])
        return cls(**texts, required=bool(raw.get("required")))

    @classmethod
    def from_columns(cls, row: object) -> CampaignFieldMeta:
        """Read back from a stored ``CampaignField`` (or anything with the same attributes)."""
        return cls(**{name: getattr(row, name) for name in COLUMNS})

    def columns(self) -> dict[str, Any]:
        """The column values to store, by column name."""
        return {name: getattr(self, name) for name in COLUMNS}

    @property
    def choice_values(self) -> list[str]:
        return _split_csv(self.selection_values)

    @property
    def choice_labels(self) -> list[str]:
        return _split_csv(self.selection_labels)

    def field_spec(self) -> FieldSpec:
        """The form field staff fill in: label shown, name sent, LeadByte's choices if any."""
        values, labels = self.choice_values, self.choice_labels
        field_type = DATA_TYPES.get(self.data_type, FieldType.TEXT)
        choices: tuple[tuple[str, str], ...] = ()
        if values:
            field_type = FieldType.CHOICE
            labels = labels if len(labels) == len(values) else values
            choices = tuple(zip(values, labels, strict=True))
        return FieldSpec(
            name=self.name,
            label=self.label or self.name,
            type=field_type,
            required=self.required,
            choices=choices,
            contact=CONTACT_FIELDS.get(self.name),
            extra={"data_type": self.data_type, "known_type": self.data_type in DATA_TYPES},
        )


# The one list of a campaign field's attributes: the dataclass's, which are the columns'.
COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(CampaignFieldMeta))


def _text(name: str, value: object) -> str:
    text = str(value or "").replace("\x00", "")
    limit = MAX_LENGTHS.get(name)
    return text[:limit] if limit else text


def _split_csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
