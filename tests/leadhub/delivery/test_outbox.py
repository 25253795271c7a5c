"""The outbox: submissions created and handed to the worker inside the caller's
transaction; batches; resending by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from leadhub.delivery.outbox import (
    PUSH_BATCH_SIZE,
    PUSH_BATCH_TASK,
    PUSH_TASK,
    submission_build,
    submission_create,
    submission_enqueue,
    submission_resend,
    submissions_enqueue_batches,
)
from leadhub.models import Submission
from leadhub.statuses import RESENDABLE, InvalidTransition, SubmissionStatus
from tests.factories import (
    CampaignFactory,
    DestinationFactory,
    LeadFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.leadhub.conftest import PushToLeadByte
from tests.leadhub.delivery.conftest import PAYLOAD, Task
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus


class Refused(Exception):
    """Whatever makes the caller's transaction roll back."""


@pytest.fixture
def destination() -> Destination:
    campaign = CampaignFactory()
    return DestinationFactory(connection=campaign.connection, campaign=campaign)


# --- creating ------------------------------------------------------------------------------


def test_a_built_submission_is_unsaved_queued_and_copies_its_destination(
    destination: Destination,
) -> None:
    lead, user = LeadFactory(), UserFactory()
    before = timezone.now()
    submission = submission_build(
        lead=lead, destination=destination, payload={"email": "a@example.com"}, created_by=user
    )
    assert submission.pk is None
    assert submission.status == S.QUEUED
    assert (submission.connection, submission.operation, submission.campaign) == (
        destination.connection,
        destination.operation,
        destination.campaign,
    )
    assert (submission.lead, submission.created_by) == (lead, user)
    assert submission.enqueued_at is not None and submission.enqueued_at >= before


def test_a_created_submission_is_handed_to_the_worker_once_the_caller_commits(
    destination: Destination, handed_tasks: list[Task]
) -> None:
    with transaction.atomic():
        submission = submission_create(lead=LeadFactory(), destination=destination, payload={})
        assert handed_tasks == []  # not before the row is there for the worker to read
    assert handed_tasks == [(PUSH_TASK, submission.pk)]
    assert Submission.objects.get(pk=submission.pk).status == S.QUEUED


def test_a_rolled_back_caller_leaves_neither_submission_nor_task(
    destination: Destination, handed_tasks: list[Task]
) -> None:
    with pytest.raises(Refused), transaction.atomic():
        submission_create(lead=LeadFactory(), destination=destination, payload={})
        raise Refused
    assert not Submission.objects.exists()
    assert handed_tasks == []


def test_with_the_orm_broker_the_task_row_commits_or_rolls_back_with_the_submission(
    settings, monkeypatch: pytest.MonkeyPatch, destination: Destination
) -> None:
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "orm": "default", "sync": False}
    monkeypatch.delitem(settings.Q_CLUSTER, "redis", raising=False)
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")
    lead = LeadFactory()
    with pytest.raises(Refused), transaction.atomic():
        submission_create(lead=lead, destination=destination, payload={})
        assert OrmQ.objects.count() == 1  # written inside the caller's transaction...
        raise Refused
    assert OrmQ.objects.count() == 0  # ...and gone with it
    with transaction.atomic():
        submission_create(lead=lead, destination=destination, payload={})
    assert OrmQ.objects.count() == 1


# --- enqueueing ----------------------------------------------------------------------------


def test_enqueueing_stamps_the_row_and_hands_its_key_over(handed_tasks: list[Task]) -> None:
    submission = SubmissionFactory(enqueued_at=timezone.now() - timedelta(hours=1))
    before = timezone.now()
    submission_enqueue(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.enqueued_at is not None and submission.enqueued_at >= before
    assert handed_tasks == [(PUSH_TASK, submission.pk)]


def test_many_submissions_go_as_batches_of_the_batch_size(handed_tasks: list[Task]) -> None:
    ids = list(range(1, 2 * PUSH_BATCH_SIZE + 2))
    assert submissions_enqueue_batches(submission_ids=ids) == 3
    assert [name for name, _ in handed_tasks] == [PUSH_BATCH_TASK] * 3
    assert [len(batch) for _, batch in handed_tasks] == [PUSH_BATCH_SIZE, PUSH_BATCH_SIZE, 1]
    assert [pk for _, batch in handed_tasks for pk in batch] == ids


def test_batches_stamp_their_rows_unless_told_they_are_stamped(handed_tasks: list[Task]) -> None:
    an_hour_ago = timezone.now() - timedelta(hours=1)
    first, second = SubmissionFactory(enqueued_at=an_hour_ago), SubmissionFactory()
    Submission.objects.filter(pk=second.pk).update(enqueued_at=an_hour_ago)
    submissions_enqueue_batches(submission_ids=[first.pk], stamped=True)
    submissions_enqueue_batches(submission_ids=[second.pk])
    assert Submission.objects.get(pk=first.pk).enqueued_at == an_hour_ago
    assert Submission.objects.get(pk=second.pk).enqueued_at > an_hour_ago
    assert handed_tasks == [(PUSH_BATCH_TASK, [first.pk]), (PUSH_BATCH_TASK, [second.pk])]


def test_no_submissions_make_no_message(handed_tasks: list[Task]) -> None:
    assert submissions_enqueue_batches(submission_ids=[]) == 0
    assert handed_tasks == []


# --- resending -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(RESENDABLE))
def test_a_resendable_submission_is_queued_again_with_its_answer_cleared(
    status: str, handed_tasks: list[Task]
) -> None:
    submission = SubmissionFactory(
        status=status,
        payload={"email": "old@example.com"},
        completed_at=timezone.now(),
        vendor_outcome="Invalid",
        vendor_outcome_at=timezone.now(),
        field_errors={"email": ["Not valid"]},
    )
    submission_resend(submission=submission, payload={"email": "new@example.com"})
    fresh = Submission.objects.get(pk=submission.pk)
    assert fresh.status == S.QUEUED
    assert fresh.payload == {"email": "new@example.com"}
    assert (fresh.completed_at, fresh.vendor_outcome, fresh.field_errors) == (None, "", {})
    assert handed_tasks == [(PUSH_TASK, submission.pk)]


@pytest.mark.parametrize("status", sorted(set(S) - RESENDABLE))
def test_a_submission_that_is_not_resendable_is_refused_and_left_alone(
    status: str, handed_tasks: list[Task]
) -> None:
    submission = SubmissionFactory(status=status)
    with pytest.raises(InvalidTransition):
        submission_resend(submission=submission)
    assert Submission.objects.get(pk=submission.pk).status == status
    assert handed_tasks == []


def test_a_resend_decides_on_the_row_as_it_is_now_not_as_it_was_read(
    handed_tasks: list[Task],
) -> None:
    # Read while rejected; meanwhile a first resend queued it and a worker took it.
    stale = SubmissionFactory(status=S.REJECTED)
    Submission.objects.filter(pk=stale.pk).update(status=S.SENDING)
    with pytest.raises(InvalidTransition):
        submission_resend(submission=stale)
    assert Submission.objects.get(pk=stale.pk).status == S.SENDING  # the send in flight stands
    assert handed_tasks == []


def test_resend_queues_a_rejected_submission_again(push_to_leadbyte: PushToLeadByte) -> None:
    submission = push_to_leadbyte({**PAYLOAD, "email": "nope"})
    submission_resend(submission=submission, payload=PAYLOAD)
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert submission.attempts.count() == 2
