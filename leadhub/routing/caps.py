"""The one writer of cap counters: a place taken in one statement, given back on failure.

``cap_take`` is a conditional upsert (``INSERT … ON CONFLICT DO UPDATE … WHERE count <
limit``), run in the caller's transaction, the one that writes the submission: under any
concurrency a window never counts more than its limit, on PostgreSQL and SQLite alike, and a
rolled-back send takes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from leadhub.models import Submission
from leadhub.routing.models import Cap, CapCounter, CapReservation, RouteStep, RoutingDecision
from leadhub.routing.windows import window_bounds, zone

_TAKE = (
    "INSERT INTO {table} (cap_id, window_start, count) VALUES (%s, %s, 1) "
    "ON CONFLICT (cap_id, window_start) DO UPDATE SET count = {table}.count + 1 "
    "WHERE {table}.count < %s RETURNING id"
)


def cap_take(cap: Cap, now: datetime, time_zone: str) -> int | None:
    """Take one place in the cap's window holding ``now``: the counter's id, or None when
    the window is full."""
    if cap.limit <= 0:
        return None
    start, _ = window_bounds(cap.period, now, zone(time_zone))
    table = connection.ops.quote_name(CapCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            _TAKE.format(table=table),
            [cap.pk, connection.ops.adapt_datetimefield_value(start), cap.limit],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def caps_take(caps: Iterable[Cap], now: datetime, time_zone: str) -> tuple[list[int], Cap | None]:
    """Take a place in every cap, or none (a savepoint): the counters taken, or the cap
    that was full."""
    taken: list[int] = []
    try:
        with transaction.atomic():
            for cap in caps:
                counter = cap_take(cap, now, time_zone)
                if counter is None:
                    raise _Full(cap)
                taken.append(counter)
    except _Full as full:
        return [], full.cap
    return taken, None


class _Full(Exception):
    def __init__(self, cap: Cap) -> None:
        self.cap = cap


def reservations_record(submission: Submission, counters: Iterable[int]) -> None:
    CapReservation.objects.bulk_create(
        [CapReservation(submission=submission, counter_id=pk) for pk in counters]
    )


def caps_release(*, submission_id: int) -> int:
    """Give back the places a submission took (it finally failed); once only."""
    held = CapReservation.objects.filter(submission_id=submission_id)
    reserved = list(held.values_list("counter_id", flat=True))
    if not reserved:
        return 0
    deleted, _ = held.delete()
    if deleted:
        CapCounter.objects.filter(pk__in=reserved, count__gt=0).update(count=F("count") - 1)
    return len(reserved)


def caps_take_again(submission: Submission, now: datetime) -> Cap | None:
    """A routed send whose places were given back (it failed) was accepted after all (a
    staff resend): it takes a place in its step's caps again, in the window holding ``now``,
    through the same conditional upsert; once (a send holding places takes none). Sends by
    hand never took places and take none. The cap that was full (not counted), or None."""
    decision = RoutingDecision.objects.select_related("route").filter(lead=submission.lead_id)
    row = decision.first()  # a lead not routed: this one query
    if (
        row is None
        or row.route is None
        or not any(
            entry.get("kind") == "sent" and entry.get("submission") == submission.pk
            for entry in row.timeline or []
        )
    ):
        return None
    if CapReservation.objects.filter(submission=submission).exists():
        return None
    caps = Cap.objects.filter(
        step__route_id=row.route.pk, step__destination__submissions=submission.pk
    )
    counters, full = caps_take(list(caps), now, row.route.time_zone)
    reservations_record(submission, counters)
    return full


_USAGE = (
    "SELECT counter.cap_id, counter.count FROM {counter} counter "
    "JOIN {cap} cap ON cap.id = counter.cap_id JOIN {step} step ON step.id = cap.step_id "
    "WHERE step.route_id = %s AND ({windows})"
)


def usage(caps: Sequence[Cap], now: datetime, time_zone: str, *, route_id: int) -> dict[int, int]:
    """The route's caps' counts in their windows holding ``now``, in one query (``caps``:
    the route's, for their periods)."""
    tz = zone(time_zone)
    if not caps:
        return {}
    periods = sorted({cap.period for cap in caps})
    adapt = connection.ops.adapt_datetimefield_value
    starts = [adapt(window_bounds(period, now, tz)[0]) for period in periods]
    sql = _USAGE.format(
        counter=connection.ops.quote_name(CapCounter._meta.db_table),
        cap=connection.ops.quote_name(Cap._meta.db_table),
        step=connection.ops.quote_name(RouteStep._meta.db_table),
        windows=" OR ".join(["(cap.period = %s AND counter.window_start = %s)"] * len(periods)),
    )
    params: list[Any] = [route_id]
    for period, start in zip(periods, starts, strict=True):
        params += [period, start]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(cap_id): int(count) for cap_id, count in cursor.fetchall()}
