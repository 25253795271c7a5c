"""The duplicate guard: was this person sent to this destination recently?

A lead is a duplicate for a destination when a lead with the same email (trimmed, lower
case) or the same phone (E.164) has a submission to that destination created within
DUPLICATE_WINDOW_DAYS. One query answers for every destination of a lead
(``duplicates_find``) and one for a whole chunk of an import (``duplicates_find_many``),
each on the lead's indexed email_normalised and phone_e164 columns.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from leadhub.compiled_query import CompiledQuery
from leadhub.models import Lead, Submission, email_normalise
from vendors.models import Destination
from vendors.phones import parse_phone


@dataclass(frozen=True)
class Duplicate:
    """The latest earlier submission of the same person to one destination."""

    destination_id: int
    lead_id: int
    submission_id: int
    created_at: datetime
    matched_on: str  # "email" or "phone"


def default_window() -> timedelta:
    return timedelta(days=settings.DUPLICATE_WINDOW_DAYS)


def contact_keys(contact: Mapping[str, Any]) -> tuple[str, str]:
    """(normalised email, E.164 phone) of contact details; empty where there is none."""
    phone = parse_phone(str(contact.get("phone") or ""))
    return email_normalise(contact.get("email")), phone.e164 if phone else ""


def duplicates_find(
    contact: Mapping[str, Any],
    destinations: Sequence[Destination],
    window: timedelta | None = None,
    *,
    now: datetime | None = None,
) -> dict[int, Duplicate]:
    """Destination pk → the latest earlier submission of this person to it, for the
    destinations that had one within ``window`` (default: DUPLICATE_WINDOW_DAYS). Asked on
    every lead the API takes in: its SQL is built once per shape (``_find_statement``)."""
    email, phone = contact_keys(contact)
    if not (email or phone) or not destinations or (window is not None and window <= timedelta()):
        return {}
    since = (now or timezone.now()) - (window if window is not None else default_window())
    statement = _find_statement(db_connection.alias, bool(email), bool(phone), len(destinations))
    rows = statement.run(
        {
            "since": _CREATED_AT.get_db_prep_value(since, db_connection),
            "email": email,
            "phone": phone,
            **dict(enumerate(d.pk for d in destinations)),
        }
    )
    found: dict[int, Duplicate] = {}
    for destination_id, lead_id, pk, created_at, lead_email in rows:
        if destination_id not in found:
            matched = "email" if email and lead_email == email else "phone"
            found[destination_id] = Duplicate(destination_id, lead_id, pk, created_at, matched)
    return found


def _same_person(email: Any, phone: Any, lookup: str) -> Q:
    """Leads with the email or the phone (``exact``: one of each; ``in``: sets of them)."""
    same = Q()
    if email:
        same |= Q(**{f"lead__email_normalised__{lookup}": email})
    if phone:
        same |= Q(**{f"lead__phone_e164__{lookup}": phone})
    return same


def _recent_submissions(
    destination_ids: Sequence[int], since: datetime, same_person: Q
) -> QuerySet[Submission, Any]:
    return Submission.objects.filter(destination__in=destination_ids, created_at__gte=since).filter(
        same_person
    )


def _find_rows(
    destination_ids: Sequence[int], since: datetime, email: str, phone: str
) -> QuerySet[Submission, Any]:
    """duplicates_find's query, as the ORM writes it."""
    return (
        _recent_submissions(destination_ids, since, _same_person(email, phone, "exact"))
        .order_by("destination_id", "-created_at", "-pk")
        .values_list("destination_id", "lead_id", "pk", "created_at", "lead__email_normalised")
    )


# Stand-ins the statement is compiled with, told apart in its parameters afterwards.
_EMAIL, _PHONE = "\0email", "\0phone"
_SINCE = datetime(1999, 12, 31, 23, 59, 58, 123456, tzinfo=UTC)
_CREATED_AT = Submission._meta.get_field("created_at")


@functools.cache
def _find_statement(alias: str, email: bool, phone: bool, count: int) -> CompiledQuery:
    """_find_rows compiled once per shape of lead (which keys, how many destinations)."""
    stand_ins = [-(10**9) - n for n in range(count)]
    rows = _find_rows(stand_ins, _SINCE, _EMAIL if email else "", _PHONE if phone else "")
    since = _CREATED_AT.get_db_prep_value(_SINCE, connections[alias])
    named: dict[Any, Hashable] = {_EMAIL: "email", _PHONE: "phone", since: "since"}
    named.update({stand_in: n for n, stand_in in enumerate(stand_ins)})
    return CompiledQuery.of(rows, named, alias)


def duplicates_find_many(
    contacts: Iterable[Mapping[str, Any]],
    destinations: Sequence[Destination],
    window: timedelta | None = None,
    *,
    now: datetime | None = None,
) -> list[dict[int, Duplicate]]:
    """``duplicates_find`` for many leads at once (an import chunk), in one query."""
    keys = [contact_keys(contact) for contact in contacts]
    return duplicates_find_by_keys(keys, destinations, window, now=now)


def duplicates_find_by_keys(
    keys: Sequence[tuple[str, str]],
    destinations: Sequence[Destination],
    window: timedelta | None = None,
    *,
    now: datetime | None = None,
) -> list[dict[int, Duplicate]]:
    """``duplicates_find_many`` for leads whose keys (``contact_keys``: the lead's own
    email_normalised and phone_e164 columns) are already worked out, as an import's are."""
    emails = {email for email, _ in keys if email}
    phones = {phone for _, phone in keys if phone}
    if not (emails or phones) or not destinations:
        return [{} for _ in keys]
    since = (now or timezone.now()) - (window if window is not None else default_window())
    destination_ids = [d.pk for d in destinations]
    by_email: dict[tuple[int, str], Duplicate] = {}
    by_phone: dict[tuple[int, str], Duplicate] = {}
    for destination_id, lead_id, pk, created_at, lead_email, lead_phone in _matching_rows(
        destination_ids, since, emails, phones
    ):
        if lead_email in emails:
            by_email.setdefault(
                (destination_id, lead_email),
                Duplicate(destination_id, lead_id, pk, created_at, "email"),
            )
        if lead_phone in phones:
            by_phone.setdefault(
                (destination_id, lead_phone),
                Duplicate(destination_id, lead_id, pk, created_at, "phone"),
            )
    found: list[dict[int, Duplicate]] = []
    for email, phone in keys:
        one: dict[int, Duplicate] = {}
        for pk in destination_ids:
            hit = by_email.get((pk, email)) or by_phone.get((pk, phone))
            if hit:
                one[pk] = hit
        found.append(one)
    return found


_MATCHING_SQL = """
SELECT s.destination_id, s.lead_id, s.id, s.created_at, l.email_normalised, l.phone_e164
FROM {submission} s JOIN {lead} l ON l.id = s.lead_id
WHERE s.destination_id = ANY(%s) AND s.created_at >= %s
  AND ((l.email_normalised > '' AND l.email_normalised = ANY(%s)) OR l.phone_e164 = ANY(%s))
ORDER BY s.created_at DESC, s.id DESC
"""


def _matching_rows(
    destination_ids: list[int], since: datetime, emails: set[str], phones: set[str]
) -> Iterable[tuple[Any, ...]]:
    """Recent submissions to the destinations of leads with one of the keys, latest first.

    On PostgreSQL each set of keys is one array parameter: an import chunk's 20,000 keys
    as IN lists cost the ORM and the driver more CPU than the query itself (every value a
    placeholder to build, quote and parse). ``email_normalised > ''`` lets the planner use
    the partial index on it. Elsewhere the ORM writes the query.
    """
    if db_connection.vendor == "postgresql":
        sql = _MATCHING_SQL.format(
            submission=db_connection.ops.quote_name(Submission._meta.db_table),
            lead=db_connection.ops.quote_name(Lead._meta.db_table),
        )
        with db_connection.cursor() as cursor:
            cursor.execute(sql, [destination_ids, since, sorted(emails), sorted(phones)])
            return cursor.fetchall()
    return (
        _recent_submissions(destination_ids, since, _same_person(emails, phones, "in"))
        .order_by("-created_at", "-pk")
        .values_list(
            "destination_id",
            "lead_id",
            "pk",
            "created_at",
            "lead__email_normalised",
            "lead__phone_e164",
        )
    )


def duplicate_reasons(
    contacts: Sequence[Mapping[str, Any]],
    destinations: Sequence[Destination],
    window: timedelta | None = None,
) -> list[str]:
    """Per contact, why it is a duplicate in plain words (empty: it is not), in one query:
    what the bulk import writes on a row it leaves out."""
    keys = [contact_keys(contact) for contact in contacts]
    return duplicate_reasons_by_keys(keys, destinations, window)


def duplicate_reasons_by_keys(
    keys: Sequence[tuple[str, str]],
    destinations: Sequence[Destination],
    window: timedelta | None = None,
) -> list[str]:
    """``duplicate_reasons`` for leads whose (email_normalised, phone_e164) are known."""
    names = {d.pk: str(d) for d in destinations}
    reasons = []
    for found in duplicates_find_by_keys(keys, destinations, window):
        reasons.append(
            "; ".join(
                f"Duplicate: this {hit.matched_on} went to {names[pk]} on "
                f"{timezone.localtime(hit.created_at):%Y-%m-%d} (lead #{hit.lead_id})"
                for pk, hit in found.items()
            )
        )
    return reasons
