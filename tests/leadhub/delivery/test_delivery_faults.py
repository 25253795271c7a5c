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

from leadhub.delivery.push import submission_push
from leadhub.demo import demo_connections_ensure, demo_destinations_ensure
from leadhub.models import Submission
from leadhub.services.leads import destination_payload_build
from leadhub.statuses import SubmissionStatus
from sandbox.faults import fault_prefix, sandbox_fault_set
from sandbox.models import FaultMode, SandboxRecord
from tests.factories import LeadFactory
from vendors.connection_state import connection_resume
from vendors.models import Destination, PauseReason
from vendors.registry import adapter_class, implemented_kinds

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
    """A destination of this vendor (from the demo `make run` sets up) and what a valid lead
    needs beyond the contact details."""

    destination: str
    values: dict = field(default_factory=dict)
    # Only requests under this path (after the connection's base URL) fail: the lead's own
    # call, not a login before it.
    fault_path: str = ""
    # Where this vendor's own rules differ from the generic expectation:
    # {mode: lambda dedupe: Expect(...)}.
    expect: dict[str, Callable[[bool], Expect]] = field(default_factory=dict)


def _by_column(dedupe: Expect, no_dedupe: Expect) -> Callable[[bool], Expect]:
    """One expectation with duplicate protection, the other without."""
    return lambda protected: dedupe if protected else no_dedupe


def _in_both_columns(expect: Expect) -> Callable[[bool], Expect]:
    return _by_column(expect, expect)


_rejected = _in_both_columns(Expect(S.REJECTED, sends=1, received=0, accepted=0))
_uncertain_or_retried = _by_column(
    Expect(S.ACCEPTED, sends=2, received=1, accepted=1),
    Expect(S.UNCERTAIN, sends=1, received=0, accepted=0),
)
_renewed = _in_both_columns(Expect(S.ACCEPTED, sends=1, received=1, accepted=1))
# Getlead updates the enquiry it already has: it holds the lead once, recorded twice.
_merged_on_resend = _by_column(
    Expect(S.ACCEPTED, sends=2, received=2, accepted=2),
    Expect(S.UNCERTAIN, sends=1, received=1, accepted=1),
)


VENDOR_SAMPLES: dict[str, VendorSample] = {
    "leadbyte": VendorSample("LeadByte · Example Campaign A", {"data13": "Volvo"}),
    "salesbyte": VendorSample(
        "SalesByte · Lead (brand awareness)",
        # SalesByte has no error body under HTTP 200: an answer it never gives may hide a
        # created lead.
        expect={"error_200": _uncertain_or_retried},
    ),
    "crmcom": VendorSample(
        "CRM.COM · Web lead",
        fault_path="crmapi/rest/v2/leads/create",
        # CRM.COM has no "try later" code: its error envelope under HTTP 200 is a refusal.
        # An expired token is renewed once and the lead sent again, within the one send.
        expect={"error_200": _rejected, "expired_token": _renewed},
    ),
    "getlead": VendorSample(
        "Getlead · Website enquiry",
        # Getlead answers "fail" for every refusal; none means "try later".
        expect={
            "error_200": _rejected,
            "slow": _merged_on_resend,
            "truncated": _merged_on_resend,
            "deep_json": _merged_on_resend,
            "drip": _merged_on_resend,
        },
    ),
}

CONTACT = {
    "first_name": "Katherine",
    "last_name": "Johnson",
    "email": "katherine.johnson@example.com",
    "phone": "07911 123456",
    "company": "NASA",
}


RETRIED = (FaultMode.HTTP_503, FaultMode.RATE_LIMITED, FaultMode.ERROR_200)
# A 500, or a gateway's 502 (the HTML error page too), may come after the vendor wrote the
# lead: resent only where the vendor refuses what it has, else held for a person.
MAY_HAVE_WRITTEN = (FaultMode.HTTP_500, FaultMode.HTTP_502, FaultMode.HTML_ERROR)


def generic_expectation(mode: str, dedupe: bool) -> Expect:
    """What the outcome table (vendors.outcomes) promises for one fault, then a clean run."""
    if mode in RETRIED:
        return Expect(S.ACCEPTED, sends=2, received=1, accepted=1)
    if mode in MAY_HAVE_WRITTEN:
        return _uncertain_or_retried(dedupe)
    if mode == FaultMode.RESET:  # dropped before the vendor read it
        if dedupe:
            return Expect(S.ACCEPTED, sends=2, received=1, accepted=1)
        return Expect(S.UNCERTAIN, sends=1, received=0, accepted=0)
    if mode in (FaultMode.SLOW, FaultMode.TRUNCATED, FaultMode.DRIP, FaultMode.DEEP_JSON):
        # The vendor took it; the answer is lost (late, cut, never finished or unreadable).
        if dedupe:
            # Sent again, refused as a duplicate: the vendor holds the lead once.
            return Expect(S.DUPLICATE, sends=2, received=2, accepted=1)
        return Expect(S.UNCERTAIN, sends=1, received=1, accepted=1)
    if mode == FaultMode.ECHO:  # a 400 that quotes the request: refused, never resent
        return Expect(S.REJECTED, sends=1, received=0, accepted=0)
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
            assert connection.pause_reason == PauseReason.CREDENTIALS, connection.pause_message
            assert submission.status == S.RETRY_WAIT  # held, not lost
            connection_resume(connection_id=connection.pk)  # sends it (tasks run inline)
            continue
        if submission.status != S.RETRY_WAIT:
            break
        Submission.objects.filter(pk=submission.pk).update(next_attempt_at=timezone.now())
        submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    return paused


def _columns(kind: str) -> tuple[bool, ...]:
    """The vendor as it is; a vendor with duplicate protection also as if it had none (the
    cautious column). Pretending a vendor refuses resent leads when it does not would only
    prove that it then gets them twice."""
    return (True, False) if adapter_class(kind).rejects_resent_leads else (False,)


CASES = [
    (kind, mode, dedupe)
    for kind in implemented_kinds()
    for mode in FaultMode.values
    for dedupe in _columns(kind)
]


@pytest.mark.parametrize(
    ("kind", "mode", "dedupe"),
    CASES,
    ids=[f"{k}-{m}-{'dedupe' if d else 'no-dedupe'}" for k, m, d in CASES],
)
def test_fault_matrix(live_server, settings, monkeypatch, kind: str, mode: str, dedupe: bool):
    sample = VENDOR_SAMPLES.get(kind)
    if sample is None:
        pytest.fail(f"Add a VendorSample for {kind!r} to VENDOR_SAMPLES in {__name__}")
    settings.VENDOR_READ_TIMEOUT = 1.0
    settings.VENDOR_DEADLINE = 2.0
    settings.SUBMISSION_RETRY_DELAYS = [10, 60, 300]
    monkeypatch.setattr(
        adapter_class(kind), "resends_safely", classmethod(lambda cls, op="": dedupe)
    )
    demo_connections_ensure(live_server.url)
    demo_destinations_ensure(lambda message: None)
    destination = Destination.objects.get(name=sample.destination)
    SandboxRecord.objects.all().delete()  # what the demo set-up itself sent
    submission = Submission.objects.create(
        lead=LeadFactory(),
        destination=destination,
        connection=destination.connection,
        operation=destination.operation,
        campaign=destination.campaign,
        payload=destination_payload_build(
            destination=destination, contact=CONTACT, values=sample.values
        ),
    )
    target = fault_prefix(destination.connection) + sample.fault_path
    # Slow: one late answer, past the read timeout. Drip: a byte every 0.4 s, every read in
    # time, the whole answer never.
    delay = 0.4 if mode == FaultMode.DRIP else 1.5
    sandbox_fault_set(target, mode, 1, retry_after=120, delay_seconds=delay)
    override = sample.expect.get(mode)
    expect = override(dedupe) if override else generic_expectation(mode, dedupe)

    if mode == FaultMode.RATE_LIMITED:
        before = timezone.now()
        submission_push(submission_id=submission.pk)
        submission.refresh_from_db()
        # Retry-After (120 s) beats the first delay (10 s).
        assert submission.next_attempt_at >= before + timedelta(seconds=119)

    paused = drive(submission)
    if mode == FaultMode.SLOW:
        time.sleep(0.6)  # let the sandbox's slow answer finish before the server stops
    if mode == FaultMode.DRIP:
        # The exchange that decided the first send was cut at the deadline, answer and all.
        cut = submission.attempts.filter(condition="no_answer").get()
        assert cut.message == "The vendor did not finish answering within 2 s."
        assert cut.status_code == 200 and cut.response_body
        assert 2000 <= cut.duration_ms < 3000

    # What the vendor received of the lead itself (not logins before it).
    records = SandboxRecord.objects.filter(vendor=kind).exclude(endpoint__contains="token")
    assert (submission.status, submission.attempt_count) == (expect.status, expect.sends), (
        submission.vendor_message
    )
    assert records.count() == expect.received
    assert records.filter(accepted=True).count() == expect.accepted
    assert paused == expect.paused
    # Every send is on record with its exchange; the failed one says what happened.
    sends = submission.attempts.filter(kind="send").order_by("number")
    assert sends.count() >= expect.sends  # a login before the lead is an exchange too
    if expect.sends > 1 or expect.status == S.UNCERTAIN:
        assert sends.exclude(outcome="").first().outcome in ("transient", "uncertain")
    judged = sends.exclude(outcome="").first()  # the exchange that decided the first send
    assert judged.message


def test_every_fault_mode_has_an_expectation() -> None:
    for mode in FaultMode.values:
        for dedupe in (True, False):
            assert generic_expectation(mode, dedupe).status in S.values
