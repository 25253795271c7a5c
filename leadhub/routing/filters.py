"""Filter clauses on a lead's fields: a closed set of operators, checked when a route is
saved (unknown field, wrong type, invalid regex: refused with the clause named) and compiled
once, so a decision only compares values.

A clause is ``{"field": "email", "op": "contains", "value": "@example.com"}``; a step's
clauses must all hold. ``extra.<name>`` reads the lead's extra values (untyped: a clause that
cannot compare what it finds fails at run time and the step is skipped, saying why).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime


class FieldKind:
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    ANY = "any"  # extra values: compared as they come


# What a clause may name: the lead's own fields, the intake source, and extra.<name>.
FIELDS: dict[str, str] = {
    "first_name": FieldKind.TEXT,
    "last_name": FieldKind.TEXT,
    "email": FieldKind.TEXT,
    "phone": FieldKind.TEXT,
    "phone_e164": FieldKind.TEXT,
    "company": FieldKind.TEXT,
    "notes": FieldKind.TEXT,
    "consent_date": FieldKind.DATE,
    "consent_url": FieldKind.TEXT,
    "created_at": FieldKind.DATETIME,
    "source": FieldKind.TEXT,
}

OPERATORS: dict[str, str] = {
    "eq": "equals",
    "ne": "does not equal",
    "in": "is one of",
    "not_in": "is not one of",
    "contains": "contains",
    "regex": "matches",
    "gt": "is greater than",
    "lt": "is less than",
    "empty": "is empty",
    "not_empty": "is not empty",
}
NO_VALUE = frozenset({"empty", "not_empty"})
LISTS = frozenset({"in", "not_in"})
ORDERED = frozenset({"gt", "lt"})


class ClauseError(ValueError):
    """A clause that cannot be used, with the clause's number and words."""


class RuntimeClauseError(ValueError):
    """A clause that could not compare the lead's value (extra values only)."""


def clause_words(clause: Mapping[str, Any]) -> str:
    op = str(clause.get("op", ""))
    words = f"{clause.get('field', '?')} {OPERATORS.get(op, op)}"
    return words if op in NO_VALUE else f"{words} {clause.get('value')!r}"


@dataclass(frozen=True)
class Clause:
    field: str
    op: str
    words: str
    test: Callable[[Any], bool]
    extra_key: str | None = None  # extra.<name>: the name

    def value_of(self, lead_values: Mapping[str, Any]) -> Any:
        if self.extra_key is not None:
            extra = lead_values.get("extra")
            return extra.get(self.extra_key) if isinstance(extra, dict) else None
        return lead_values.get(self.field)


def _typed(kind: str, value: Any, where: str) -> Any:
    """The clause's value as the field's type; ClauseError naming the clause if it is not."""
    if kind == FieldKind.DATE:
        parsed: Any = value if isinstance(value, date) else parse_date(str(value))
        if parsed is None:
            raise ClauseError(f"{where}: {value!r} is not a date (YYYY-MM-DD).")
        return parsed
    if kind == FieldKind.DATETIME:
        parsed = parse_datetime(str(value)) or parse_date(str(value))
        if parsed is None:
            raise ClauseError(f"{where}: {value!r} is not a date and time.")
        return parsed
    if kind == FieldKind.TEXT:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ClauseError(f"{where}: {value!r} is not text.")
        return str(value)
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Both sides of an ordered comparison as one type (extra values are untyped)."""
    if isinstance(right, (date, datetime)):
        if isinstance(left, str):
            left = parse_datetime(left) or parse_date(left)
        if isinstance(left, datetime) and not isinstance(right, datetime):
            left = left.date()
        if not isinstance(left, date):
            raise RuntimeClauseError(f"{left!r} is not a date")
        if isinstance(right, datetime) and not isinstance(left, datetime):
            return left, right.date()
        return left, right
    try:
        return float(left), float(right)
    except (TypeError, ValueError):
        raise RuntimeClauseError(f"{left!r} is not a number") from None


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def clause_compile(clause: Any, number: int) -> Clause:
    """One clause checked and compiled; ClauseError naming it when it cannot be used."""
    where = f"Clause {number}"
    if not isinstance(clause, Mapping):
        raise ClauseError(f"{where}: give an object with field, op and value.")
    where = f"Clause {number} ({clause_words(clause)})"
    field, op, value = clause.get("field"), clause.get("op"), clause.get("value")
    if not isinstance(field, str) or not (field in FIELDS or field.startswith("extra.")):
        raise ClauseError(f"{where}: there is no lead field {field!r}.")
    if op not in OPERATORS:
        raise ClauseError(f"{where}: there is no operator {op!r}.")
    kind = FIELDS.get(field, FieldKind.ANY)
    test: Callable[[Any], bool]
    if op in NO_VALUE:
        test = _is_empty if op == "empty" else (lambda v: not _is_empty(v))
    elif op in LISTS:
        if not isinstance(value, list) or not value:
            raise ClauseError(f"{where}: give a list of values.")
        allowed = frozenset(str(_typed(kind, v, where)) for v in value)
        inside = op == "in"
        test = lambda v: (str(v) in allowed) is inside  # noqa: E731
    elif op == "regex":
        if kind not in (FieldKind.TEXT, FieldKind.ANY) or not isinstance(value, str):
            raise ClauseError(f"{where}: a pattern matches text only.")
        try:
            pattern = re.compile(value)
        except re.error as error:
            raise ClauseError(f"{where}: the pattern is not valid ({error}).") from None
        test = lambda v: v is not None and pattern.search(str(v)) is not None  # noqa: E731
    elif op == "contains":
        needle = str(_typed(FieldKind.TEXT, value, where)).casefold()
        if kind not in (FieldKind.TEXT, FieldKind.ANY):
            raise ClauseError(f"{where}: contains reads text only.")
        test = lambda v: v is not None and needle in str(v).casefold()  # noqa: E731
    elif op in ORDERED:
        if kind == FieldKind.TEXT:
            raise ClauseError(f"{where}: {field} is text; compare it with equals or a pattern.")
        if value is None or isinstance(value, (bool, list, dict)):
            raise ClauseError(f"{where}: give a number or a date to compare with.")
        right = _typed(kind, value, where)
        if kind == FieldKind.ANY and isinstance(right, str):
            right = parse_datetime(right) or parse_date(right) or right
            if isinstance(right, str):
                try:
                    right = float(right)
                except ValueError:
                    raise ClauseError(f"{where}: give a number or a date.") from None
        greater = op == "gt"

        def test(v: Any, right: Any = right, greater: bool = greater) -> bool:
            if _is_empty(v):
                return False
            left, other = _comparable(v, right)
            return bool(left > other) if greater else bool(left < other)

    else:  # eq, ne
        if isinstance(value, (list, dict)):
            raise ClauseError(f"{where}: give one value.")
        wanted = str(_typed(kind, value, where)) if value is not None else ""
        same = op == "eq"
        test = lambda v: (("" if v is None else str(v)) == wanted) is same  # noqa: E731
    extra_key = field[6:] if field.startswith("extra.") else None
    return Clause(field=field, op=op, words=clause_words(clause), test=test, extra_key=extra_key)


def clauses_compile(clauses: Any) -> list[Clause]:
    """Every clause of a step, compiled; ClauseError for the first that cannot be used."""
    if clauses in (None, ""):
        return []
    if not isinstance(clauses, list):
        raise ClauseError("Filters: give a list of clauses.")
    return [clause_compile(c, n) for n, c in enumerate(clauses, start=1)]


def lead_values(lead: Any, *, source: str) -> dict[str, Any]:
    """What clauses read from a lead, once per decision."""
    values = {name: getattr(lead, name, None) for name in FIELDS if name != "source"}
    values["source"] = source
    values["extra"] = getattr(lead, "extra", None) or {}
    return values


@dataclass(frozen=True)
class ClauseResult:
    ok: bool
    failed: Clause | None = None
    actual: Any = None
    error: str = ""


def clauses_check(clauses: Sequence[Clause], values: Mapping[str, Any]) -> ClauseResult:
    """The first clause that does not hold, with the lead's value, or ok."""
    extra = values.get("extra")
    if not isinstance(extra, dict):
        extra = {}
    for clause in clauses:
        key = clause.extra_key
        actual = values.get(clause.field) if key is None else extra.get(key)
        try:
            held = clause.test(actual)
        except RuntimeClauseError as error:
            return ClauseResult(False, clause, actual, str(error))
        if not held:
            return ClauseResult(False, clause, actual)
    return ClauseResult(True)
