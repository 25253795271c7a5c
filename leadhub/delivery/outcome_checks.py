"""Outcome checks: what a vendor says later about a lead it took (LeadByte's queue).

An accepted or quarantined lead to a vendor that ``reports_later`` is asked about on
``SUBMISSION_OUTCOME_CHECK_DELAYS``; a late rejection (an HLR check) or a release from
quarantine moves the row, anything else is noted and asked again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from leadhub.delivery.rows import attempts_for, locked_rows, submission_transition
from leadhub.models import Attempt, AttemptKind, Submission
from leadhub.statuses import REPORTED_LATER, SubmissionStatus
from vendors.clients import connection_client
from vendors.outcomes import Outcome
from vendors.results import VendorResult

S = SubmissionStatus


def outcome_check_delays() -> list[int]:
    return [int(d) for d in settings.SUBMISSION_OUTCOME_CHECK_DELAYS]


def outcome_check_start(
    submission: Submission, result: VendorResult, now: datetime
) -> dict[str, Any]:
    """The fields that book a submission's first outcome check, if its vendor reports later."""
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
        rows = locked_rows(Submission.objects.select_related("connection"), skip_locked=True)
        submission = rows.filter(pk=submission_id).first()
        if submission is None or submission.next_check_at is None:
            return None
        if submission.next_check_at > now or not submission.vendor_reference:
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
    reference = submission.vendor_reference
    reply = client.call(
        submission.operation, lambda: client.check_outcome(submission.operation, reference)
    )
    verdict = reply.value
    with transaction.atomic():
        locked = locked_rows(Submission.objects.all(), skip_locked=False).get(pk=submission.pk)
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
        if verdict is None:
            Submission.objects.filter(pk=locked.pk).update(next_check_at=later)
            return locked
        fields: dict[str, Any] = {
            "vendor_outcome": verdict.label,
            "vendor_outcome_at": timezone.now(),
            "next_check_at": None if verdict.final else later,
        }
        if verdict.outcome is Outcome.REJECTED and locked.status in REPORTED_LATER:
            submission_transition(
                locked,
                S.REJECTED,
                vendor_message=verdict.message,
                vendor_code=verdict.code,
                **fields,
            )
        elif (
            verdict.outcome is Outcome.ACCEPTED and locked.status == S.QUARANTINED and verdict.final
        ):
            submission_transition(locked, S.ACCEPTED, vendor_message=verdict.message, **fields)
        else:
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save(update_fields=[*fields, "updated_at"])
    return locked
