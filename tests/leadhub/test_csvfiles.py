"""CSV cells a spreadsheet will not run: formulas escaped, phone numbers left as they are."""

from __future__ import annotations

import pytest

from leadhub.csvfiles import escape_cell


@pytest.mark.parametrize(
    "phone",
    ["+447812345719", "+44 7812 345719", "+44 (0)20 7946-0000", "+1 (202) 555-0143"],
)
def test_a_phone_number_in_international_form_is_exported_as_it_is(phone: str) -> None:
    assert escape_cell(phone) == phone


@pytest.mark.parametrize(
    "formula",
    [
        '=HYPERLINK("http://evil")',
        "@SUM(A1)",
        "-2+3",
        "+cmd|' /C calc'!A0",
        "+SUM(A1:A2)",
        "+44+A1",
        "+",
        "+ ()",
        "\tTabbed",
        "\r=1+1",
        "-44 7812 345719",
    ],
)
def test_a_formula_or_a_control_character_first_is_escaped(formula: str) -> None:
    assert escape_cell(formula) == "'" + formula


def test_plain_values_are_left_alone() -> None:
    assert escape_cell("Ada") == "Ada"
    assert escape_cell(None) == ""
    assert escape_cell(42) == "42"
