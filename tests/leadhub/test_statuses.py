"""The status vocabulary: the transition table and the groups every question is asked of."""

from __future__ import annotations

import itertools

import pytest

from leadhub.statuses import (
    FINAL,
    NEEDS_ATTENTION,
    OUTCOME_STATUS,
    PENDING,
    REPORTED_LATER,
    RESENDABLE,
    TRANSITIONS,
    WAITING,
    InvalidTransition,
    SubmissionStatus,
    check_transition,
)
from vendors.outcomes import Outcome

S = SubmissionStatus
EVERY = frozenset(S)


def test_every_status_has_an_entry_and_every_move_leads_to_a_status() -> None:
    assert set(TRANSITIONS) == EVERY
    for status, then in TRANSITIONS.items():
        assert then <= EVERY, status
        assert status not in then, f"{status} moves to itself"


def test_transitions_outside_the_table_are_refused() -> None:
    check_transition(S.QUEUED, S.SENDING)
    with pytest.raises(InvalidTransition):
        check_transition(S.ACCEPTED, S.SENDING)
    with pytest.raises(InvalidTransition):
        check_transition(S.DUPLICATE, S.QUEUED)


def test_check_transition_agrees_with_the_table_on_every_pair() -> None:
    for current, new in itertools.product(EVERY, EVERY):
        if new in TRANSITIONS[current]:
            check_transition(current, new)
        else:
            with pytest.raises(InvalidTransition, match=f"from {current} to {new}"):
                check_transition(current, new)


def test_a_status_outside_the_vocabulary_goes_nowhere() -> None:
    with pytest.raises(InvalidTransition):
        check_transition("archived", S.QUEUED)


def test_the_groups_hold_statuses_only() -> None:
    for group in (FINAL, PENDING, WAITING, RESENDABLE, REPORTED_LATER, NEEDS_ATTENTION):
        assert group <= EVERY


def test_every_status_is_pending_final_or_needs_a_person() -> None:
    assert PENDING | FINAL | NEEDS_ATTENTION == EVERY
    assert not PENDING & FINAL


def test_what_a_paused_connection_holds_is_pending_and_claimable() -> None:
    assert WAITING <= PENDING
    assert {status for status in EVERY if S.SENDING in TRANSITIONS[status]} == WAITING


def test_what_may_be_resent_is_nothing_in_flight() -> None:
    assert not RESENDABLE & PENDING
    assert NEEDS_ATTENTION <= RESENDABLE
    # Outside the pending statuses, only what may be resent goes back to the queue.
    back_to_queue = {s for s in EVERY - PENDING if S.QUEUED in TRANSITIONS[s]}
    assert back_to_queue == RESENDABLE


def test_what_a_vendor_reports_later_is_final_and_stays_final() -> None:
    assert REPORTED_LATER <= FINAL
    for status in REPORTED_LATER:
        assert TRANSITIONS[status] <= FINAL, status


def test_every_outcome_but_transient_names_its_status() -> None:
    assert set(OUTCOME_STATUS) == set(Outcome) - {Outcome.TRANSIENT}
    assert set(OUTCOME_STATUS.values()) <= EVERY - PENDING
    # A send's answer can put the row in each of them.
    assert set(OUTCOME_STATUS.values()) <= TRANSITIONS[S.SENDING]
