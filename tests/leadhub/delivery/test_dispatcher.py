"""The dispatcher: due retries the retry clock missed, lost tasks, stale leases, due
outcome checks, and its own schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import pytest
from django.utils import timezone
from django_q.models import Schedule

from leadhub.delivery.dispatcher import (
    DISPATCHER_SCHEDULE,
    RETRY_LOST_AFTER,
    dispatcher_schedule_ensure,
    submissions_dispatch_due,
)
from leadhub.delivery.outbox import OUTCOME_CHECK_TASK, PUSH_BATCH_TASK, PUSH_TASK
from leadhub.delivery.rows import submission_claim
from leadhub.models import Submission
from leadhub.selectors import needs_attention_q
from leadhub.statuses import FINAL, SubmissionStatus
from sandbox.models import SandboxRecord
from tests.factories import SubmissionFactory
from tests.leadhub.delivery.conftest import PAYLOAD, Task
from vendors.leadbyte import LeadByte
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus
LeadByteRow = Callable[..., Submission]


@pytest.fixture
def leadbyte_row(leadbyte_destination: Destination) -> LeadByteRow:
    """A row of PAYLOAD for the sandbox's LeadByte campaign, with these fields."""
    return partial(SubmissionFactory, destination=leadbyte_destination, payload=PAYLOAD)


def overdue(seconds: int) -> datetime:
    """Five seconds past a limit of this many seconds, counted back from now."""
    return timezone.now() - timedelta(seconds=seconds + 5)


def test_dispatcher_recovers_a_lease_left_by_a_dead_worker(
    settings, leadbyte_row: LeadByteRow
) -> None:
    submission = leadbyte_row(status=S.SENDING, sent_at=overdue(settings.SUBMISSION_LEASE_SECONDS))
    submissions_dispatch_due()
    submission.refresh_from_db()
    # LeadByte refuses what it already has, so the lead is sent again, and arrives once.
    assert submission.status == S.ACCEPTED
    assert SandboxRecord.objects.filter(endpoint="leads", accepted=True).count() == 1


def test_the_dispatcher_enqueues_a_queued_row_whose_task_was_lost(
    settings, leadbyte_row: LeadByteRow
) -> None:
    submission = leadbyte_row(enqueued_at=overdue(settings.SUBMISSION_REQUEUE_AFTER))
    fresh = leadbyte_row(
        payload={**PAYLOAD, "email": "fresh@example.com", "phone1": "07911 222333"},
        enqueued_at=timezone.now(),
    )
    submissions_dispatch_due()
    submission.refresh_from_db()
    fresh.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert fresh.status == S.QUEUED  # its task is still on its way: left alone


def test_a_lease_recovered_for_a_vendor_without_duplicate_protection_needs_review(
    settings, monkeypatch: pytest.MonkeyPatch, leadbyte_row: LeadByteRow
) -> None:
    monkeypatch.setattr(LeadByte, "rejects_resent_leads", False)
    submission = leadbyte_row(
        status=S.SENDING, attempt_count=1, sent_at=overdue(settings.SUBMISSION_LEASE_SECONDS)
    )
    submissions_dispatch_due()
    submission.refresh_from_db()
    assert submission.status == S.UNCERTAIN
    assert "check it there before sending again" in submission.vendor_message
    assert submission.attempts.get().kind == "lost"
    assert SandboxRecord.objects.count() == 0


def test_a_push_that_never_completes_ends_after_exactly_the_attempt_budget(
    settings, handed_tasks: list[Task], leadbyte_row: LeadByteRow
) -> None:
    settings.SUBMISSION_RETRY_DELAYS = [10, 60, 300]  # a budget of 4 sends
    submission = leadbyte_row()
    sends = 0
    # Each round a worker takes the row and dies mid-send; the next dispatcher run finds
    # its lease stale. Ten rounds would be more than twice the budget.
    for _ in range(10):
        if submission_claim(submission.pk) is None:
            break
        sends += 1
        Submission.objects.filter(pk=submission.pk).update(
            sent_at=overdue(settings.SUBMISSION_LEASE_SECONDS)
        )
        submissions_dispatch_due()
        submission.refresh_from_db()
        if submission.status in FINAL:
            break
    assert sends == 4
    assert submission.status == S.EXHAUSTED
    assert submission.vendor_message == (
        "The worker stopped while sending 4 times; gave up after the attempt budget of 4."
    )
    assert submission.attempts.filter(kind="lost").count() == 4
    assert handed_tasks == [(PUSH_TASK, submission.pk)] * 3
    needing = Submission.objects.filter(needs_attention_q(now=timezone.now()))
    assert list(needing) == [submission]


def test_sends_that_failed_before_the_worker_stopped_count_against_the_budget(
    settings, handed_tasks: list[Task], leadbyte_row: LeadByteRow
) -> None:
    settings.SUBMISSION_RETRY_DELAYS = [10, 60, 300]
    submission = leadbyte_row(
        status=S.SENDING, attempt_count=4, sent_at=overdue(settings.SUBMISSION_LEASE_SECONDS)
    )
    submissions_dispatch_due()
    submission.refresh_from_db()
    assert submission.status == S.EXHAUSTED
    assert submission.vendor_message == (
        "The worker stopped while sending once; gave up after the attempt budget of 4."
    )
    assert handed_tasks == []
    assert SandboxRecord.objects.count() == 0


def test_a_retry_the_clock_missed_is_enqueued_and_one_just_due_is_not(
    handed_tasks: list[Task],
) -> None:
    now = timezone.now()
    lost = SubmissionFactory(
        status=S.RETRY_WAIT, next_attempt_at=now - RETRY_LOST_AFTER - timedelta(seconds=5)
    )
    SubmissionFactory(status=S.RETRY_WAIT, next_attempt_at=now - timedelta(seconds=5))
    assert submissions_dispatch_due() == 1
    assert handed_tasks == [(PUSH_BATCH_TASK, [lost.pk])]


def test_a_queued_row_never_handed_out_is_enqueued(handed_tasks: list[Task]) -> None:
    never = SubmissionFactory(enqueued_at=None)
    SubmissionFactory(enqueued_at=timezone.now())
    submissions_dispatch_due()
    assert handed_tasks == [(PUSH_BATCH_TASK, [never.pk])]


def test_due_outcome_checks_are_handed_out_and_later_ones_are_not(
    handed_tasks: list[Task],
) -> None:
    now = timezone.now()
    due = SubmissionFactory(status=S.ACCEPTED, next_check_at=now - timedelta(seconds=1))
    SubmissionFactory(status=S.ACCEPTED, next_check_at=now + timedelta(minutes=5))
    assert submissions_dispatch_due() == 1
    assert handed_tasks == [(OUTCOME_CHECK_TASK, due.pk)]


def test_the_dispatcher_schedule_is_made_once_however_often_it_is_ensured() -> None:
    dispatcher_schedule_ensure()
    dispatcher_schedule_ensure()
    schedule = Schedule.objects.get(name=DISPATCHER_SCHEDULE)
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "leadhub.tasks.dispatch_due_submissions",
        Schedule.MINUTES,
        1,
    )
