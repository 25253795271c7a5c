"""A submission row: locking, claiming, transitions, and the attempts recorded on it.

A task may arrive twice (a broker redelivery, the dispatcher, a second cluster): the claim
moves the row to SENDING with one conditional UPDATE, committed before any HTTP is made,
so the second finds it taken and sends nothing (a probe of a paused connection takes the
row with SELECT ... FOR UPDATE SKIP LOCKED instead). A task may arrive late: the claim
checks the row is still due. A connection with every slot taken (delivery.bulkhead) is
not sent to: the row waits queued.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, F, Field, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from leadhub.delivery.bulkhead import (
    SLOT_WAIT,
    connection_slots_hold,
    connection_unbounded,
    in_flight,
    in_flight_count,
)
from leadhub.events import submission_status_announce
from leadhub.models import Attempt, Submission
from leadhub.statuses import TRANSITIONS, WAITING, SubmissionStatus, check_transition
from vendors.connection_state import connection_may_send
from vendors.models import Connection
from vendors.results import Exchange, OutcomeCheck, VendorResult

S = SubmissionStatus

# Where a claim may take a row from (statuses.py decides, not this module).
CLAIMABLE = tuple(sorted(status for status, then in TRANSITIONS.items() if S.SENDING in then))


def submission_transition(submission: Submission, new_status: str, **fields: Any) -> None:
    """Move the row to ``new_status`` (refusing a move statuses.py does not allow) and save
    it with ``fields``."""
    check_transition(submission.status, new_status)
    submission.status = new_status
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.save(update_fields=["status", "updated_at", *fields])
    submission_status_announce(submission_id=submission.pk, status=new_status)


def submission_settle(submission: Submission, new_status: str, **fields: Any) -> bool:
    """Move a row this worker claimed from SENDING to where its send put it, if it is
    still this worker's (SENDING at the attempt it claimed): one conditional UPDATE, which
    holds the row until the transaction ends. False: the lease ran out and the row moved
    on without this worker; nothing is changed."""
    check_transition(S.SENDING, new_status)
    now = timezone.now()
    changed = {"status": new_status, "updated_at": now, **fields}
    if not _settle_update(submission, changed):
        return False
    for name, value in changed.items():
        setattr(submission, name, value)
    submission_status_announce(submission_id=submission.pk, status=new_status)
    return True


_SETTLE_SQL = "UPDATE {table} SET {assignments} WHERE {pk} = %s AND {status} = %s AND {count} = %s"


def _settle_update(submission: Submission, changed: dict[str, Any]) -> bool:
    """``Submission.objects.filter(pk=..., status=SENDING, attempt_count=...).update(...)``
    without the ORM's query machinery (a tenth of a push's CPU): each value goes to the
    database through its field's own conversion, as the ORM's UPDATE sends it."""
    quote = db_connection.ops.quote_name
    assignments, params = [], []
    for name, value in changed.items():
        field = _field(name)
        assignments.append(f"{quote(_column(name))} = %s")
        params.append(field.get_db_prep_save(value, db_connection))
    sql = _SETTLE_SQL.format(
        table=quote(Submission._meta.db_table),
        assignments=", ".join(assignments),
        pk=quote(_column("id")),
        status=quote(_column("status")),
        count=quote(_column("attempt_count")),
    )
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [*params, submission.pk, str(S.SENDING), submission.attempt_count])
        return bool(cursor.rowcount)


def _field(name: str) -> Field[Any, Any]:
    field = Submission._meta.get_field(name)
    assert isinstance(field, Field)  # a column of the row, not a reverse relation
    return field


def _column(name: str) -> str:
    column = _field(name).column
    assert column is not None
    return column


def locked_rows(queryset: QuerySet[Submission], *, skip_locked: bool) -> QuerySet[Submission]:
    """Rows locked FOR UPDATE, on the submission only (OF self): locking the joined
    connection too would make every other claim on that connection skip its row."""
    skip = skip_locked and db_connection.features.has_select_for_update_skip_locked
    of = ("self",) if db_connection.features.has_select_for_update_of else ()
    return queryset.select_for_update(skip_locked=skip, of=of)


def submission_claim(submission_id: int) -> Submission | None:
    """Take the row for this worker: one read and one conditional UPDATE in the common case.

    The UPDATE changes the row only if it is still as read (status, attempt count, last
    change), due, and its connection running, so of two claims on one row exactly one
    takes it (PostgreSQL re-checks the row after waiting on a concurrent claim), and what
    was read is what is sent. It commits before any HTTP. A bounded connection
    (delivery.bulkhead) is claimed holding its slots, counting what is in flight in the
    same statement, so of two claims on one connection the second counts the first. What
    this path leaves (a paused connection's probe, a row not due, no free slot) goes the
    locked way.
    """
    now = timezone.now()
    # A slice, not .first(): one row by its key needs no ORDER BY built for it.
    found = list(_claim_rows().filter(pk=submission_id).order_by()[:1])
    submission = found[0] if found else None
    if submission is None or submission.status not in CLAIMABLE:
        return None
    connection = submission.connection
    if connection_unbounded(connection, now=now):
        taken = _claim_unbounded(submission, now)
    else:
        with transaction.atomic():
            slots = connection_slots_hold(connection)
            taken = (
                _claim_update(submission, now)
                .alias(busy=in_flight_count(slots.connection_id, now=now))
                .filter(busy__lt=slots.limit)
                .update(**_claim_fields(submission, now))
            )
    if not taken:
        return _claim_locked(submission_id, now)
    claimed = {**_claim_fields(submission, now), "attempt_count": submission.attempt_count + 1}
    for name, value in claimed.items():
        setattr(submission, name, value)
    return submission


@functools.cache
def _claim_rows() -> QuerySet[Submission]:
    """``_claim_read`` of every row, built once per process (never evaluated itself: each
    claim filters a copy), rather than its subqueries resolved again for every push."""
    return _claim_read(Submission.objects.all())


def _claim_read(rows: QuerySet[Submission]) -> QuerySet[Submission]:
    """The rows with their connection and what the push needs after the send, read in the
    claim's one statement: ``last_attempt_number`` (the send's attempts follow it; no other
    attempt is written while the row is SENDING) and ``slot_waiters`` (rows of the
    connection waiting for a slot, to hand on when the send ends)."""
    last_number = Attempt.objects.filter(submission=OuterRef("pk")).order_by("-number")
    return rows.select_related("connection").annotate(
        last_attempt_number=Coalesce(Subquery(last_number.values("number")[:1]), 0),
        slot_waiters=Exists(_waiting_for_slot(OuterRef("connection_id"))),
    )


def _waiting_for_slot(connection_id: int | OuterRef) -> QuerySet[Submission]:
    """The connection's rows that found every slot taken and wait for one (queued, with
    a next_attempt_at no other queued row has)."""
    return Submission.objects.filter(
        connection_id=connection_id, status=S.QUEUED, next_attempt_at__isnull=False
    )


def _claim_update(submission: Submission, now: datetime) -> QuerySet[Submission]:
    """The row, if it is still as it was read, due, and its connection running."""
    return Submission.objects.filter(
        pk=submission.pk,
        status=submission.status,
        attempt_count=submission.attempt_count,
        updated_at=submission.updated_at,
        connection_id__in=_running_connections(),
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


# ``_claim_update(...).update(**_claim_fields(...))`` of a connection with no slots to
# count, written once: the ORM built and compiled it again for every push, a seventh of a
# push's CPU. The same conditions; tests check that both take and leave the same rows.
_CLAIM_SQL = (
    "UPDATE {submission} SET status = %s, attempt_count = attempt_count + 1, sent_at = %s,"
    " next_attempt_at = NULL, updated_at = %s"
    " WHERE id = %s AND status = %s AND attempt_count = %s AND updated_at = %s"
    " AND connection_id IN (SELECT id FROM {connection} WHERE paused_at IS NULL)"
    " AND (next_attempt_at IS NULL OR next_attempt_at <= %s)"
)


def _claim_unbounded(submission: Submission, now: datetime) -> int:
    """Take the row if it is still as read, due and its connection running: 1, else 0."""
    check_transition(submission.status, S.SENDING)
    quote = db_connection.ops.quote_name
    sql = _CLAIM_SQL.format(
        submission=quote(Submission._meta.db_table), connection=quote(Connection._meta.db_table)
    )
    when = db_connection.ops.adapt_datetimefield_value
    params = [
        str(S.SENDING),
        when(now),
        when(now),
        submission.pk,
        str(submission.status),
        submission.attempt_count,
        when(submission.updated_at),
        when(now),
    ]
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


@functools.cache
def _running_connections() -> QuerySet[Connection, Any]:
    """The connections not paused, as a subquery (built once per process)."""
    return Connection.objects.filter(paused_at__isnull=True).values("pk")


def _claim_fields(submission: Submission, now: datetime) -> dict[str, Any]:
    check_transition(submission.status, S.SENDING)
    return {
        "status": S.SENDING,
        "attempt_count": F("attempt_count") + 1,
        "sent_at": now,
        "next_attempt_at": None,
        "updated_at": now,
    }


def _claim_locked(submission_id: int, now: datetime) -> Submission | None:
    with transaction.atomic():
        rows = locked_rows(_claim_rows(), skip_locked=True)
        submission = rows.filter(pk=submission_id).first()
        if submission is None:
            return None  # gone, or another worker holds it right now
        due = submission.next_attempt_at is None or submission.next_attempt_at <= now
        if submission.status not in WAITING or not due:
            return None
        slots = connection_slots_hold(submission.connection)
        if in_flight(slots.connection_id, now=now).count() >= slots.limit:
            _wait_for_slot(submission, now)
            return None
        if not connection_may_send(submission.connection, now=now):
            return None  # paused: the row stays as it is until the connection resumes
        submission_transition(
            submission,
            S.SENDING,
            attempt_count=submission.attempt_count + 1,
            sent_at=now,
            next_attempt_at=None,
        )
        return submission


def _wait_for_slot(submission: Submission, now: datetime) -> None:
    """Every slot of the connection is taken: the row waits queued, neither an attempt nor
    an error, until a send ends (outbox.submissions_release_waiting) or the dispatcher
    finds it; stamped as handed out, so the dispatcher waits for the release first."""
    fields = {"next_attempt_at": now + SLOT_WAIT, "enqueued_at": now}
    if submission.status == S.QUEUED:
        for name, value in fields.items():
            setattr(submission, name, value)
        submission.save(update_fields=["updated_at", *fields])
    else:
        submission_transition(submission, S.QUEUED, **fields)


def waiting_take(connection_id: int, count: int) -> list[int]:
    """The oldest rows waiting for one of the connection's slots (delivery.bulkhead), at
    most ``count``, made due at once. Rows another taker holds this moment are skipped."""
    waiting = _waiting_for_slot(connection_id).order_by("created_at", "pk")
    with transaction.atomic():
        ids = list(locked_rows(waiting, skip_locked=True).values_list("pk", flat=True)[:count])
        if ids:
            Submission.objects.filter(pk__in=ids).update(next_attempt_at=None)
    return ids


def attempts_for(
    submission: Submission,
    exchanges: list[Exchange],
    result: VendorResult | OutcomeCheck | None,
    kind: str,
    *,
    after: int | None = None,
) -> list[Attempt]:
    """One unsaved Attempt per exchange, numbered after the row's last (``after``, when the
    caller read it already); the last carries what the call came to."""
    first = next_attempt_number(submission) if after is None else after + 1
    last = len(exchanges) - 1
    outcome = getattr(result, "outcome", "")
    message = getattr(result, "message", "")
    condition = getattr(result, "condition", "")
    return [
        Attempt(
            submission=submission,
            number=first + i,
            kind=kind,
            started_at=exchange.started_at or timezone.now(),
            duration_ms=exchange.duration_ms,
            request=exchange.request,
            status_code=exchange.status_code,
            response_body=exchange.response_body,
            outcome=str(outcome) if i == last else "",
            condition=str(condition) if i == last else "",
            message=exchange.error or (message if i == last else exchange.purpose),
        )
        for i, exchange in enumerate(exchanges)
    ]


def next_attempt_number(submission: Submission) -> int:
    last = submission.attempts.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1
