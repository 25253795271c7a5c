"""The bulkhead: how many of one connection's submissions may be in flight at once.

A vendor that answers slowly holds a worker for each send, up to its deadline; with no
limit, its submissions take every worker and no lead to any other vendor moves. A
connection may have at most ``max_in_flight`` submissions SENDING (``VENDOR_MAX_IN_FLIGHT``
when blank: one fewer than the workers, so one is always left for the others).

A limit costs a vendor that answers quickly half its speed when it is the only one with
work (two workers, one slot), and it protects nothing there: a quick send frees its
worker in milliseconds. So a connection with no limit of its own is unbounded while it
answers quickly: a success within ``FLOWING``, no failure since, and no send slower than
``VENDOR_SLOW_AFTER`` within ``SLOW_MEMORY``. A vendor that turns slow can hold the workers
once, for at most its deadline; that send marks it slow (``Connection.slow_at``) and the
limit applies from then on. A new or idle connection starts bounded.

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
from vendors.models import Connection

S = SubmissionStatus

# How long a row that found no free slot waits at least: a task for it before then does
# nothing. A slot freed meanwhile hands it out at once.
SLOT_WAIT = timedelta(seconds=2)
# The first key of the advisory locks (pg_advisory_xact_lock(int, int)): "LH".
_LOCK_SPACE = 0x4C48
# A connection is unbounded while it succeeded this recently ...
FLOWING = timedelta(seconds=60)
# ... and was not slow for this long.
SLOW_MEMORY = timedelta(minutes=10)


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


def connection_unbounded(connection: Connection, *, now: datetime) -> bool:
    """Whether the connection needs no limit now: none of its own, and answering quickly."""
    return (
        connection.max_in_flight is None
        and connection.consecutive_failures == 0
        and connection.last_success_at is not None
        and now - connection.last_success_at < FLOWING
        and (connection.slow_at is None or now - connection.slow_at >= SLOW_MEMORY)
    )


def connection_slots_hold(connection: Connection) -> Slots:
    """The connection's limit, its slots held until the transaction ends (call inside one)."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)",
                [_LOCK_SPACE, connection.pk],
            )
    return Slots(connection_id=connection.pk, limit=slots_limit(connection.max_in_flight))
