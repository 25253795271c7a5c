"""A destination's fixed quote alternatives in typed rows: what is stored, and which
stored rows the typed fields can show as they are (the rest stays under Advanced)."""

from __future__ import annotations

from typing import Any

import pytest

from vendors.fieldspec import FieldSpec, FieldType
from vendors.fixed_rows import (
    fixed_values_shown,
    row_field_name,
    row_form_fields,
    rows_initial,
    rows_value,
)
from vendors.salesbyte import SalesByte

SPECS = list(SalesByte.operations["create_quote"].fields)
ALTERNATIVES = next(spec for spec in SPECS if spec.name == "alternatives")


def typed(rows: dict[int, dict[str, str]]) -> dict[str, Any]:
    """What the typed fields of some rows clean to: row index → row field → text."""
    by_name = {spec.name: spec for spec in ALTERNATIVES.row_fields}
    data = {
        row_field_name(ALTERNATIVES, index, by_name[name]): text
        for index, row in rows.items()
        for name, text in row.items()
    }
    fields = row_form_fields(ALTERNATIVES)
    return {name: field.clean(data.get(name, "")) for name, field in fields.items()}


def test_typed_rows_are_stored_as_the_json_would_hold_them_blank_rows_left_out() -> None:
    cleaned = typed({0: {"title": "Standard", "bundle_id": "7"}, 2: {"skus": "1, 2"}})
    assert rows_value(ALTERNATIVES, cleaned) == [
        {"title": "Standard", "bundle_id": 7},
        {"skus": "1, 2"},
    ]
    assert rows_value(ALTERNATIVES, typed({})) is None


@pytest.mark.parametrize(
    "stored",
    [
        [{"title": f"Option {n}"} for n in range(4)],  # more rows than offered
        [{"title": "A", "bundle": 3}],  # a field no row has
        [{"bundle_id": "7"}],  # text where the field keeps a number
        [{"skus": [1, 2]}],  # a list where the field keeps text
        [{}],
        "Standard",
        [None],
    ],
)
def test_rows_the_typed_fields_cannot_show_as_they_are_stay_json(stored: Any) -> None:
    assert rows_initial(ALTERNATIVES, stored) is None
    _, _, rest = fixed_values_shown(SPECS, {"alternatives": stored})
    assert rest == {"alternatives": stored}


def test_rows_that_fit_are_shown_in_their_fields_and_taken_out_of_the_json() -> None:
    stored = {"quote_profile_id": 3, "alternatives": [{"title": "A"}, {"sort_order": 2}]}
    initial, left_out, rest = fixed_values_shown(SPECS, stored)
    assert rest == {} and left_out == []
    assert initial == {
        "fixed__quote_profile_id": "3",
        "fixed__alternatives__0__title": "A",
        "fixed__alternatives__1__sort_order": "2",
    }


def test_a_rows_field_offers_the_rows_it_declares() -> None:
    spec = FieldSpec(
        "lines", "Lines", FieldType.ROWS, row_fields=ALTERNATIVES.row_fields[:1], extra={"rows": 5}
    )
    assert list(row_form_fields(spec)) == [f"fixed__lines__{n}__title" for n in range(5)]
