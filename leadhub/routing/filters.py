"""Filter clauses on a lead's fields: a closed set of operators, checked when a route is
saved (unknown field, wrong type, invalid regex: refused with the clause named) and compiled
once, so a decision only compares values.

A clause is ``{"field": "email", "op": "contains", "value": "@example.com"}``. A step's
filters are a list of clauses and groups that must all hold (how they were always stored),
or one group; a group is ``{"all": [...]}`` (AND) or ``{"any": [...]}`` (OR) of clauses and
further groups. Clauses are numbered in reading order, nested ones included, so a flat list
names its clauses as before. ``extra.<name>`` reads the lead's extra values (untyped: a
clause that cannot compare what it finds fails at run time and the step is skipped, saying
why).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
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


def _date_read(text: str) -> date | None:
    """A YYYY-MM-DD date, or None: also for a well-formed day that does not exist
    (2026-02-30), which Django's parser refuses with a ValueError."""
    try:
        return parse_date(text)
    except ValueError:
        return None


def _moment_read(text: str) -> datetime | date | None:
    """A date and time, else a date, else None (2026-13-01 included)."""
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    return moment or _date_read(text)


def _typed(kind: str, value: Any, where: str) -> Any:
    """The clause's value as the field's type; ClauseError naming the clause if it is not."""
    if kind == FieldKind.DATE:
        parsed: Any = value if isinstance(value, date) else _date_read(str(value))
        if parsed is None:
            raise ClauseError(f"{where}: {value!r} is not a date (YYYY-MM-DD).")
        return parsed
    if kind == FieldKind.DATETIME:
        parsed = _moment_read(str(value))
        if parsed is None:
            raise ClauseError(f"{where}: {value!r} is not a date and time.")
        # A time without a zone is the site's (TIME_ZONE): leads' times carry one.
        return _aware(parsed)
    if kind == FieldKind.TEXT:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ClauseError(f"{where}: {value!r} is not text.")
        return str(value)
    return value


def _aware(value: Any) -> Any:
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Both sides of an ordered comparison as one type (extra values are untyped)."""
    if isinstance(right, (date, datetime)):
        given = left
        if isinstance(left, str):
            left = _moment_read(left)
        if isinstance(left, datetime) and not isinstance(right, datetime):
            left = left.date()
        if not isinstance(left, date):
            raise RuntimeClauseError(f"{given!r} is not a date")
        if isinstance(right, datetime) and not isinstance(left, datetime):
            return left, right.date()
        if isinstance(left, datetime) and isinstance(right, datetime):
            return _aware(left), _aware(right)
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
    if field == "extra.":
        raise ClauseError(f"{where}: name the extra value (extra.NAME).")
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
            right = _moment_read(right) or right
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


GROUP_KEYS = {"all": "all of", "any": "any of"}
MAX_DEPTH = 6


@dataclass(frozen=True)
class Group:
    """Clauses and groups of which all (AND) or any (OR) must hold."""

    match: str  # "all" or "any"
    items: tuple[Clause | Group, ...]

    @property
    def words(self) -> str:
        joined = f" {'and' if self.match == 'all' else 'or'} ".join(
            f"({i.words})" if isinstance(i, Group) else i.words for i in self.items
        )
        return joined


Node = Clause | Group


def _group_compile(items: Any, match: str, counter: list[int], depth: int) -> Group:
    """``counter``: clauses and groups numbered so far, in reading order."""
    if depth:
        counter[1] += 1
    where = f"Group {counter[1]} ({GROUP_KEYS.get(match, match)})" if depth else "Filters"
    if depth > MAX_DEPTH:
        raise ClauseError(f"{where}: groups nest at most {MAX_DEPTH} deep.")
    if not isinstance(items, list):
        raise ClauseError(f"{where}: give a list of clauses.")
    if not items and depth > 0:
        raise ClauseError(f"{where}: an empty group; add a clause or remove it.")
    nodes: list[Node] = []
    for item in items:
        if isinstance(item, Mapping) and "field" not in item and len(item) == 1:
            ((key, inner),) = item.items()
            if key not in GROUP_KEYS:
                raise ClauseError(f"{where}: {key!r} is not a group (all or any).")
            nodes.append(_group_compile(inner, str(key), counter, depth + 1))
            continue
        counter[0] += 1
        nodes.append(clause_compile(item, counter[0]))
    return Group(match=match, items=tuple(nodes))


def clauses_compile(clauses: Any) -> list[Node]:
    """A step's filters, compiled: the clauses and groups that must all hold (a stored list;
    a stored group is one item). ClauseError for the first clause that cannot be used."""
    if clauses in (None, "", {}):
        return []
    if isinstance(clauses, Mapping):
        clauses = [clauses]
    if not isinstance(clauses, list):
        raise ClauseError("Filters: give a list of clauses.")
    return list(_group_compile(clauses, "all", [0, 0], 0).items)


def clauses_count(nodes: Sequence[Node]) -> int:
    return sum(clauses_count(n.items) if isinstance(n, Group) else 1 for n in nodes)


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


def _clause_check(
    clause: Clause, values: Mapping[str, Any], extra: Mapping[str, Any]
) -> ClauseResult:
    key = clause.extra_key
    actual = values.get(clause.field) if key is None else extra.get(key)
    try:
        held = clause.test(actual)
    except RuntimeClauseError as error:
        return ClauseResult(False, clause, actual, str(error))
    return _HELD if held else ClauseResult(False, clause, actual)


_HELD = ClauseResult(True)


def _nodes_check(
    nodes: Sequence[Node], match: str, values: Mapping[str, Any], extra: Mapping[str, Any]
) -> ClauseResult:
    first_failure: ClauseResult | None = None
    for node in nodes:
        if isinstance(node, Group):
            result = _nodes_check(node.items, node.match, values, extra)
        else:
            result = _clause_check(node, values, extra)
        if match == "all" and not result.ok:
            return result
        if match == "any":
            if result.ok:
                return result
            # None held: say the first that failed, or one that could not be checked.
            if first_failure is None or (result.error and not first_failure.error):
                first_failure = result
    return first_failure or _HELD


def clauses_check(clauses: Sequence[Node], values: Mapping[str, Any]) -> ClauseResult:
    """The first clause that does not hold, with the lead's value, or ok. In an OR group
    that fails, the first of its clauses (one that could not be checked before others)."""
    extra = values.get("extra")
    if not isinstance(extra, dict):
        extra = {}
    return _nodes_check(clauses, "all", values, extra)
