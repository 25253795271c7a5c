"""What the admin shows and to whom: stuck, needs attention, held, and who sees what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from leadhub.delivery.dispatcher import RETRY_LOST_AFTER
from leadhub.models import Submission
from leadhub.selectors import (
    attention_counts,
    held_q,
    needs_attention_q,
    row_visible,
    sees_everything,
    stuck_q,
    visible_leads,
    visible_submissions,
)
from leadhub.statuses import SubmissionStatus
from tests.factories import LeadFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

S = SubmissionStatus
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
LEASE = timedelta(seconds=600)
REQUEUE = timedelta(seconds=120)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def clocks(settings) -> None:
    settings.SUBMISSION_LEASE_SECONDS = int(LEASE.total_seconds())
    settings.SUBMISSION_REQUEUE_AFTER = int(REQUEUE.total_seconds())


def submission(status: str, *, paused: bool = False, **fields) -> Submission:
    paused_at = NOW - timedelta(hours=1) if paused else None
    return SubmissionFactory(status=status, destination__connection__paused_at=paused_at, **fields)


def is_stuck(row: Submission) -> bool:
    return Submission.objects.filter(stuck_q(now=NOW), pk=row.pk).exists()


# --- stuck: the dispatcher's clocks, each edge ------------------------------------------


@pytest.mark.parametrize(
    ("sent_at", "stuck"),
    [(NOW - LEASE - SECOND, True), (NOW - LEASE, False), (NOW - LEASE + SECOND, False)],
    ids=["lease-passed", "lease-edge", "lease-running"],
)
def test_sending_is_stuck_once_its_lease_has_passed(sent_at: datetime, stuck: bool) -> None:
    assert is_stuck(submission(S.SENDING, sent_at=sent_at)) is stuck


def test_a_dead_lease_is_stuck_even_on_a_paused_connection() -> None:
    assert is_stuck(submission(S.SENDING, paused=True, sent_at=NOW - LEASE - SECOND))


@pytest.mark.parametrize(
    ("enqueued_at", "stuck"),
    [(NOW - REQUEUE - SECOND, True), (NOW - REQUEUE, False), (NOW - REQUEUE + SECOND, False)],
    ids=["task-lost", "requeue-edge", "task-fresh"],
)
def test_queued_is_stuck_once_its_task_counts_as_lost(enqueued_at: datetime, stuck: bool) -> None:
    # updated_at is recent (auto_now): the task's hand-out time decides, not the last save.
    assert is_stuck(submission(S.QUEUED, enqueued_at=enqueued_at, created_at=NOW)) is stuck


@pytest.mark.parametrize(
    ("created_at", "stuck"),
    [(NOW - REQUEUE - SECOND, True), (NOW - REQUEUE, False)],
    ids=["old", "requeue-edge"],
)
def test_queued_never_handed_out_counts_from_its_creation(
    created_at: datetime, stuck: bool
) -> None:
    row = submission(S.QUEUED, enqueued_at=None, created_at=created_at)
    assert is_stuck(row) is stuck


@pytest.mark.parametrize(
    ("due", "stuck"),
    [
        (NOW - RETRY_LOST_AFTER - SECOND, True),
        (NOW - RETRY_LOST_AFTER, True),  # the dispatcher takes it at the edge (<=)
        (NOW - RETRY_LOST_AFTER + SECOND, False),
        (NOW, False),
    ],
    ids=["missed", "grace-edge", "within-grace", "due-now"],
)
def test_a_retry_is_stuck_once_overdue_by_the_grace(due: datetime, stuck: bool) -> None:
    assert is_stuck(submission(S.RETRY_WAIT, next_attempt_at=due)) is stuck


@pytest.mark.parametrize("status", [S.QUEUED, S.RETRY_WAIT])
def test_what_a_paused_connection_holds_is_held_not_stuck(status: str) -> None:
    long_ago = NOW - timedelta(days=1)
    row = submission(
        status, paused=True, enqueued_at=long_ago, next_attempt_at=long_ago, created_at=long_ago
    )
    assert not is_stuck(row)
    assert Submission.objects.filter(held_q(), pk=row.pk).exists()


def test_held_is_only_waiting_rows_of_paused_connections() -> None:
    submission(S.SENDING, paused=True, sent_at=NOW)
    submission(S.QUEUED, enqueued_at=NOW)
    assert not Submission.objects.filter(held_q()).exists()


@pytest.mark.parametrize("status", [S.ACCEPTED, S.REJECTED, S.EXHAUSTED, S.UNCERTAIN])
def test_what_is_not_pending_is_never_stuck(status: str) -> None:
    long_ago = NOW - timedelta(days=1)
    times = {"sent_at": long_ago, "enqueued_at": long_ago, "next_attempt_at": long_ago}
    assert not is_stuck(submission(status, created_at=long_ago, **times))


# --- needs attention ------------------------------------------------------------------


def test_needs_attention_is_given_up_unanswered_or_stuck() -> None:
    wanted = {
        submission(S.EXHAUSTED).pk,
        submission(S.UNCERTAIN).pk,
        submission(S.SENDING, sent_at=NOW - LEASE - SECOND).pk,
    }
    submission(S.REJECTED)  # refused: the vendor said why, nothing to chase
    submission(S.ACCEPTED)
    submission(S.SENDING, sent_at=NOW - SECOND)
    submission(S.QUEUED, paused=True, enqueued_at=NOW - timedelta(days=1))

    found = set(Submission.objects.filter(needs_attention_q(now=NOW)).values_list("pk", flat=True))

    assert found == wanted


def test_attention_counts_each_kind_in_one_query(django_assert_num_queries) -> None:
    submission(S.EXHAUSTED)
    submission(S.UNCERTAIN)
    submission(S.UNCERTAIN)
    submission(S.QUEUED, enqueued_at=NOW - REQUEUE - SECOND)
    submission(S.QUEUED, enqueued_at=NOW)  # fresh
    submission(S.SENDING, sent_at=NOW - LEASE - SECOND)
    submission(S.RETRY_WAIT, next_attempt_at=NOW - RETRY_LOST_AFTER)
    submission(S.RETRY_WAIT, next_attempt_at=NOW - RETRY_LOST_AFTER, paused=True)  # held
    submission(S.REJECTED)

    with django_assert_num_queries(1):
        counts = attention_counts(Submission.objects.all(), now=NOW)

    assert counts == {
        "exhausted": 1,
        "uncertain": 2,
        "stuck_queued": 1,
        "stuck_sending": 1,
        "stuck_retry_wait": 1,
    }


def test_attention_counts_only_the_rows_it_is_given() -> None:
    mine, theirs = UserFactory(username="mine"), UserFactory(username="theirs")
    submission(S.EXHAUSTED, lead=LeadFactory(owner=mine))
    submission(S.EXHAUSTED, lead=LeadFactory(owner=theirs))

    counts = attention_counts(visible_submissions(mine), now=NOW)

    assert counts["exhausted"] == 1


# --- who sees what --------------------------------------------------------------------


def in_group(username: str, group: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


def with_permission(username: str, codename: str):
    user = UserFactory(username=username)
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def people() -> dict:
    return {
        "sales": in_group("alice", "Sales staff"),
        "other_sales": in_group("bob", "Sales staff"),
        "integration": in_group("ines", "Integration admins"),
        "manager": with_permission("maud", "view_all_leads"),
        # May open connections, but that is no licence to read everyone's leads.
        "connections_only": with_permission("cody", "view_connection"),
        "superuser": UserFactory(username="root", is_superuser=True),
        "inactive_superuser": UserFactory(username="gone", is_superuser=True, is_active=False),
    }


@pytest.fixture
def owned(people: dict) -> dict:
    """A lead and a submission per seller; the submission was queued by someone else (a
    manager's follow-up): it still belongs to the lead's owner."""
    rows = {}
    for role, other in (("sales", "other_sales"), ("other_sales", "sales")):
        lead = LeadFactory(owner=people[role])
        rows[role] = (lead, SubmissionFactory(lead=lead, created_by=people[other]))
    return rows


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("sales", {"sales"}),
        ("other_sales", {"other_sales"}),
        ("integration", {"sales", "other_sales"}),
        ("manager", {"sales", "other_sales"}),
        ("connections_only", set()),
        ("superuser", {"sales", "other_sales"}),
        ("inactive_superuser", set()),
    ],
)
def test_each_role_sees_its_own_or_everything(
    people: dict, owned: dict, role: str, sees: set[str]
) -> None:
    user = people[role]
    leads = {owned[r][0].pk for r in sees}
    submissions = {owned[r][1].pk for r in sees}

    assert set(visible_leads(user).values_list("pk", flat=True)) == leads
    assert set(visible_submissions(user).values_list("pk", flat=True)) == submissions
    # The single-row answer (change, delete and history pages) agrees with the lists.
    for lead, sent in owned.values():
        assert row_visible(user, lead) is (lead.pk in leads)
        assert row_visible(user, sent) is (sent.pk in submissions)
    assert sees_everything(user) is (sees == {"sales", "other_sales"})


def test_an_anonymous_visitor_sees_nothing(owned: dict) -> None:
    assert not visible_leads(AnonymousUser()).exists()
    assert not visible_submissions(AnonymousUser()).exists()
    assert not row_visible(AnonymousUser(), owned["sales"][0])


def test_a_lead_without_owner_is_seen_only_by_those_who_see_everything(people: dict) -> None:
    lead = LeadFactory(owner=None)
    assert not visible_leads(people["sales"]).filter(pk=lead.pk).exists()
    assert not row_visible(people["sales"], lead)
    assert visible_leads(people["integration"]).filter(pk=lead.pk).exists()
