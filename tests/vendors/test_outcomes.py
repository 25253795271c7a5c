"""The one table: what every condition a vendor call comes to means for delivery."""

from __future__ import annotations

import pytest

from vendors.base import VendorAdapter
from vendors.crmcom import CrmCom
from vendors.getlead import (
    ADD_NOTE,
    ASSIGN_DEPARTMENT,
    CHANGE_STATUS,
    CREATE_DEAL,
    CREATE_LEAD,
    CREATE_TASK,
    Getlead,
)
from vendors.leadbyte import LeadByte
from vendors.outcomes import (
    OUTCOME_TABLE,
    Condition,
    Outcome,
    condition_for_status,
    outcome_for,
    resend_is_safe,
    rule_for,
)
from vendors.registry import adapter_class, implemented_kinds
from vendors.salesbyte import SalesByte

C, OUT = Condition, Outcome

# The table restated: (with dedupe, without dedupe, pauses, trips breaker, honours Retry-After).
EXPECTED = {
    C.ACCEPTED: (OUT.ACCEPTED, OUT.ACCEPTED, False, False, False),
    C.QUARANTINED: (OUT.QUARANTINED, OUT.QUARANTINED, False, False, False),
    C.DUPLICATE: (OUT.DUPLICATE, OUT.DUPLICATE, False, False, False),
    C.INVALID: (OUT.REJECTED, OUT.REJECTED, False, False, False),
    C.REFUSED: (OUT.REJECTED, OUT.REJECTED, False, False, False),
    C.CLIENT_ERROR: (OUT.REJECTED, OUT.REJECTED, False, False, False),
    C.CREDENTIALS_REFUSED: (OUT.TRANSIENT, OUT.TRANSIENT, True, False, False),
    C.TOKEN_EXPIRED: (OUT.TRANSIENT, OUT.TRANSIENT, False, True, False),
    C.UNREACHABLE: (OUT.TRANSIENT, OUT.TRANSIENT, False, True, False),
    C.SERVER_ERROR: (OUT.TRANSIENT, OUT.UNCERTAIN, False, True, True),
    C.UNAVAILABLE: (OUT.TRANSIENT, OUT.TRANSIENT, False, True, True),
    C.REQUEST_TIMEOUT: (OUT.TRANSIENT, OUT.TRANSIENT, False, True, True),
    C.RATE_LIMITED: (OUT.TRANSIENT, OUT.TRANSIENT, False, True, True),
    C.VENDOR_TROUBLE: (OUT.TRANSIENT, OUT.TRANSIENT, False, True, True),
    C.NO_ANSWER: (OUT.TRANSIENT, OUT.UNCERTAIN, False, True, False),
    C.UNREADABLE_ANSWER: (OUT.TRANSIENT, OUT.UNCERTAIN, False, True, False),
    C.MAY_HAVE_TAKEN: (OUT.TRANSIENT, OUT.UNCERTAIN, False, True, False),
}


class Deduplicating:
    """A vendor that refuses a lead it already has, for every operation."""

    @classmethod
    def resends_safely(cls, operation: str = "") -> bool:
        return True


class Forgetful:
    """A vendor that takes the same lead twice."""

    @classmethod
    def resends_safely(cls, operation: str = "") -> bool:
        return False


def test_every_condition_has_exactly_one_rule() -> None:
    assert set(OUTCOME_TABLE) == set(Condition)
    assert set(EXPECTED) == set(Condition)


@pytest.mark.parametrize("condition", list(Condition))
def test_each_rule_reads_as_the_table_says(condition: Condition) -> None:
    rule = rule_for(condition)
    assert (
        rule.with_dedupe,
        rule.without_dedupe,
        rule.pauses_connection,
        rule.trips_breaker,
        rule.honours_retry_after,
    ) == EXPECTED[condition]


@pytest.mark.parametrize("condition", list(Condition))
def test_the_dedupe_column_is_chosen_by_the_vendor(condition: Condition) -> None:
    with_dedupe, without_dedupe, *_ = EXPECTED[condition]
    assert outcome_for(condition, Deduplicating) is with_dedupe
    assert outcome_for(condition, Forgetful) is without_dedupe


def test_only_a_send_that_may_have_arrived_depends_on_the_vendor() -> None:
    differing = {c for c, rule in OUTCOME_TABLE.items() if rule.with_dedupe != rule.without_dedupe}
    assert differing == {C.NO_ANSWER, C.UNREADABLE_ANSWER, C.MAY_HAVE_TAKEN, C.SERVER_ERROR}
    # Held for a person without protection, never rejected or accepted by guess.
    assert {OUTCOME_TABLE[c].without_dedupe for c in differing} == {OUT.UNCERTAIN}


def test_a_condition_that_pauses_the_connection_does_not_also_count_failures() -> None:
    pausing = [c for c, rule in OUTCOME_TABLE.items() if rule.pauses_connection]
    assert pausing == [C.CREDENTIALS_REFUSED]
    assert not rule_for(C.CREDENTIALS_REFUSED).trips_breaker


def test_only_transient_or_uncertain_outcomes_count_towards_the_breaker() -> None:
    for condition, rule in OUTCOME_TABLE.items():
        if rule.trips_breaker:
            assert rule.with_dedupe in (OUT.TRANSIENT, OUT.UNCERTAIN), condition
            assert rule.without_dedupe in (OUT.TRANSIENT, OUT.UNCERTAIN), condition


def test_rule_for_takes_the_stored_string_and_refuses_an_unknown_one() -> None:
    assert rule_for("no_answer") is OUTCOME_TABLE[C.NO_ANSWER]
    with pytest.raises(ValueError, match="nonsense"):
        rule_for("nonsense")


@pytest.mark.parametrize(
    ("status", "condition"),
    [
        (401, C.CREDENTIALS_REFUSED),
        (408, C.REQUEST_TIMEOUT),
        (429, C.RATE_LIMITED),
        *[(status, C.CLIENT_ERROR) for status in (400, 403, 404, 409, 422, 499)],
        *[(status, C.SERVER_ERROR) for status in (500, 502, 504, 599)],
        (503, C.UNAVAILABLE),
    ],
)
def test_condition_for_status(status: int, condition: Condition) -> None:
    assert condition_for_status(status) is condition


# Whether a lost answer may be sent again, per vendor: what the outbox relies on.
RESENDS_SAFELY = {
    "leadbyte": True,  # answers -2 to a lead it has
    "salesbyte": False,  # no duplicate protection
    "crmcom": False,
    "getlead": True,  # keys leads on the phone (its lead operation)
}


def test_every_registered_vendor_says_whether_it_resends_safely() -> None:
    assert set(RESENDS_SAFELY) == set(implemented_kinds())


@pytest.mark.parametrize("kind", sorted(RESENDS_SAFELY))
def test_resend_is_safe_for_each_vendor_class(kind: str) -> None:
    vendor = adapter_class(kind)
    operation = next(iter(vendor.operations))
    assert resend_is_safe(vendor, operation) is RESENDS_SAFELY[kind]
    expected = OUT.TRANSIENT if RESENDS_SAFELY[kind] else OUT.UNCERTAIN
    assert outcome_for(C.NO_ANSWER, vendor, operation) is expected


def test_resend_safety_is_a_class_rule_needing_no_credentials() -> None:
    assert resend_is_safe(LeadByte) is True
    assert resend_is_safe(SalesByte) is False
    assert resend_is_safe(CrmCom) is False
    # The base answers from ``rejects_resent_leads``: a new vendor is cautious by default.
    assert VendorAdapter.rejects_resent_leads is False
    assert resend_is_safe(VendorAdapter) is False


@pytest.mark.parametrize(
    ("operation", "safe"),
    [
        (CREATE_LEAD, True),  # updates the enquiry it has
        (CHANGE_STATUS, True),
        (ASSIGN_DEPARTMENT, True),
        (ADD_NOTE, False),  # a second note
        (CREATE_TASK, False),
        (CREATE_DEAL, False),
        ("", False),
    ],
)
def test_getlead_resend_safety_per_operation(operation: str, safe: bool) -> None:
    assert resend_is_safe(Getlead, operation) is safe
    assert outcome_for(C.MAY_HAVE_TAKEN, Getlead, operation) is (
        OUT.TRANSIENT if safe else OUT.UNCERTAIN
    )


def test_every_getlead_operation_has_a_resend_rule_on_purpose() -> None:
    judged = {CREATE_LEAD, CHANGE_STATUS, ASSIGN_DEPARTMENT, ADD_NOTE, CREATE_TASK, CREATE_DEAL}
    assert set(Getlead.operations) | {ASSIGN_DEPARTMENT} == judged
