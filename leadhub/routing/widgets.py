"""A step's filters edited as a form: rows of field, operator and value in AND/OR groups.

The JSON stays in a textarea (what the form posts and checks); the static script
``leadhub/filter_editor.js`` hides it and builds the rows from it, writing it back on every
change. Without the script the textarea is there to edit.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms

from leadhub.routing.filters import FIELDS, LISTS, NO_VALUE, OPERATORS, FieldKind

FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone as entered",
    "phone_e164": "Phone (international)",
    "company": "Company",
    "notes": "Notes",
    "consent_date": "Opted in on (date)",
    "consent_url": "Opt-in page",
    "created_at": "Created (date and time)",
    "source": "Source (api, web_form, import, staff)",
}
# What the value box asks for, by the field's kind.
HINTS = {
    FieldKind.DATE: "YYYY-MM-DD",
    FieldKind.DATETIME: "YYYY-MM-DD HH:MM",
    FieldKind.TEXT: "",
    FieldKind.ANY: "",
}


def editor_fields() -> list[dict[str, str]]:
    fields = [
        {"name": name, "label": FIELD_LABELS.get(name, name), "hint": HINTS[kind]}
        for name, kind in FIELDS.items()
    ]
    return [*fields, {"name": "extra.", "label": "Extra value named…", "hint": ""}]


def editor_operators() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "label": label,
            "value": "none" if name in NO_VALUE else "list" if name in LISTS else "one",
        }
        for name, label in OPERATORS.items()
    ]


class FilterEditor(forms.Textarea):
    """The filters' JSON in a textarea the script turns into rows."""

    class Media:
        js = ("leadhub/filter_editor.js",)
        css = {"all": ("leadhub/routing.css",)}

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {
                "class": "filter-json",
                "rows": 3,
                "data-fields": json.dumps(editor_fields()),
                "data-operators": json.dumps(editor_operators()),
                **(attrs or {}),
            }
        )
