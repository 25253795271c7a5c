"""A submission row: transitions, the claim that takes it for one worker, its attempts."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from leadhub.delivery.push import submission_push
from leadhub.delivery.rows import (
    CLAIMABLE,
    _claim_fields,
    _claim_unbounded,
    _claim_update,
    attempts_for,
    next_attempt_number,
    submission_claim,
    submission_settle,
    submission_transition,
)
from leadhub.models import AttemptKind, Submission
from leadhub.statuses import WAITING, InvalidTransition, SubmissionStatus
from sandbox.models import SandboxRecord
from tests.factories import (
    AttemptFactory,
    ConnectionFactory,
    DestinationFactory,
    SubmissionFactory,
)
from tests.leadhub.delivery.conftest import PAYLOAD
from vendors.models import Connection, Destination, PauseReason
from vendors.outcomes import Condition, Outcome
from vendors.results import Exchange, VendorResult

pytestmark = pytest.mark.django_db

S = SubmissionStatus


def on_connection(connection: Connection, **fields: object) -> Submission:
    return SubmissionFactory(destination=DestinationFactory(connection=connection), **fields)


def paused(reason: str, *, probe_in: timedelta | None = None) -> Connection:
    now = timezone.now()
    return ConnectionFactory(
        paused_at=now - timedelta(minutes=5),
        pause_reason=reason,
        probe_at=now + probe_in if probe_in is not None else None,
    )


# --- transitions -----------------------------------------------------------------------


def test_a_move_the_table_forbids_is_refused_and_nothing_is_saved() -> None:
    submission = SubmissionFactory(status=S.ACCEPTED)
    with pytest.raises(InvalidTransition):
        submission_transition(submission, S.SENDING, vendor_message="sent again")
    fresh = Submission.objects.get(pk=submission.pk)
    assert (fresh.status, fresh.vendor_message) == (S.ACCEPTED, "")


def test_an_allowed_move_saves_the_status_and_only_the_fields_given() -> None:
    submission = SubmissionFactory(status=S.SENDING, payload={"email": "a@example.com"})
    submission.payload = {"email": "changed in memory only"}
    submission_transition(submission, S.REJECTED, vendor_message="Refused", vendor_code="-5")
    fresh = Submission.objects.get(pk=submission.pk)
    assert (fresh.status, fresh.vendor_message, fresh.vendor_code) == (S.REJECTED, "Refused", "-5")
    assert fresh.payload == {"email": "a@example.com"}  # what others wrote is left alone


# --- the claim -------------------------------------------------------------------------


def test_what_a_claim_may_take_is_what_a_paused_connection_holds() -> None:
    assert set(CLAIMABLE) == WAITING


def test_a_due_row_is_claimed_once() -> None:
    submission = SubmissionFactory()
    claimed = submission_claim(submission.pk)
    assert claimed is not None
    assert (claimed.status, claimed.attempt_count) == (S.SENDING, 1)
    assert claimed.sent_at is not None and claimed.next_attempt_at is None
    assert submission_claim(submission.pk) is None
    assert Submission.objects.get(pk=submission.pk).attempt_count == 1


def test_a_retry_is_claimed_once_it_is_due_and_not_before() -> None:
    submission = SubmissionFactory(
        status=S.RETRY_WAIT,
        attempt_count=1,
        next_attempt_at=timezone.now() + timedelta(minutes=1),
    )
    assert submission_claim(submission.pk) is None
    fresh = Submission.objects.get(pk=submission.pk)
    assert (fresh.status, fresh.attempt_count) == (S.RETRY_WAIT, 1)

    Submission.objects.filter(pk=submission.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    claimed = submission_claim(submission.pk)
    assert claimed is not None
    assert (claimed.status, claimed.attempt_count) == (S.SENDING, 2)


@pytest.mark.parametrize("status", sorted(set(S) - WAITING))
def test_a_row_that_is_not_waiting_is_not_claimed(status: str) -> None:
    submission = SubmissionFactory(status=status, attempt_count=1)
    assert submission_claim(submission.pk) is None
    fresh = Submission.objects.get(pk=submission.pk)
    assert (fresh.status, fresh.attempt_count) == (status, 1)


def test_a_row_that_is_gone_is_not_claimed() -> None:
    assert submission_claim(987654) is None


@pytest.mark.parametrize(
    ("reason", "probe_in"),
    [
        (PauseReason.MANUAL, None),
        (PauseReason.CREDENTIALS, None),
        (PauseReason.FAILURES, timedelta(minutes=1)),  # still cooling down
    ],
    ids=["manual", "credentials", "failures-cooling-down"],
)
def test_a_paused_connections_row_is_not_claimed(reason: str, probe_in: timedelta | None) -> None:
    submission = on_connection(paused(reason, probe_in=probe_in))
    assert submission_claim(submission.pk) is None
    assert Submission.objects.get(pk=submission.pk).status == S.QUEUED


def test_a_connection_cooled_down_after_failures_lets_exactly_one_probe_through() -> None:
    connection = paused(PauseReason.FAILURES, probe_in=-timedelta(seconds=1))
    probe, other = on_connection(connection), on_connection(connection)
    claimed = submission_claim(probe.pk)
    assert claimed is not None and claimed.status == S.SENDING
    assert submission_claim(other.pk) is None
    assert Submission.objects.get(pk=other.pk).status == S.QUEUED
    connection.refresh_from_db()
    assert connection.probing_since is not None


def flowing() -> Connection:
    """A connection with no limit of its own that answered just now: unbounded."""
    return ConnectionFactory(last_success_at=timezone.now())


def test_a_row_of_an_unbounded_connection_is_claimed_once() -> None:
    submission = on_connection(flowing())
    claimed = submission_claim(submission.pk)
    assert claimed is not None and (claimed.status, claimed.attempt_count) == (S.SENDING, 1)
    assert submission_claim(submission.pk) is None
    fresh = Submission.objects.get(pk=submission.pk)
    assert (fresh.status, fresh.attempt_count, fresh.next_attempt_at) == (S.SENDING, 1, None)
    assert fresh.sent_at == claimed.sent_at and fresh.updated_at == claimed.updated_at


# Each case: the row's fields, what changed between the claim's read and its UPDATE, and
# whether the claim takes it.
RETRY = {"status": S.RETRY_WAIT, "attempt_count": 1}
CLAIM_CASES = {
    "due": ({}, {}, 1),
    "retry-due": (RETRY, {}, 1),
    "retry-not-due": (RETRY, {"next_attempt_at": timedelta(minutes=1)}, 0),
    "retry-due-now": (RETRY, {"next_attempt_at": -timedelta(seconds=1)}, 1),
    "taken-meanwhile": ({}, {"status": S.SENDING}, 0),
    "counted-meanwhile": ({}, {"attempt_count": 1}, 0),
    "changed-meanwhile": ({}, {"updated_at": timedelta(microseconds=1)}, 0),
    "paused-meanwhile": ({}, {"paused": True}, 0),
}


@pytest.mark.parametrize(
    ("fields", "meanwhile", "takes"), CLAIM_CASES.values(), ids=CLAIM_CASES.keys()
)
def test_the_unbounded_claims_statement_takes_what_the_orms_takes(
    fields: dict[str, object], meanwhile: dict[str, object], takes: int
) -> None:
    """The hand-written UPDATE and the ORM's one (the bounded path's) agree row for row."""
    now = timezone.now()
    taken = []
    for claim in (
        lambda row: _claim_unbounded(row, now),
        lambda row: _claim_update(row, now).update(**_claim_fields(row, now)),
    ):
        row = on_connection(flowing(), **fields)
        changes = {
            name: (
                getattr(row, name) + value
                if name == "updated_at"
                else now + value
                if isinstance(value, timedelta)
                else value
            )
            for name, value in meanwhile.items()
            if name != "paused"
        }
        if changes:
            Submission.objects.filter(pk=row.pk).update(**changes)
        if meanwhile.get("paused"):
            Connection.objects.filter(pk=row.connection_id).update(paused_at=now)
        taken.append(claim(row))
        fresh = Submission.objects.get(pk=row.pk)
        taken.append((fresh.status, fresh.attempt_count))
    assert taken[:2] == taken[2:]
    assert taken[0] == takes


def test_a_settled_row_keeps_every_field_as_its_column_stores_it() -> None:
    claimed = submission_claim(SubmissionFactory().pk)
    assert claimed is not None
    now = timezone.now()
    answer = {
        "vendor_message": "Rejected: “email” is taken",
        "vendor_code": "409",
        "field_errors": {"email": ["taken"]},
        "response_data": {"queue_status": "x", "nested": [1, None]},
        "links": [{"label": "Lead", "url": "https://example.com/1"}],
        "completed_at": now,
    }
    assert submission_settle(claimed, S.REJECTED, **answer)
    fresh = Submission.objects.values(*answer, "status").get(pk=claimed.pk)
    assert fresh == {**answer, "status": S.REJECTED}


def test_a_row_whose_lease_ran_out_is_not_settled() -> None:
    claimed = submission_claim(SubmissionFactory().pk)
    assert claimed is not None
    Submission.objects.filter(pk=claimed.pk).update(attempt_count=2)  # claimed again since
    assert not submission_settle(claimed, S.ACCEPTED, completed_at=timezone.now())
    assert Submission.objects.get(pk=claimed.pk).status == S.SENDING


@pytest.mark.django_db(transaction=True)
def test_a_claim_racing_another_claim_sends_nothing(leadbyte_destination: Destination) -> None:
    if db.vendor != "postgresql":
        pytest.skip("a real race needs two connections; SQLite serialises writers instead")
    submission = SubmissionFactory(destination=leadbyte_destination, payload=PAYLOAD)
    results = []

    def other_worker() -> None:
        results.append(submission_push(submission_id=submission.pk))
        db.close()

    with transaction.atomic():
        # This transaction is the first claim: it holds the row while the other arrives.
        locked = type(submission).objects.select_for_update().get(pk=submission.pk)
        thread = threading.Thread(target=other_worker)
        thread.start()
        time.sleep(0.5)  # the other claim is now waiting on the row lock
        locked.status = S.SENDING
        locked.save()
    thread.join(10)
    assert results == [None]  # it re-checked the row after the wait and found it taken
    assert SandboxRecord.objects.count() == 0


# --- attempts --------------------------------------------------------------------------


def exchange(purpose: str, *, error: str = "") -> Exchange:
    return Exchange(
        request={"url": f"https://vendor.test/{purpose}"},
        status_code=None if error else 200,
        response_body="",
        duration_ms=12,
        error=error,
        purpose=purpose,
    )


def test_the_first_attempt_of_a_row_is_number_one() -> None:
    assert next_attempt_number(SubmissionFactory()) == 1


def test_attempts_are_numbered_after_the_rows_last_and_the_last_carries_the_result() -> None:
    submission = SubmissionFactory()
    AttemptFactory(submission=submission)
    AttemptFactory(submission=submission)
    result = VendorResult(outcome=Outcome.ACCEPTED, message="Lead taken")
    login, send = attempts_for(
        submission, [exchange("login"), exchange("send")], result, AttemptKind.SEND
    )
    assert (login.number, send.number) == (3, 4)
    assert (login.outcome, login.condition, login.message) == ("", "", "login")
    assert (send.outcome, send.condition, send.message) == (
        Outcome.ACCEPTED,
        Condition.ACCEPTED,
        "Lead taken",
    )
    assert {login.kind, send.kind} == {AttemptKind.SEND}


def test_an_exchange_that_failed_says_why_whatever_the_result() -> None:
    result = VendorResult(outcome=Outcome.TRANSIENT, message="Try later")
    (attempt,) = attempts_for(
        SubmissionFactory(), [exchange("send", error="Connection refused")], result, "send"
    )
    assert attempt.message == "Connection refused"
    assert attempt.outcome == Outcome.TRANSIENT and attempt.status_code is None
