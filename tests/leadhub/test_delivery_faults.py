"""The fault matrix: every sandbox fault mode x every implemented vendor, over real HTTP.

Each case sends one valid lead through the real pipeline (claim → send → record) while the
sandbox misbehaves once, lets retries happen, and checks the final state, the number of
sends, and how many times the sandbox received the lead. Every case runs twice: as the
vendor really is, and as if it had no duplicate protection (``rejects_resent_leads``
flipped), so both columns of the outcome table are proven.

A vendor added to vendors.registry needs one entry in ``VENDOR_SAMPLES``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from leadhub.models import Submission
from leadhub.services.connections import connection_resume
from leadhub.services.submissions import submission_push
from leadhub.statuses import SubmissionStatus
from tests.conftest import LEADBYTE_KEY
from tests.factories import ConnectionFactory, DestinationFactory, LeadFactory
from vendors.models import Campaign, Destination, PauseReason
from vendors.registry import adapter_class, implemented_kinds
from vendors.sandbox.faults import sandbox_fault_set
from vendors.sandbox.models import FaultMode, SandboxRecord
from vendors.services import campaigns_sync

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus


@dataclass(frozen=True)
class Expect:
    status: str
    sends: int
    received: int  # how many times the sandbox got the lead (accepted or refused)
    accepted: int  # how many times it took it
    paused: bool = False  # the connection paused itself on the way


@dataclass(frozen=True)
class VendorSample:
    """How to make a destination of this vendor on the sandbox, and a valid lead for it."""

    destination: Callable[[str], Destination]
    payload: Callable[[], dict]
    # Where this vendor differs from the generic expectation (by fault mode).
    expect: dict[str, Expect] = field(default_factory=dict)


def leadbyte_destination(sandbox: str) -> Destination:
    connection = ConnectionFactory(
        kind="leadbyte",
        base_url=f"{sandbox}leadbyte/",
        credentials={"api_key": LEADBYTE_KEY},
    )
    campaigns_sync(connection=connection)
    campaign = Campaign.objects.get(connection=connection, reference="EXAMPLE-CAMPAIGN")
    return DestinationFactory(connection=connection, campaign=campaign, fixed_values={"sid": "1"})


def leadbyte_payload() -> dict:
    return {
        "campid": "EXAMPLE-CAMPAIGN",
        "sid": "1",
        "email": "katherine.johnson@example.com",
        "firstname": "Katherine",
        "lastname": "Johnson",
        "data13": "Volvo",
        "phone1": "07911 123456",
    }


VENDOR_SAMPLES: dict[str, VendorSample] = {
    "leadbyte": VendorSample(leadbyte_destination, leadbyte_payload),
}

RETRIED = (
    FaultMode.HTTP_500,
    FaultMode.HTTP_502,
    FaultMode.HTTP_503,
    FaultMode.RATE_LIMITED,
    FaultMode.HTML_ERROR,
    FaultMode.ERROR_200,
)


def generic_expectation(mode: str, dedupe: bool) -> Expect:
    """What the outcome table (vendors.outcomes) promises for one fault, then a clean run."""
    if mode in RETRIED:
        return Expect(S.ACCEPTED, sends=2, received=1, accepted=1)
    if mode == FaultMode.RESET:  # dropped before the vendor read it
        if dedupe:
            return Expect(S.ACCEPTED, sends=2, received=1, accepted=1)
        return Expect(S.UNCERTAIN, sends=1, received=0, accepted=0)
    if mode in (FaultMode.SLOW, FaultMode.TRUNCATED):  # the vendor took it; the answer is lost
        if dedupe:
            # Sent again, refused as a duplicate: the vendor holds the lead once.
            return Expect(S.DUPLICATE, sends=2, received=2, accepted=1)
        return Expect(S.UNCERTAIN, sends=1, received=1, accepted=1)
    if mode == FaultMode.EXPIRED_TOKEN:
        # A refused credential pauses the connection; the lead waits and goes on resume.
        return Expect(S.ACCEPTED, sends=2, received=1, accepted=1, paused=True)
    raise AssertionError(f"no expectation for {mode}")


def drive(submission: Submission) -> bool:
    """Push, then let every retry happen at once; resume a paused connection (as an admin
    would). Return whether the connection paused on the way."""
    paused = False
    submission_push(submission_id=submission.pk)
    for _ in range(8):
        submission.refresh_from_db()
        connection = submission.connection
        connection.refresh_from_db()
        if connection.is_paused:
            paused = True
            assert connection.pause_reason == PauseReason.CREDENTIALS
            assert submission.status == S.RETRY_WAIT  # held, not lost
            connection_resume(connection_id=connection.pk)  # sends it (tasks run inline)
            continue
        if submission.status != S.RETRY_WAIT:
            break
        Submission.objects.filter(pk=submission.pk).update(next_attempt_at=timezone.now())
        submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    return paused


CASES = [
    (kind, mode, dedupe)
    for kind in implemented_kinds()
    for mode in FaultMode.values
    for dedupe in (True, False)
]


@pytest.mark.parametrize(
    ("kind", "mode", "dedupe"),
    CASES,
    ids=[f"{k}-{m}-{'dedupe' if d else 'no-dedupe'}" for k, m, d in CASES],
)
def test_fault_matrix(sandbox: str, settings, monkeypatch, kind: str, mode: str, dedupe: bool):
    sample = VENDOR_SAMPLES.get(kind)
    if sample is None:
        pytest.fail(f"Add a VendorSample for {kind!r} to VENDOR_SAMPLES in {__name__}")
    settings.VENDOR_READ_TIMEOUT = 1.0
    settings.SUBMISSION_RETRY_DELAYS = [10, 60, 300]
    monkeypatch.setattr(adapter_class(kind), "rejects_resent_leads", dedupe)
    destination = sample.destination(sandbox)
    submission = Submission.objects.create(
        lead=LeadFactory(),
        destination=destination,
        connection=destination.connection,
        operation=destination.operation,
        campaign=destination.campaign,
        payload=sample.payload(),
    )
    sandbox_fault_set(destination.connection, mode, 1, retry_after=120, delay_seconds=1.5)
    expect = sample.expect.get(mode) or generic_expectation(mode, dedupe)

    if mode == FaultMode.RATE_LIMITED:
        before = timezone.now()
        submission_push(submission_id=submission.pk)
        submission.refresh_from_db()
        # Retry-After (120 s) beats the first delay (10 s).
        assert submission.next_attempt_at >= before + timedelta(seconds=119)

    paused = drive(submission)
    if mode == FaultMode.SLOW:
        time.sleep(0.6)  # let the sandbox's slow answer finish before the server stops

    records = SandboxRecord.objects.filter(vendor=kind)
    assert (submission.status, submission.attempt_count) == (expect.status, expect.sends), (
        submission.vendor_message
    )
    assert records.count() == expect.received
    assert records.filter(accepted=True).count() == expect.accepted
    assert paused == expect.paused
    # Every send is on record with its exchange; the failed one says what happened.
    sends = submission.attempts.filter(kind="send").order_by("number")
    assert sends.count() == expect.sends
    assert sends.first().outcome in ("transient", "uncertain")
    assert sends.first().message


def test_every_fault_mode_has_an_expectation() -> None:
    for mode in FaultMode.values:
        for dedupe in (True, False):
            assert generic_expectation(mode, dedupe).status in S.values
