"""Filter clauses: every operator, and a clause that cannot be used refused with its name."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from leadhub.routing.filters import ClauseError, clauses_check, clauses_compile

LEAD = {
    "first_name": "Ada",
    "email": "ada@example.com",
    "company": "",
    "consent_date": date(2026, 5, 1),
    "source": "api",
    "extra": {"loan": "25000", "age": 41},
}


def holds(field: str, op: str, value: Any = None, lead: dict[str, Any] = LEAD) -> bool:
    clauses = clauses_compile([{"field": field, "op": op, "value": value}])
    return clauses_check(clauses, lead).ok


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("first_name", "eq", "Ada", True),
        ("first_name", "eq", "Grace", False),
        ("first_name", "ne", "Grace", True),
        ("first_name", "ne", "Ada", False),
        ("source", "in", ["api", "web_form"], True),
        ("source", "in", ["import"], False),
        ("source", "not_in", ["import"], True),
        ("source", "not_in", ["api"], False),
        ("email", "contains", "EXAMPLE.com", True),
        ("email", "contains", "gmail", False),
        ("email", "regex", r"@example\.(com|org)$", True),
        ("email", "regex", r"^grace", False),
        ("consent_date", "gt", "2026-04-30", True),
        ("consent_date", "gt", "2026-05-01", False),
        ("consent_date", "lt", "2026-05-02", True),
        ("consent_date", "lt", "2026-01-01", False),
        ("extra.loan", "gt", 20000, True),
        ("extra.age", "lt", 40, False),
        ("company", "empty", None, True),
        ("email", "empty", None, False),
        ("email", "not_empty", None, True),
        ("company", "not_empty", None, False),
        ("extra.missing", "empty", None, True),
    ],
)
def test_each_operator(field: str, op: str, value: Any, expected: bool) -> None:
    assert holds(field, op, value) is expected


@pytest.mark.parametrize(
    ("clause", "named"),
    [
        ({"field": "shoe_size", "op": "eq", "value": "9"}, "no lead field 'shoe_size'"),
        ({"field": "email", "op": "like", "value": "x"}, "no operator 'like'"),
        ({"field": "email", "op": "gt", "value": 3}, "email is text"),
        ({"field": "consent_date", "op": "gt", "value": "soon"}, "'soon' is not a date"),
        ({"field": "email", "op": "regex", "value": "(unclosed"}, "pattern is not valid"),
        ({"field": "source", "op": "in", "value": "api"}, "give a list"),
        ({"field": "consent_date", "op": "regex", "value": "2026"}, "matches text only"),
        ({"field": "extra.", "op": "eq", "value": "9"}, "name the extra value"),
        ({"field": "consent_date", "op": "gt", "value": "2026-02-30"}, "is not a date"),
        ({"field": "consent_date", "op": "in", "value": ["2026-13-01"]}, "is not a date"),
        ({"field": "created_at", "op": "lt", "value": "2026-13-01"}, "not a date and time"),
        ({"field": "created_at", "op": "gt", "value": "2026-02-30T10:00"}, "not a date and"),
        ({"field": "extra.due", "op": "gt", "value": "2026-02-30"}, "give a number or a date"),
    ],
)
def test_a_clause_that_cannot_be_used_is_refused_with_its_number_and_words(
    clause: dict[str, Any], named: str
) -> None:
    with pytest.raises(ClauseError) as refused:
        clauses_compile([{"field": "email", "op": "not_empty"}, clause])
    assert str(refused.value).startswith("Clause 2 (")
    assert named in str(refused.value)


def test_the_first_failing_clause_is_given_with_the_leads_value() -> None:
    clauses = clauses_compile(
        [
            {"field": "email", "op": "not_empty"},
            {"field": "email", "op": "contains", "value": "@corp.com"},
            {"field": "first_name", "op": "eq", "value": "Nobody"},
        ]
    )
    result = clauses_check(clauses, LEAD)
    assert not result.ok and result.failed is not None
    assert result.failed.words == "email contains '@corp.com'"
    assert result.actual == "ada@example.com"


def test_an_extra_value_that_cannot_be_compared_fails_with_the_reason() -> None:
    clauses = clauses_compile([{"field": "extra.loan", "op": "gt", "value": 5}])
    result = clauses_check(clauses, {**LEAD, "extra": {"loan": "lots"}})
    assert not result.ok
    assert "'lots' is not a number" in result.error


def test_an_extra_value_on_a_day_that_does_not_exist_fails_with_the_reason() -> None:
    clauses = clauses_compile([{"field": "extra.due", "op": "gt", "value": "2026-02-01"}])
    result = clauses_check(clauses, {**LEAD, "extra": {"due": "2026-02-30"}})
    assert not result.ok
    assert "'2026-02-30' is not a date" in result.error


# AND/OR groups: a stored list is AND (as before); {"all": [...]} and {"any": [...]} nest.
ADA = {"field": "first_name", "op": "eq", "value": "Ada"}  # holds
GRACE = {"field": "first_name", "op": "eq", "value": "Grace"}  # does not


@pytest.mark.parametrize(
    ("op", "value", "other"),
    [
        ("eq", "Ada", "Grace"),
        ("ne", "Grace", "Ada"),
        ("in", ["Ada", "Bo"], ["Grace"]),
        ("not_in", ["Grace"], ["Ada"]),
        ("contains", "ad", "gr"),
        ("regex", "^A", "^G"),
        ("empty", None, None),
        ("not_empty", None, None),
    ],
)
def test_each_operator_inside_or_and_and_groups(op: str, value: Any, other: Any) -> None:
    field = "company" if op == "empty" else "first_name"
    held = {"field": field, "op": op, "value": value}
    failed = (
        {"field": "email", "op": "empty"}
        if op in ("empty", "not_empty")
        else {"field": field, "op": op, "value": other}
    )
    check = lambda filters: clauses_check(clauses_compile(filters), LEAD).ok  # noqa: E731
    assert check({"any": [failed, held]}) is True
    assert check({"any": [failed, failed]}) is False
    assert check({"all": [held, held]}) is True
    assert check({"all": [held, failed]}) is False
    assert check([held, {"any": [failed, {"all": [held, held]}]}]) is True
    assert check([held, {"any": [failed, {"all": [held, failed]}]}]) is False


@pytest.mark.parametrize(
    ("op", "value", "other"),
    [("gt", "2026-04-30", "2026-05-01"), ("lt", "2026-05-02", "2026-01-01")],
)
def test_ordered_operators_inside_groups(op: str, value: str, other: str) -> None:
    held = {"field": "consent_date", "op": op, "value": value}
    failed = {"field": "consent_date", "op": op, "value": other}
    check = lambda filters: clauses_check(clauses_compile(filters), LEAD).ok  # noqa: E731
    assert check({"any": [failed, held]}) is True
    assert check({"all": [held, failed]}) is False
    assert check([{"any": [failed, {"all": [held]}]}]) is True


def test_a_stored_and_only_list_reads_as_it_always_did() -> None:
    assert clauses_check(clauses_compile([ADA, ADA]), LEAD).ok
    assert not clauses_check(clauses_compile([ADA, GRACE]), LEAD).ok
    assert clauses_compile([]) == [] and clauses_compile({}) == []


def test_a_failing_or_group_names_its_first_clause_with_the_leads_value() -> None:
    result = clauses_check(clauses_compile([ADA, {"any": [GRACE, GRACE]}]), LEAD)
    assert not result.ok and result.failed is not None
    assert result.failed.words == "first_name equals 'Grace'"
    assert result.actual == "Ada"


def test_an_or_group_holds_when_a_later_clause_does_though_an_earlier_cannot_compare() -> None:
    broken = {"field": "extra.loan", "op": "gt", "value": 5}
    lead = {**LEAD, "extra": {"loan": "lots"}}
    assert clauses_check(clauses_compile({"any": [broken, ADA]}), lead).ok
    result = clauses_check(clauses_compile({"any": [broken, GRACE]}), lead)
    assert not result.ok and "'lots' is not a number" in result.error


def test_nested_clauses_are_numbered_in_reading_order_when_refused() -> None:
    bad = {"field": "email", "op": "regex", "value": "(unclosed"}
    with pytest.raises(ClauseError) as refused:
        clauses_compile([ADA, {"any": [GRACE, {"all": [ADA, bad]}]}])
    assert str(refused.value).startswith("Clause 4 (email matches '(unclosed')")


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ([ADA, {"any": []}], "Group 1 (any of): an empty group"),
        ([{"either": [ADA]}], "'either' is not a group"),
        ([{"any": "Ada"}], "Group 1 (any of): give a list"),
    ],
)
def test_a_group_that_cannot_be_used_is_refused_by_number(filters: Any, named: str) -> None:
    with pytest.raises(ClauseError) as refused:
        clauses_compile(filters)
    assert named in str(refused.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-05-01", True), ("2026-05-02 09:00", False), ("2026-05-01T08:00+00:00", True)],
)
def test_created_at_compares_with_a_time_given_without_a_zone(value: str, expected: bool) -> None:
    lead = {**LEAD, "created_at": datetime(2026, 5, 1, 12, 0, tzinfo=UTC)}
    assert holds("created_at", "gt", value, lead=lead) is expected
    assert holds("extra.seen", "lt", value, lead={**lead, "extra": {"seen": "2026-04-01"}})
