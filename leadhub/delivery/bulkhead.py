"""The bulkhead: how many of one connection's submissions may be in flight at once.

A vendor that answers slowly holds a worker for each send, up to its deadline; with no
limit, its submissions take every worker and no lead to any other vendor moves. A
connection may have at most ``max_in_flight`` submissions SENDING (``VENDOR_MAX_IN_FLIGHT``
when blank: one fewer than the workers, so one is always left for the others).

The claim counts them and takes its row in one transaction that holds the connection's
slots: on PostgreSQL an advisory lock per connection, taken before any row lock (so it
never waits in a circle with them); SQLite's IMMEDIATE transactions are one at a time
anyway. A row that finds every slot taken waits QUEUED with a ``next_attempt_at``, which
no other queued row has: no attempt, no error. When a send of that connection ends, the
oldest waiting rows go again (``outbox.submissions_release_waiting``); the dispatcher's
sweep of lost tasks is the safety net.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection as db_connection
from django.db.models import Count, Func, QuerySet, Subquery
from django.db.models.functions import Coalesce

from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus

S = SubmissionStatus

# How long a row that found no free slot waits at least: a task for it before then does
# nothing. A slot freed meanwhile hands it out at once.
SLOT_WAIT = timedelta(seconds=2)
# The first key of the advisory locks (pg_advisory_xact_lock(int, int)): "LH".
_LOCK_SPACE = 0x4C48


@dataclass(frozen=True)
class Slots:
    connection_id: int
    limit: int


def slots_limit(own: int | None) -> int:
    """A connection's limit: its own, or the default."""
    return int(own or settings.VENDOR_MAX_IN_FLIGHT)


def in_flight(connection_id: int, *, now: datetime) -> QuerySet[Submission]:
    """The connection's submissions being sent now. A send claimed longer ago than the
    task timeout has no worker left (django-q2 kills a task at Q_TIMEOUT, and the claim
    comes after the task starts): it holds no slot, though the dispatcher recovers it only
    once its lease (twice as long) is out. A crashed worker stalls its vendor no longer."""
    no_worker_left = now - timedelta(seconds=settings.Q_TIMEOUT)
    return Submission.objects.filter(
        connection_id=connection_id, status=S.SENDING, sent_at__gte=no_worker_left
    )


def in_flight_count(connection_id: int, *, now: datetime) -> Func:
    """``in_flight`` counted inside another statement (the claim's UPDATE)."""
    counted = (
        in_flight(connection_id, now=now)
        .order_by()
        .values("connection_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def connection_slots_hold(submission_id: int) -> Slots | None:
    """The submission's connection and its limit, its slots held until the transaction
    ends (call inside one); None when there is no such submission."""
    row = (
        Submission.objects.filter(pk=submission_id)
        .values_list("connection_id", "connection__max_in_flight")
        .first()
    )
    if row is None:
        return None
    connection_id, own = row
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)",
                [_LOCK_SPACE, connection_id],
            )
    return Slots(connection_id=connection_id, limit=slots_limit(own))
