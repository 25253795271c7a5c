"""CSV cells a spreadsheet will not run: formulas escaped, phone numbers left as they are."""

from __future__ import annotations

import pytest

from leadhub.csvfiles import csv_chunks, csv_lines, escape_cell


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


def test_csv_chunks_write_the_same_text_as_csv_lines() -> None:
    rows = [[str(n), 'Ada, "Lovelace"', "'=SUM(A1)", 7] for n in range(7)]
    lines = "".join(csv_lines(["ID", "=Name", "Formula", "Count"], rows))
    for per_chunk in (1, 3, 7, 500):
        chunks = list(csv_chunks(["ID", "=Name", "Formula", "Count"], rows, per_chunk))
        assert "".join(chunks) == lines
        assert len(chunks) == len(rows) // per_chunk + 1
