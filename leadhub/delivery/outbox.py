"""The outbox: submissions created and handed to the worker inside the caller's transaction.

The submission row is the outbox and the source of truth; tasks carry only its primary key
and may arrive twice, late, or never (``rows`` and ``dispatcher`` deal with each).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from leadhub.delivery.bulkhead import in_flight, slots_limit
from leadhub.delivery.rows import locked_rows, submission_transition, waiting_take
from leadhub.models import Lead, Submission
from leadhub.statuses import RESENDABLE, InvalidTransition
from leadhub.statuses import SubmissionStatus as S
from vendors.models import Connection, Destination

PUSH_TASK = "leadhub.tasks.push_submission"
PUSH_BATCH_TASK = "leadhub.tasks.push_submission_batch"
OUTCOME_CHECK_TASK = "leadhub.tasks.check_submission_outcome"
# One broker message per this many submissions when many are queued at once (bulk import,
# the dispatcher): 100,000 imported leads become 1,000 messages, not 100,000.
PUSH_BATCH_SIZE = 100


def submission_build(
    *,
    lead: Lead | None,
    destination: Destination,
    payload: dict[str, Any],
    created_by: Any = None,
) -> Submission:
    """An unsaved queued submission (the bulk import saves many at once; without a lead, the
    columns its rows share)."""
    return Submission(
        lead=lead,
        destination=destination,
        connection=destination.connection,
        operation=destination.operation,
        campaign=destination.campaign,
        payload=payload,
        created_by=created_by,
        enqueued_at=timezone.now(),
    )


def submission_create(
    *, lead: Lead, destination: Destination, payload: dict[str, Any], created_by: Any = None
) -> Submission:
    """Create a queued submission; it is pushed in the background once the caller commits."""
    submission = submission_build(
        lead=lead, destination=destination, payload=payload, created_by=created_by
    )
    submission.save()
    _tasks_on_commit([(PUSH_TASK, submission.pk)])
    return submission


def submissions_create(
    *, lead: Lead, payloads: Sequence[tuple[Destination, dict[str, Any]]], created_by: Any = None
) -> list[Submission]:
    """``submission_create`` for each (destination, payload) of one lead: the rows in one
    INSERT, each handed to the worker as its own task (sent side by side)."""
    rows = Submission.objects.bulk_create(
        submission_build(lead=lead, destination=d, payload=p, created_by=created_by)
        for d, p in payloads
    )
    if rows:
        _tasks_on_commit([(PUSH_TASK, row.pk) for row in rows])
    return rows


def submission_enqueue(*, submission_id: int) -> None:
    """Hand the submission's primary key to the worker after the current transaction commits."""
    submissions_enqueue_many([submission_id])


def submissions_enqueue_many(ids: Iterable[int]) -> None:
    ids = list(ids)
    if not ids:
        return
    Submission.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    _tasks_on_commit([(PUSH_TASK, pk) for pk in ids])


def submissions_release_waiting(*, connection_id: int) -> list[int]:
    """Hand out the oldest rows waiting for one of the connection's slots (delivery.bulkhead),
    one per slot free now, through the broker; return their primary keys."""
    now = timezone.now()
    connection = Connection.objects.filter(pk=connection_id).values("max_in_flight").first()
    if connection is None:
        return []
    free = slots_limit(connection["max_in_flight"]) - in_flight(connection_id, now=now).count()
    if free <= 0:
        return []
    with transaction.atomic():
        ids = waiting_take(connection_id, free)
        submissions_enqueue_many(ids)
    return ids


def submissions_enqueue_batches(*, submission_ids: Sequence[int], stamped: bool = False) -> int:
    """Hand many primary keys to the worker on commit, PUSH_BATCH_SIZE per message.

    Returns the number of messages. Each batch is pushed one submission after another by one
    worker, so a big import cannot flood the broker or crowd out leads typed in meanwhile.
    The rows are stamped as handed out, so the dispatcher leaves them alone meanwhile;
    ``stamped`` says they were created just now with the stamp (submission_build), which
    spares a bulk import a second write of every row.
    """
    ids = [int(pk) for pk in submission_ids]
    batches = [ids[i : i + PUSH_BATCH_SIZE] for i in range(0, len(ids), PUSH_BATCH_SIZE)]
    if ids and not stamped:
        Submission.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    if batches:
        _tasks_on_commit([(PUSH_BATCH_TASK, batch) for batch in batches])
    return len(batches)


def push_batch_continue(submission_ids: list[int]) -> None:
    """Hand on what a batch's time budget left (the rows are already stamped)."""
    async_task(PUSH_BATCH_TASK, submission_ids, group="push")


def outcome_checks_enqueue(submission_ids: Iterable[int]) -> None:
    for pk in submission_ids:
        async_task(OUTCOME_CHECK_TASK, pk, group="outcome-check")


def _tasks_on_commit(tasks: list[tuple[str, Any]]) -> None:
    """Hand the tasks to the broker so that none runs before the rows are committed.

    With the ORM broker on the same database the task rows are written inside the caller's
    transaction: they commit (or roll back) with the submissions, a true transactional
    outbox, and cost no commit of their own. Any other broker gets them after the commit.
    """

    def enqueue() -> None:
        for name, argument in tasks:
            async_task(name, argument, group="push")

    if _orm_broker_on_default() and not settings.Q_CLUSTER.get("sync"):
        enqueue()
    else:
        transaction.on_commit(enqueue)


def _orm_broker_on_default() -> bool:
    return settings.Q_CLUSTER.get("orm") == "default" and "redis" not in settings.Q_CLUSTER


def submission_resend(
    *, submission: Submission, payload: dict[str, Any] | None = None
) -> Submission:
    """Queue a rejected, exhausted or unanswered submission again (optionally edited).

    Decided on the locked row, not on what the caller read: a row a first resend already
    queued (and a worker may be sending) is refused, or the lead would go twice. The
    transition table alone would let it through: sending and retry_wait may go back to
    queued, for the dispatcher's sake.
    """
    with transaction.atomic():
        locked = locked_rows(Submission.objects.all(), skip_locked=False).get(pk=submission.pk)
        if locked.status not in RESENDABLE:
            raise InvalidTransition(
                f"A submission that is {locked.get_status_display().lower()} cannot be sent again."
            )
        if Lead.objects.filter(pk=locked.lead_id, erased_at__isnull=False).exists():
            raise InvalidTransition(
                "This lead's personal data was erased: it cannot be sent again."
            )
        fields: dict[str, Any] = {
            "next_attempt_at": None,
            "completed_at": None,
            "next_check_at": None,
            "vendor_outcome": "",
            "vendor_outcome_at": None,
            "field_errors": {},
        }
        if payload is not None:
            fields["payload"] = payload
        submission_transition(locked, S.QUEUED, **fields)
        submissions_enqueue_many([locked.pk])
    return locked
