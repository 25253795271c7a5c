"""The import's column-wise checks and the lead entry form give the same verdicts.

A row the columns accept must be one the form accepts, with the same lead columns and the
same payloads; a row they do not accept goes to the form, which says why. The table holds
good and bad phones, e-mails, required campaign fields, choices, dates, yes/no cells and
spreadsheet formulas, for destinations of every vendor at once.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from leadhub.forms.lead_columns import _joined
from leadhub.forms.lead_entry import destination_prefix
from leadhub.imports.rows import RowChecker, destinations_for_import
from leadhub.services.leads import LEAD_FIELDS, lead_fields
from tests.leadhub.test_lead_entry_cleaner import campaign_destination, declared
from vendors.models import Destination

pytestmark = pytest.mark.django_db

HEADER = ["First", "Last", "Email", "Phone", "Car", "Gender", "DOB", "Source", "Chat", "Seller"]
GOOD = ["Ada", "Lovelace", "ada@example.com", "07911 123456", "Volvo", "F", "31/12/1990"]
ROWS: list[list[str]] = [
    [*GOOD, "Web", "yes", "a@x.se"],
    ["Grace", "Hopper", "grace@example.com", "+44 7400 123456", "Ford", "", "1906-12-09", "Ad"],
    ["Mary-Jane", "O'Neil", "mj@example.com", "", "BMW", "M", "", "Web", "no", ""],
    [*GOOD, "Web", "YES", "a@x.se, b@x.se"],
    ["  Ada  ", "Lovelace", "ada@example.com", "+447911123456", "Volvo", "F", "", "Web"],
    [*GOOD[:3], "07911123456", *GOOD[4:], "Web"],  # the same phone written otherwise
    [*GOOD[:3], "020 7946 0018", *GOOD[4:], "Web"],  # a number, but not a UK mobile
    [*GOOD[:3], "+1 202 555 0143", *GOOD[4:], "Web"],
    [*GOOD[:3], "12", *GOOD[4:], "Web"],
    [*GOOD[:3], "07911 12345", *GOOD[4:], "Web"],  # a digit short
    [*GOOD[:3], "(07911) 123-456", *GOOD[4:], "Web"],  # left to the library, still good
    [*GOOD[:3], "+44 (0)7911 123456", *GOOD[4:], "Web"],
    [*GOOD[:2], "not-an-email", *GOOD[3:], "Web"],
    [*GOOD[:2], "ada@", *GOOD[3:], "Web"],
    [*GOOD[:2], "", *GOOD[3:], "Web"],  # LeadByte needs an e-mail
    ["", *GOOD[1:], "Web"],  # everyone needs a first name
    ["R2D2", *GOOD[1:], "Web"],  # LeadByte's is alphabetical
    [*GOOD[:4], "", *GOOD[5:], "Web"],  # make_of_car is required
    [*GOOD[:5], "X", GOOD[6], "Web"],  # not a choice
    [*GOOD[:6], "31/31/1990", "Web"],
    [*GOOD[:6], "yesterday", "Web"],
    [*GOOD, ""],  # CRM.COM needs a source name
    [*GOOD, "Web", "perhaps"],  # not yes or no
    [*GOOD, "Web", "no", "nope"],  # not an e-mail
    ["=SUM(A1)", *GOOD[1:], "Web"],
    [*GOOD, "Web", "no", "", "extra"],  # more cells than columns
    ["Ada", "Lovelace", "short@example.com"],  # fewer: the rest are empty
    ["Ada", "x" * 121, "long@example.com", "", "Volvo", "", "", "Web"],
    [*GOOD[:6], "", "x" * 300],
]


def _destinations() -> list[Destination]:
    leadbyte = campaign_destination()
    crmcom = declared(
        "crmcom", "create_lead", **{"type_identifier": "Web", "source.type": "WEBSITE"}
    )
    getlead = declared("getlead", "create_lead", source="Website")
    salesbyte = declared("salesbyte", "create_lead", quote_profile_id=1, type="Brand")
    return destinations_for_import([d.pk for d in (leadbyte, crmcom, getlead, salesbyte)])


def _mapping(destinations: list[Destination]) -> dict[str, str]:
    by_vendor = {d.connection.kind: destination_prefix(d) for d in destinations}
    lb, crm, sb = by_vendor["leadbyte"], by_vendor["crmcom"], by_vendor["salesbyte"]
    return {
        "first_name": "First",
        "last_name": "Last",
        "email": "Email",
        "phone": "Phone",
        f"{lb}data13": "Car",
        f"{lb}gender": "Gender",
        f"{lb}dob": "DOB",
        f"{crm}source.name": "Source",
        f"{sb}chat_enabled": "Chat",
        f"{sb}salesperson_email": "Seller",
    }


def _form_verdict(checker: RowChecker, cells: list[str]) -> Any:
    lead, problems = checker.check(cells)
    if lead is None:
        return problems
    columns = tuple(lead_fields(lead.contact)[name] for name in LEAD_FIELDS)
    return columns, tuple(lead.payloads[d.pk] for d in checker.destinations)


def test_the_columns_accept_exactly_the_rows_the_form_accepts_and_alike() -> None:
    destinations = _destinations()
    checker = RowChecker(destinations, HEADER, _mapping(destinations))
    assert checker.column_cleaner is not None
    form_only = RowChecker(destinations, HEADER, _mapping(destinations))
    form_only.cleaner = form_only.column_cleaner = None
    accepted = checker.check_rows(ROWS)
    for cells, columns in zip(ROWS, accepted, strict=True):
        expected = _form_verdict(form_only, cells)
        if columns is None:
            assert isinstance(expected, list) and expected, cells  # the form refuses it too
            continue
        lead, payloads = columns
        assert not isinstance(expected, list), (cells, expected)
        assert lead == expected[0]
        assert [json.loads(p) for p in payloads] == list(expected[1])
        assert list(payloads) == [json.dumps(p) for p in expected[1]]  # the same text too
    assert [i for i, a in enumerate(accepted) if a is not None] == [0, 1, 3, 4, 5, 10, 11]


def test_a_chunk_gives_the_same_verdicts_as_its_rows_one_by_one() -> None:
    """Values remembered from one chunk serve the next; a chunk's order does not matter."""
    destinations = _destinations()
    checker = RowChecker(destinations, HEADER, _mapping(destinations))
    alone = [checker.check_rows([cells])[0] for cells in ROWS]
    assert checker.check_rows(ROWS) == alone
    assert checker.check_rows(ROWS[::-1]) == alone[::-1]


def test_a_form_the_columns_cannot_follow_is_left_to_the_form() -> None:
    quote = declared("salesbyte", "create_quote", quote_profile_id=1)
    checker = RowChecker(destinations_for_import([quote.pk]), HEADER, {"first_name": "First"})
    assert checker.column_cleaner is None
    assert checker.check_rows(ROWS[:3]) == [None, None, None]


def test_payloads_of_fixed_fields_only_are_whole_json_objects() -> None:
    fixed = ('"sid": "1"', "1")
    assert _joined({}, [[fixed, fixed]], bytearray(2)) == ['{"sid": "1"}'] * 2
    assert _joined({}, [], bytearray(2)) == ["{}", "{}"]
    assert _joined({"campid": "C"}, [[None, ('"a": 2', 2)]], bytearray(2)) == [
        '{"campid": "C"}',
        '{"campid": "C", "a": 2}',
    ]
