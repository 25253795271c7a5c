"""Outcome checks: what LeadByte's queue says later about a lead it took."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadhub.delivery.dispatcher import submissions_dispatch_due
from leadhub.delivery.outcome_checks import outcome_check_start, submission_check_outcome
from leadhub.delivery.push import submission_push
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

# How late the sandbox's "slow" answer comes; the client gives up at half of it.
LATE_ANSWER_SECONDS = 0.6

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
    assert "(Queued)" in submission.vendor_message
    _due_now(submission)
    submissions_dispatch_due()  # asks LeadByte's queue (tasks run inline in tests)
    submission.refresh_from_db()
    assert submission.vendor_outcome == "Valid"
    assert submission.vendor_message == "LeadByte's queue says Valid."  # not "(Queued)"
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


def _resent_after_a_lost_answer(
    push_to_leadbyte: PushToLeadByte,
    destination: Destination,
    payload: dict[str, str],
    fault: str = "truncated",
) -> Submission:
    """LeadByte takes the lead and its answer is lost (cut short, or too late); LeadHub
    sends it again (safe at a vendor that refuses what it has) and LeadByte answers -2."""
    sandbox_fault_set(
        destination.connection,
        fault,
        1,
        method="POST",
        delay_seconds=LATE_ANSWER_SECONDS if fault == "slow" else None,
    )
    submission = push_to_leadbyte(payload)
    if fault == "slow":
        time.sleep(LATE_ANSWER_SECONDS)  # the late answer is written before the resend
    assert submission.status == S.RETRY_WAIT
    Submission.objects.filter(pk=submission.pk).update(next_attempt_at=timezone.now())
    submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


@pytest.mark.parametrize("fault", ["truncated", "slow"])
def test_a_duplicate_of_leadhubs_own_unanswered_send_is_found_and_followed(
    settings,
    admin_client: Client,
    leadbyte_destination: Destination,
    push_to_leadbyte: PushToLeadByte,
    fault: str,
) -> None:
    settings.VENDOR_READ_TIMEOUT = LATE_ANSWER_SECONDS / 2
    submission = _resent_after_a_lost_answer(push_to_leadbyte, leadbyte_destination, PAYLOAD, fault)
    lost = submission.attempts.filter(kind="send").order_by("number").first()
    assert lost is not None
    assert lost.condition == {"slow": "no_answer", "truncated": "unreadable_answer"}[fault]
    assert submission.status == S.DUPLICATE and submission.vendor_reference == ""
    assert submission.vendor_message == (
        "LeadByte already had this lead from LeadHub's own earlier send, whose answer was "
        "lost; the resend was not added again. LeadHub is looking for that send to follow it."
    )
    assert submission.next_check_at is not None and submission.next_check_at <= timezone.now()
    first = SandboxRecord.objects.get(vendor="leadbyte", endpoint="leads", accepted=True)
    submissions_dispatch_due()  # finds the earlier send, then asks its queue
    submission.refresh_from_db()
    assert submission.vendor_reference == first.reference  # the first send's queueId
    assert submission.status == S.ACCEPTED and submission.vendor_outcome == "Valid"
    assert submission.vendor_message == (
        "LeadHub's own earlier send reached LeadByte (its answer was lost; the resend was "
        f"refused as a duplicate). Followed as {first.reference}: LeadByte's queue says Valid."
    )
    assert submission.response_data["earlier_send"]["lead_id"] == str(first.pk)
    search, queue = submission.attempts.filter(kind="outcome_check").order_by("number")
    assert search.request["url"].endswith("/leads/search") and "/apiqueue/" in queue.request["url"]
    assert "duplicate" not in submission.get_status_display().lower()
    page = admin_client.get(
        reverse("admin:leadhub_lead_change", args=[submission.lead_id])
    ).content.decode()
    assert f"Followed as {first.reference}" in page and "another lead or supplier" not in page


def test_an_own_send_found_later_rejected_by_leadbyte_takes_the_late_rejection(
    leadbyte_destination: Destination, push_to_leadbyte: PushToLeadByte
) -> None:
    payload = {**PAYLOAD, "phone1": "07911 120000"}  # HLR-rejected in LeadByte's queue
    submission = _resent_after_a_lost_answer(push_to_leadbyte, leadbyte_destination, payload)
    submission_check_outcome(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.REJECTED and submission.vendor_code == "-8"
    assert submission.vendor_message.startswith("LeadHub's own earlier send reached LeadByte")
    assert "LeadByte's queue says Invalid. The phone number failed" in submission.vendor_message


def test_an_own_send_found_without_a_queue_ref_is_named_but_not_followed(
    leadbyte_destination: Destination, push_to_leadbyte: PushToLeadByte
) -> None:
    submission = _resent_after_a_lost_answer(push_to_leadbyte, leadbyte_destination, PAYLOAD)
    first = SandboxRecord.objects.get(vendor="leadbyte", endpoint="leads", accepted=True)
    # LeadByte's article shows a found lead with "queue_ref": null.
    SandboxRecord.objects.filter(pk=first.pk).update(reference="")
    submission_check_outcome(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.DUPLICATE and submission.vendor_reference == ""
    assert submission.vendor_message.startswith(
        "LeadByte already had this lead from LeadHub's own earlier send"
    )
    assert f"LeadByte holds it as lead {first.pk}, received " in submission.vendor_message
    assert "its later outcome cannot be followed here" in submission.vendor_message
    assert submission.response_data["earlier_send"]["lead_id"] == str(first.pk)
    assert submission.next_check_at is None  # nothing more to ask
    checks = submission.attempts.filter(kind="outcome_check")
    assert [check.request["url"].rsplit("/", 2)[-2:] for check in checks] == [["leads", "search"]]


def test_an_own_send_not_found_is_looked_for_again_then_given_up(
    settings, leadbyte_destination: Destination, push_to_leadbyte: PushToLeadByte
) -> None:
    settings.SUBMISSION_OUTCOME_CHECK_DELAYS = [30]
    submission = _resent_after_a_lost_answer(push_to_leadbyte, leadbyte_destination, PAYLOAD)
    SandboxRecord.objects.filter(endpoint="leads").update(accepted=False)  # LeadByte forgot it
    submission_check_outcome(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.DUPLICATE and submission.vendor_reference == ""
    assert submission.vendor_message.endswith(
        "LeadByte's lead search does not find it. LeadHub has stopped looking."
    )
    assert submission.next_check_at is None


def test_someone_elses_duplicate_is_not_called_leadhubs_own_nor_followed(
    push_to_leadbyte: PushToLeadByte,
) -> None:
    push_to_leadbyte(PAYLOAD)  # another lead with the same email took LeadByte's place
    submission = push_to_leadbyte(PAYLOAD)
    assert submission.status == S.DUPLICATE
    assert submission.vendor_message == (
        "LeadByte already has this lead (duplicate or resubmission)."
    )
    assert submission.next_check_at is None
