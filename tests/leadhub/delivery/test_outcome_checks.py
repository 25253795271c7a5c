"""Outcome checks: what LeadByte's queue says later about a lead it took."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadhub.delivery.dispatcher import submissions_dispatch_due
from leadhub.delivery.outcome_checks import outcome_check_start, submission_check_outcome
from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from sandbox.faults import sandbox_fault_set
from sandbox.models import SandboxRecord
from tests.factories import ConnectionFactory, DestinationFactory, SubmissionFactory
from tests.leadhub.conftest import PushToLeadByte
from tests.leadhub.delivery.conftest import PAYLOAD
from vendors.models import Destination
from vendors.outcomes import Outcome
from vendors.results import VendorResult

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus

TAKEN = VendorResult(
    outcome=Outcome.ACCEPTED,
    message="Lead taken",
    reference="queue-id-1",
    data={"queue_status": "Queued"},
)


def _due_now(submission: Submission) -> None:
    type(submission).objects.filter(pk=submission.pk).update(
        next_check_at=timezone.now(), next_attempt_at=None
    )


def test_leadbyte_queue_verdict_valid_is_shown_and_final(
    push_to_leadbyte: PushToLeadByte,
) -> None:
    submission = push_to_leadbyte(PAYLOAD)
    assert submission.status == S.ACCEPTED
    assert submission.next_check_at > timezone.now()  # booked, not yet due
    assert submission.vendor_outcome == "Queued"
    _due_now(submission)
    submissions_dispatch_due()  # asks LeadByte's queue (tasks run inline in tests)
    submission.refresh_from_db()
    assert submission.vendor_outcome == "Valid"
    assert submission.status == S.ACCEPTED
    assert submission.next_check_at is None
    check = submission.attempts.get(kind="outcome_check")
    assert "/apiqueue/" in check.request["url"] and check.status_code == 200


def test_an_invalid_verdict_after_acceptance_rejects_the_submission(
    push_to_leadbyte: PushToLeadByte,
) -> None:
    submission = push_to_leadbyte({**PAYLOAD, "phone1": "07911 120000"})
    _due_now(submission)
    submission_check_outcome(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.REJECTED
    assert submission.vendor_outcome == "Invalid"
    assert submission.vendor_code == "-8"
    assert "HLR" in submission.vendor_message


def test_a_late_rejection_in_the_nested_live_buyer_shape_keeps_its_reason(
    push_to_leadbyte: PushToLeadByte,
) -> None:
    submission = push_to_leadbyte({**PAYLOAD, "phone1": "07911 120001"})
    _due_now(submission)
    submission_check_outcome(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.REJECTED
    assert submission.vendor_code == "-8"
    assert submission.vendor_message == (
        "LeadByte's queue says Invalid. The phone number failed LeadByte's HLR check. HLR rejection"
    )


def test_an_outcome_check_that_fails_is_asked_again_later(
    settings, leadbyte_destination: Destination, push_to_leadbyte: PushToLeadByte
) -> None:
    settings.SUBMISSION_OUTCOME_CHECK_DELAYS = [30, 120]
    submission = push_to_leadbyte(PAYLOAD)
    _due_now(submission)
    sandbox_fault_set(leadbyte_destination.connection, "http_503", 1, method="GET")
    submission_check_outcome(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.vendor_outcome == "Queued"
    assert submission.next_check_at > timezone.now() + timedelta(seconds=100)
    assert submission.check_count == 1


def test_a_check_not_yet_due_asks_nothing(push_to_leadbyte: PushToLeadByte) -> None:
    submission = push_to_leadbyte(PAYLOAD)
    asked = SandboxRecord.objects.count()
    assert submission_check_outcome(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.check_count == 0 and submission.vendor_outcome == "Queued"
    assert SandboxRecord.objects.count() == asked
    assert not submission.attempts.filter(kind="outcome_check").exists()


def test_a_row_no_longer_reported_later_drops_its_check_and_asks_nothing() -> None:
    submission = SubmissionFactory(
        status=S.REJECTED,
        vendor_reference="queue-id-1",
        next_check_at=timezone.now() - timedelta(seconds=1),
    )
    assert submission_check_outcome(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.next_check_at is None and submission.check_count == 0
    assert not submission.attempts.exists()


def test_the_first_check_is_booked_for_a_vendor_that_reports_later(settings) -> None:
    settings.SUBMISSION_OUTCOME_CHECK_DELAYS = [30, 120]
    submission = SubmissionFactory()  # LeadByte
    now = timezone.now()
    assert outcome_check_start(submission, TAKEN, now) == {
        "next_check_at": now + timedelta(seconds=30),
        "check_count": 0,
        "vendor_outcome": "Queued",
        "vendor_outcome_at": now,
    }


def test_no_check_is_booked_without_a_reference_delays_or_a_vendor_that_reports_later(
    settings,
) -> None:
    settings.SUBMISSION_OUTCOME_CHECK_DELAYS = [30]
    leadbyte = SubmissionFactory()
    crmcom = SubmissionFactory(
        destination=DestinationFactory(connection=ConnectionFactory(kind="crmcom"))
    )
    now = timezone.now()
    unreferenced = VendorResult(outcome=Outcome.ACCEPTED, message="Lead taken")
    assert outcome_check_start(leadbyte, unreferenced, now) == {}
    assert outcome_check_start(crmcom, TAKEN, now) == {}
    settings.SUBMISSION_OUTCOME_CHECK_DELAYS = []
    assert outcome_check_start(leadbyte, TAKEN, now) == {}
