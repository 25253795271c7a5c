"""Outcome checks: what a vendor says later about a lead it took (LeadByte's queue).

An accepted or quarantined lead to a vendor that ``reports_later`` is asked about on
``SUBMISSION_OUTCOME_CHECK_DELAYS``; a late rejection (an HLR check) or a release from
quarantine moves the row, anything else is noted and asked again.

A resend refused as a duplicate after this submission's own earlier send went unanswered
(no answer, an answer cut short or unreadable, a worker lost mid-send) is LeadHub's own
lead at the vendor, not someone else's: it is said so, and where the vendor can find a lead
by what was sent (``finds_earlier_sends``), the checks look for that earlier send, take its
reference (LeadByte's queueId) and follow it like any other; the row then takes the earlier
send's outcome (accepted, quarantined or rejected).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from leadhub.delivery.rows import attempts_for, locked_rows, submission_transition
from leadhub.models import Attempt, AttemptKind, Submission
from leadhub.statuses import REPORTED_LATER, SubmissionStatus
from vendors.base import VendorAdapter
from vendors.clients import connection_client
from vendors.outcomes import Condition, Outcome
from vendors.results import EarlierSend, OutcomeCheck, VendorResult

S = SubmissionStatus

# What an earlier send's outcome makes of a duplicate that was that very send.
EARLIER_SEND_STATUS: dict[Outcome, str] = {
    Outcome.ACCEPTED: S.ACCEPTED,
    Outcome.QUARANTINED: S.QUARANTINED,
    Outcome.REJECTED: S.REJECTED,
}
# The conditions of a send whose answer never reached LeadHub whole.
LOST_ANSWERS = (Condition.NO_ANSWER, Condition.UNREADABLE_ANSWER)


@dataclass(frozen=True)
class Asked:
    """What one check learned: the vendor's word on the lead, and the earlier send it
    found this time (for a duplicate of LeadHub's own send)."""

    check: OutcomeCheck | None
    found: EarlierSend | None = None


def outcome_check_delays() -> list[int]:
    return [int(d) for d in settings.SUBMISSION_OUTCOME_CHECK_DELAYS]


def earlier_answer_lost(submission: Submission) -> bool:
    """Whether an earlier send of this submission may have reached the vendor unanswered."""
    sends = Q(kind=AttemptKind.SEND, condition__in=LOST_ANSWERS)
    return submission.attempts.filter(sends | Q(kind=AttemptKind.LOST)).exists()


def answer_lost_in(attempts: Iterable[Attempt]) -> bool:
    """``earlier_answer_lost`` for attempts already read (a page's prefetched list)."""
    return any(
        attempt.kind == AttemptKind.LOST
        or (attempt.kind == AttemptKind.SEND and attempt.condition in LOST_ANSWERS)
        for attempt in attempts
    )


def outcome_check_start(
    submission: Submission, result: VendorResult, now: datetime
) -> dict[str, Any]:
    """The fields that book a submission's first outcome check, if its vendor reports later
    (for a duplicate: if it was this submission's own earlier send, said so)."""
    adapter_class = submission.connection.adapter_class
    if result.outcome is Outcome.DUPLICATE:
        return _own_duplicate_start(submission, adapter_class, now)
    if not adapter_class.reports_later or not result.reference or not outcome_check_delays():
        return {}
    return {
        "next_check_at": now + timedelta(seconds=outcome_check_delays()[0]),
        "check_count": 0,
        "vendor_outcome": str(result.data.get("queue_status", "")) if result.data else "",
        "vendor_outcome_at": now,
    }


def own_duplicate_message(vendor: str) -> str:
    return (
        f"{vendor} already had this lead from LeadHub's own earlier send, whose answer was "
        "lost; the resend was not added again."
    )


def _own_duplicate_start(
    submission: Submission, adapter_class: type[VendorAdapter], now: datetime
) -> dict[str, Any]:
    if not earlier_answer_lost(submission):
        return {}  # someone else's lead: the vendor's own words stand
    message = own_duplicate_message(adapter_class.label)
    follows = adapter_class.finds_earlier_sends and adapter_class.reports_later
    if not follows or not outcome_check_delays():
        return {"vendor_message": message}
    return {
        "vendor_message": f"{message} LeadHub is looking for that send to follow it.",
        "next_check_at": now,  # the search can find it at once
        "check_count": 0,
    }


def submission_check_outcome(*, submission_id: int) -> Submission | None:
    """Ask the vendor what became of a lead it took; apply a late rejection or release."""
    now = timezone.now()
    with transaction.atomic():
        rows = locked_rows(
            Submission.objects.select_related("connection", "campaign"), skip_locked=True
        )
        submission = rows.filter(pk=submission_id).first()
        if submission is None or submission.next_check_at is None:
            return None
        finding = submission.status == S.DUPLICATE and not submission.vendor_reference
        if submission.next_check_at > now or not (submission.vendor_reference or finding):
            return None
        if submission.status not in REPORTED_LATER:
            Submission.objects.filter(pk=submission.pk).update(next_check_at=None)
            return None
        # A lease: if this worker dies, the dispatcher asks again after it.
        lease = now + timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
        Submission.objects.filter(pk=submission.pk).update(
            next_check_at=lease, check_count=submission.check_count + 1
        )
        submission.check_count += 1
    client = connection_client(submission.connection)
    reply = client.call(submission.operation, lambda: _ask(client, submission))
    asked = reply.value
    with transaction.atomic():
        locked = locked_rows(Submission.objects.all(), skip_locked=False).get(pk=submission.pk)
        verdict = asked.check if asked is not None else None
        Attempt.objects.bulk_create(
            attempts_for(
                locked, reply.exchanges, verdict or reply.failure, AttemptKind.OUTCOME_CHECK
            )
        )
        delays = outcome_check_delays()
        later = (
            now + timedelta(seconds=delays[locked.check_count])
            if locked.check_count < len(delays)
            else None
        )
        if asked is None:
            Submission.objects.filter(pk=locked.pk).update(next_check_at=later)
        elif locked.status == S.DUPLICATE:
            _apply_earlier_send(locked, asked, later, client.label)
        elif verdict is not None:
            _apply_verdict(locked, verdict, later)
    return locked


def _ask(client: VendorAdapter, submission: Submission) -> Asked:
    """The vendor's word on the lead: its queue, after finding the earlier send first when
    the submission has no reference of its own yet."""
    operation = submission.operation
    if submission.vendor_reference:
        return Asked(client.check_outcome(operation, submission.vendor_reference))
    campaign_id = submission.campaign.vendor_id if submission.campaign else ""
    found = client.find_earlier_send(operation, submission.payload, campaign_id)
    if found is None or not found.reference:
        return Asked(None, found)
    return Asked(client.check_outcome(operation, found.reference), found)


def _apply_verdict(locked: Submission, verdict: OutcomeCheck, later: datetime | None) -> None:
    fields: dict[str, Any] = {
        "vendor_outcome": verdict.label,
        "vendor_outcome_at": timezone.now(),
        "next_check_at": None if verdict.final else later,
    }
    if verdict.outcome is Outcome.REJECTED and locked.status in REPORTED_LATER:
        submission_transition(
            locked, S.REJECTED, vendor_message=verdict.message, vendor_code=verdict.code, **fields
        )
    elif verdict.outcome is Outcome.ACCEPTED and locked.status == S.QUARANTINED and verdict.final:
        submission_transition(locked, S.ACCEPTED, vendor_message=verdict.message, **fields)
    else:
        # The line staff read follows the verdict: "Valid", not the send's "(Queued)".
        if verdict.message:
            fields["vendor_message"] = verdict.message
        _save(locked, fields)


def _apply_earlier_send(
    locked: Submission, asked: Asked, later: datetime | None, vendor: str
) -> None:
    """A duplicate of LeadHub's own earlier send: not found yet (look again), found without
    a reference to follow (said so, stop), or found and followed (its outcome is the row's)."""
    found, verdict = asked.found, asked.check
    own = own_duplicate_message(vendor)
    if found is None:
        again = "LeadHub will look again." if later else "LeadHub has stopped looking."
        _save(
            locked,
            {
                "vendor_message": f"{own} {vendor}'s lead search does not find it. {again}",
                "next_check_at": later,
            },
        )
        return
    response_data = {
        **(locked.response_data or {}),
        "earlier_send": {"lead_id": found.vendor_id, "received": found.received},
    }
    if verdict is None or not found.reference:
        message = (
            f"{own} {vendor} holds it as lead {found.vendor_id}"
            f"{', received ' + found.received if found.received else ''}; {vendor} gives no "
            "reference to follow it by, so its later outcome cannot be followed here."
        )
        _save(
            locked,
            {"vendor_message": message, "response_data": response_data, "next_check_at": None},
        )
        return
    message = (
        f"LeadHub's own earlier send reached {vendor} (its answer was lost; the resend was "
        f"refused as a duplicate). Followed as {found.reference}: {verdict.message}"
    )
    submission_transition(
        locked,
        EARLIER_SEND_STATUS[verdict.outcome],
        vendor_reference=found.reference,
        vendor_message=message,
        vendor_code=verdict.code,
        vendor_outcome=verdict.label,
        vendor_outcome_at=timezone.now(),
        response_data=response_data,
        next_check_at=None if verdict.final else later,
    )


def _save(locked: Submission, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
