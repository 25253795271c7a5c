"""Form fields declared as data.

Every vendor operation and every LeadByte campaign describes the fields it takes as a list
of ``FieldSpec``; ``vendors.form_fields`` turns any such list into Django form fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FieldType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    EMAIL = "email"
    EMAILS = "emails"  # one address or several, comma separated
    DATE = "date"
    ALPHABETICAL = "alphabetical"
    UK_MOBILE = "uk_mobile"
    PHONE = "phone"
    POSTCODE = "postcode"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    ROWS = "rows"  # repeatable rows, each made of ``FieldSpec.row_fields``; cleans to a list


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    default: Any = None
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = None
    # Which contact field of the lead fills this one (firstname ← first_name, ...).
    contact: str | None = None
    # The fields of one row, for a ROWS field (SalesByte's quote alternatives).
    row_fields: tuple[FieldSpec, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
