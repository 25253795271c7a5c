"""Submissions: create, enqueue, push to the vendor, and record what it answered.

The submission row is the outbox and the source of truth; tasks carry only its primary
key and may arrive twice, late, or never:

- twice (a broker redelivery, the dispatcher, a second cluster): the claim moves the row to
  SENDING with one conditional UPDATE, committed before any HTTP is made, so the second
  finds it taken and sends nothing (a probe of a paused connection takes the row with
  SELECT ... FOR UPDATE SKIP LOCKED instead);
- late: the claim checks the row is still due;
- never (the Redis broker loses in-flight tasks, a worker is killed): the dispatcher, on a
  schedule, enqueues again queued rows whose task is overdue, retries whose booking was
  lost, and SENDING leases whose worker died.

What a vendor answer means (retry, pause, review) is decided in vendors.outcomes.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_q.tasks import async_task

from leadhub.models import Attempt, AttemptKind, Lead, Submission
from leadhub.services.connections import (
    connection_may_send,
    connection_record_result,
    connections_due_for_probe,
)
from leadhub.statuses import OUTCOME_STATUS, TRANSITIONS, SubmissionStatus, check_transition
from vendors.base import Condition, Delivery, Exchange, Outcome, VendorError, VendorResult
from vendors.models import Connection, Destination
from vendors.outcomes import resend_is_safe, rule_for

logger = logging.getLogger(__name__)

S = SubmissionStatus
PUSH_TASK = "leadhub.tasks.push_submission"
OUTCOME_CHECK_TASK = "leadhub.tasks.check_submission_outcome"
PUSH_BATCH_TASK = "leadhub.tasks.push_submission_batch"
# One broker message per this many submissions when many are queued at once (bulk import,
# the dispatcher): 100,000 imported leads become 1,000 messages, not 100,000.
PUSH_BATCH_SIZE = 100
# The most submissions one dispatcher run hands out, oldest first; the next run takes more.
DISPATCH_LIMIT = 2000
# A retry booked with django-q2's scheduler fires within its 30 s tick; past this it was
# lost and the dispatcher enqueues it.
RETRY_BOOKING_GRACE = timedelta(seconds=60)


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
    _enqueue_on_commit([submission.pk])
    return submission


def submission_enqueue(*, submission_id: int) -> None:
    """Hand the submission's primary key to the worker after the current transaction commits."""
    submissions_enqueue_many([submission_id])


def submissions_enqueue_many(ids: Iterable[int]) -> None:
    ids = list(ids)
    if not ids:
        return
    Submission.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    _enqueue_on_commit(ids)


def _enqueue_on_commit(ids: list[int]) -> None:
    _tasks_on_commit([(PUSH_TASK, pk) for pk in ids])


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


def _batch_time_budget() -> float:
    """Seconds a batch may run before handing its rest on: below the task timeout, with room
    for one last vendor call."""
    vendor_call = settings.VENDOR_CONNECT_TIMEOUT + settings.VENDOR_READ_TIMEOUT
    return max(5.0, settings.Q_TIMEOUT - vendor_call - 5.0)


def submissions_push_batch(*, submission_ids: Sequence[int]) -> int:
    """Push each submission in turn; return how many were tried.

    What the time budget leaves is enqueued again as a new batch. A push that fails is logged
    and left to the dispatcher's recovery; it does not stop the rest.
    """
    ids = [int(pk) for pk in submission_ids]
    deadline = time.monotonic() + _batch_time_budget()
    for done, pk in enumerate(ids):
        if time.monotonic() > deadline:
            async_task(PUSH_BATCH_TASK, ids[done:], group="push")
            return done
        try:
            submission_push(submission_id=pk)
        except Exception:
            logger.exception("submission %s: push failed", pk)
    return len(ids)


def submission_transition(submission: Submission, new_status: str, **fields: Any) -> None:
    check_transition(submission.status, new_status)
    submission.status = new_status
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.save(update_fields=["status", "updated_at", *fields])


# --- push ----------------------------------------------------------------------------------


def submission_push(*, submission_id: int) -> Submission | None:
    """Send one submission to its vendor, unless another worker has it or it is not due."""
    submission = _claim(submission_id)
    if submission is None:
        return None
    adapter = submission.connection.adapter()
    delivery = adapter.submit(submission.operation, submission.payload)
    return _record(submission, delivery)


def _locked(queryset: QuerySet[Submission], *, skip_locked: bool) -> QuerySet[Submission]:
    """Rows locked FOR UPDATE, on the submission only (OF self): locking the joined
    connection too would make every other claim on that connection skip its row."""
    skip = skip_locked and db_connection.features.has_select_for_update_skip_locked
    of = ("self",) if db_connection.features.has_select_for_update_of else ()
    return queryset.select_for_update(skip_locked=skip, of=of)


# Where a claim may take a row from (statuses.py decides, not this module).
CLAIMABLE = tuple(sorted(status for status, then in TRANSITIONS.items() if S.SENDING in then))


def _claim(submission_id: int) -> Submission | None:
    """Take the row for this worker: one conditional UPDATE in the common case.

    PostgreSQL re-checks the row's own status after waiting on a concurrent claim, so of
    two claims exactly one updates it. The conditions are on the row itself (the running
    connections are a plain subquery, not a join that would move them into one). What the
    fast path leaves (a paused connection's probe, a row not due) goes the locked way.
    """
    now = timezone.now()
    for status in CLAIMABLE:
        check_transition(status, S.SENDING)
    running = Connection.objects.filter(paused_at__isnull=True).values("pk")
    taken = (
        Submission.objects.filter(pk=submission_id, status__in=CLAIMABLE, connection_id__in=running)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=S.SENDING,
            attempt_count=F("attempt_count") + 1,
            sent_at=now,
            next_attempt_at=None,
            updated_at=now,
        )
    )
    if taken:
        return Submission.objects.select_related("connection").get(pk=submission_id)
    return _claim_locked(submission_id, now)


def _claim_locked(submission_id: int, now: Any) -> Submission | None:
    with transaction.atomic():
        rows = _locked(Submission.objects.select_related("connection"), skip_locked=True)
        submission = rows.filter(pk=submission_id).first()
        if submission is None:
            return None  # gone, or another worker holds it right now
        due = submission.next_attempt_at is None or submission.next_attempt_at <= now
        if submission.status not in (S.QUEUED, S.RETRY_WAIT) or not due:
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


def retry_delays() -> list[int]:
    return [int(d) for d in settings.SUBMISSION_RETRY_DELAYS]


def next_retry_at(attempt_count: int, retry_after: float | None) -> Any:
    """When to try again after ``attempt_count`` sends, or None once retries are spent."""
    delays = retry_delays()
    if attempt_count > len(delays):
        return None
    delay = float(delays[attempt_count - 1])
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.SUBMISSION_MAX_RETRY_AFTER))
    jitter = delay * settings.SUBMISSION_RETRY_JITTER * random.random()
    return timezone.now() + timedelta(seconds=delay + jitter)


def _attempts(
    submission: Submission, exchanges: list[Exchange], result: Any, kind: str, first: int
) -> list[Attempt]:
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


def _next_number(submission: Submission) -> int:
    last = submission.attempts.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _record(submission: Submission, delivery: Delivery) -> Submission:
    result = delivery.result
    claimed_attempt = submission.attempt_count
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(Submission.objects.all(), skip_locked=False).get(pk=submission.pk)
        Attempt.objects.bulk_create(
            _attempts(locked, delivery.exchanges, result, AttemptKind.SEND, _next_number(locked))
        )
        if locked.status != S.SENDING or locked.attempt_count != claimed_attempt:
            # The lease ran out and the row moved on without us: keep the exchange on
            # record, leave the row to whoever holds it now.
            logger.warning(
                "submission %s: answer for attempt %s arrived after its lease; not applied",
                locked.pk,
                claimed_attempt,
            )
            return locked
        locked.connection = submission.connection
        fields = _result_fields(result)
        if result.outcome is Outcome.TRANSIENT:
            honoured = (
                result.retry_after if rule_for(result.condition).honours_retry_after else None
            )
            retry_at = next_retry_at(locked.attempt_count, honoured)
            if retry_at is None:
                fields["vendor_message"] = (
                    f"Gave up after {locked.attempt_count} attempts. {result.message}"
                )
                submission_transition(locked, S.EXHAUSTED, completed_at=now, **fields)
            else:
                submission_transition(locked, S.RETRY_WAIT, next_attempt_at=retry_at, **fields)
        else:
            if result.outcome is Outcome.DUPLICATE and _had_lost_answer(locked):
                fields["vendor_message"] = (
                    f"{result.message} Most likely it is this lead's own earlier send, "
                    "whose answer was lost."
                )
            if result.outcome in (Outcome.ACCEPTED, Outcome.QUARANTINED):
                fields.update(_outcome_check_start(locked, result, now))
            new_status = OUTCOME_STATUS[result.outcome]
            submission_transition(locked, new_status, completed_at=now, **fields)
    connection_record_result(
        connection_id=locked.connection_id, result=result, known=submission.connection
    )
    if locked.status == S.RETRY_WAIT and locked.next_attempt_at is not None:
        _schedule_retry(locked)
    logger.info("submission %s to %s: %s", locked.pk, locked.connection.kind, locked.status)
    return locked


def _result_fields(result: VendorResult) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "vendor_message": result.message,
        "vendor_code": result.code,
        "field_errors": result.field_errors,
    }
    if result.reference:
        fields["vendor_reference"] = result.reference
    if result.links:
        fields["links"] = result.links
    if result.data:
        fields["response_data"] = result.data
    return fields


def _had_lost_answer(submission: Submission) -> bool:
    """Whether an earlier send of this submission may have reached the vendor unanswered."""
    lost = (Condition.NO_ANSWER, Condition.UNREADABLE_ANSWER)
    return submission.attempts.filter(Q(kind=AttemptKind.LOST) | Q(condition__in=lost)).exists()


def _schedule_retry(submission: Submission) -> None:
    """Book the retry with django-q2's scheduler; the dispatcher is the safety net."""
    from django_q.models import Schedule

    Schedule.objects.create(
        name=f"retry-submission-{submission.pk}-{submission.attempt_count}",
        func=PUSH_TASK,
        args=str(submission.pk),
        schedule_type=Schedule.ONCE,
        repeats=-1,
        next_run=submission.next_attempt_at,
    )


# --- outcome checks: what the vendor says later ------------------------------------------


def outcome_check_delays() -> list[int]:
    return [int(d) for d in settings.SUBMISSION_OUTCOME_CHECK_DELAYS]


def _outcome_check_start(submission: Submission, result: VendorResult, now: Any) -> dict[str, Any]:
    adapter_class = submission.connection.adapter_class
    if not adapter_class.reports_later or not result.reference or not outcome_check_delays():
        return {}
    return {
        "next_check_at": now + timedelta(seconds=outcome_check_delays()[0]),
        "check_count": 0,
        "vendor_outcome": str(result.data.get("queue_status", "")) if result.data else "",
        "vendor_outcome_at": now,
    }


def submission_check_outcome(*, submission_id: int) -> Submission | None:
    """Ask the vendor what became of a lead it took; apply a late rejection or release."""
    now = timezone.now()
    with transaction.atomic():
        rows = _locked(Submission.objects.select_related("connection"), skip_locked=True)
        submission = rows.filter(pk=submission_id).first()
        if submission is None or submission.next_check_at is None:
            return None
        if submission.next_check_at > now or not submission.vendor_reference:
            return None
        if submission.status not in (S.ACCEPTED, S.QUARANTINED):
            Submission.objects.filter(pk=submission.pk).update(next_check_at=None)
            return None
        # A lease: if this worker dies, the dispatcher asks again after it.
        lease = now + timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
        Submission.objects.filter(pk=submission.pk).update(
            next_check_at=lease, check_count=submission.check_count + 1
        )
        submission.check_count += 1
    adapter = submission.connection.adapter()
    adapter.exchanges = []
    try:
        verdict = adapter.check_outcome(submission.operation, submission.vendor_reference)
        error = None
    except VendorError as err:
        verdict, error = None, err
    with transaction.atomic():
        locked = _locked(Submission.objects.all(), skip_locked=False).get(pk=submission.pk)
        Attempt.objects.bulk_create(
            _attempts(
                locked,
                adapter.exchanges,
                verdict or (error.as_result() if error else None),
                AttemptKind.OUTCOME_CHECK,
                _next_number(locked),
            )
        )
        delays = outcome_check_delays()
        later = (
            now + timedelta(seconds=delays[locked.check_count])
            if locked.check_count < len(delays)
            else None
        )
        if verdict is None:
            Submission.objects.filter(pk=locked.pk).update(next_check_at=later)
            return locked
        fields: dict[str, Any] = {
            "vendor_outcome": verdict.label,
            "vendor_outcome_at": timezone.now(),
            "next_check_at": None if verdict.final else later,
        }
        if verdict.outcome is Outcome.REJECTED and locked.status in (S.ACCEPTED, S.QUARANTINED):
            submission_transition(
                locked,
                S.REJECTED,
                vendor_message=verdict.message,
                vendor_code=verdict.code,
                **fields,
            )
        elif (
            verdict.outcome is Outcome.ACCEPTED
            and locked.status == S.QUARANTINED
            and (verdict.final)
        ):
            submission_transition(locked, S.ACCEPTED, vendor_message=verdict.message, **fields)
        else:
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save(update_fields=[*fields, "updated_at"])
    return locked


# --- the dispatcher ------------------------------------------------------------------------


def submissions_dispatch_due() -> int:
    """Enqueue every submission that is due and has no worker on it; return how many.

    Runs on a schedule (every minute, created by a migration): it recovers SENDING leases
    left by a worker that died, enqueues retries whose booking was lost and queued rows
    whose task a broker lost, sends one probe per connection paused after failures, and
    asks vendors what became of the leads they took (outcome checks).
    """
    now = timezone.now()
    recovered = submissions_recover_stale_leases(now=now)
    active = Q(connection__paused_at__isnull=True)
    lost_after = now - timedelta(seconds=settings.SUBMISSION_REQUEUE_AFTER)
    retries = Submission.objects.filter(
        active, status=S.RETRY_WAIT, next_attempt_at__lte=now - RETRY_BOOKING_GRACE
    )
    lost = Submission.objects.filter(active, status=S.QUEUED).filter(
        Q(enqueued_at__lt=lost_after) | Q(enqueued_at__isnull=True)
    )
    due = list(retries.order_by("next_attempt_at").values_list("pk", flat=True)[:DISPATCH_LIMIT])
    due += list(
        lost.order_by("enqueued_at").values_list("pk", flat=True)[: DISPATCH_LIMIT - len(due)]
    )
    for connection_id in connections_due_for_probe():
        probe = (
            Submission.objects.filter(
                connection_id=connection_id, status__in=(S.QUEUED, S.RETRY_WAIT)
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if probe is not None:
            due.append(probe)
    with transaction.atomic():
        submissions_enqueue_batches(submission_ids=due)
    checks = list(
        Submission.objects.filter(next_check_at__lte=now).values_list("pk", flat=True)[:5000]
    )
    for pk in checks:
        async_task(OUTCOME_CHECK_TASK, pk, group="outcome-check")
    return len(due) + recovered + len(checks)


def submissions_recover_stale_leases(*, now: Any = None) -> int:
    """SENDING rows whose worker died: send again where the vendor refuses a lead it
    already has, otherwise hold for a person (the vendor may have it)."""
    now = now or timezone.now()
    stale_lease = now - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
    count = 0
    for pk in Submission.objects.filter(status=S.SENDING, sent_at__lt=stale_lease).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            rows = _locked(Submission.objects.select_related("connection"), skip_locked=True)
            locked = rows.filter(pk=pk).first()
            if locked is None or locked.status != S.SENDING:
                continue
            if locked.sent_at is None or locked.sent_at >= stale_lease:
                continue
            safe = resend_is_safe(locked.connection.adapter_class, locked.operation)
            message = "The worker stopped while sending; " + (
                "sent again (the vendor refuses a lead it already has)."
                if safe
                else "the vendor may have the lead: check it there before sending again."
            )
            Attempt.objects.create(
                submission=locked,
                number=_next_number(locked),
                kind=AttemptKind.LOST,
                condition=Condition.NO_ANSWER,
                started_at=locked.sent_at,
                outcome=Outcome.TRANSIENT if safe else Outcome.UNCERTAIN,
                message=message,
            )
            if safe:
                submission_transition(locked, S.QUEUED, vendor_message=message)
                submissions_enqueue_many([locked.pk])
            else:
                submission_transition(locked, S.UNCERTAIN, vendor_message=message, completed_at=now)
            count += 1
    return count


# --- by hand -------------------------------------------------------------------------------


def submission_resend(
    *, submission: Submission, payload: dict[str, Any] | None = None
) -> Submission:
    """Queue a rejected, exhausted or unanswered submission again (optionally edited)."""
    with transaction.atomic():
        locked = _locked(Submission.objects.all(), skip_locked=False).get(pk=submission.pk)
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


def dispatcher_schedule_ensure() -> None:
    """The dispatcher's schedule, as the migration creates it (for databases set up by hand
    or flushed, as between tests)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="leadhub: dispatch due submissions",
        defaults={
            "func": "leadhub.tasks.dispatch_due_submissions",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
