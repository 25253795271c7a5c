"""The exchange deadline against the task timeout: the system check and a connection's own."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.factories import ConnectionFactory
from vendors.limits import (
    DEADLINE_MARGIN,
    MOST_EXCHANGES_PER_PUSH,
    check_vendor_limits,
    deadline_ceiling,
)


def test_the_shipped_defaults_pass_the_check() -> None:
    # LeadHub's own defaults (tests shorten timeouts): 4 x 20 s + 10 s fits 90 s.
    assert MOST_EXCHANGES_PER_PUSH * 20 + DEADLINE_MARGIN <= 90
    assert check_vendor_limits() == []


def test_a_deadline_that_a_push_cannot_fit_in_the_task_timeout_is_an_error(settings) -> None:
    settings.Q_TIMEOUT = 90
    settings.VENDOR_DEADLINE = 21
    (error,) = check_vendor_limits()
    assert error.id == "vendors.E001"
    assert "at most 20 s" in error.msg
    with pytest.raises(SystemCheckError, match=r"vendors\.E001"):
        call_command("check")


def test_the_ceiling_follows_the_task_timeout(settings) -> None:
    settings.Q_TIMEOUT = 130
    assert deadline_ceiling() == 30
    settings.VENDOR_DEADLINE = 30
    assert check_vendor_limits() == []


def test_no_deadline_at_all_is_an_error(settings) -> None:
    settings.VENDOR_DEADLINE = 0
    assert [e.id for e in check_vendor_limits()] == ["vendors.E001"]


@pytest.mark.django_db
def test_a_connections_own_deadline_is_held_to_the_same_rule(settings) -> None:
    settings.Q_TIMEOUT = 90
    connection = ConnectionFactory.build(deadline_seconds=21)
    with pytest.raises(ValidationError) as caught:
        connection.full_clean(exclude=["credentials", "token_cache"])
    assert "deadline_seconds" in caught.value.message_dict
    connection.deadline_seconds = 20
    connection.full_clean(exclude=["credentials", "token_cache"])
    connection.deadline_seconds = None  # the default
    connection.full_clean(exclude=["credentials", "token_cache"])


def test_no_slot_at_all_is_an_error(settings) -> None:
    settings.VENDOR_MAX_IN_FLIGHT = 0
    assert [e.id for e in check_vendor_limits()] == ["vendors.E002"]


def test_as_many_slots_as_workers_is_a_warning(settings) -> None:
    settings.Q_WORKERS = 4
    settings.VENDOR_MAX_IN_FLIGHT = 3  # the default for 4 workers
    assert check_vendor_limits() == []
    settings.VENDOR_MAX_IN_FLIGHT = 4
    assert [e.id for e in check_vendor_limits()] == ["vendors.W001"]
    settings.Q_WORKERS = 1  # one worker: nothing can be left for the others anyway
    settings.VENDOR_MAX_IN_FLIGHT = 1
    assert check_vendor_limits() == []


@pytest.mark.django_db
def test_a_connection_sends_at_least_one_at_a_time() -> None:
    connection = ConnectionFactory.build(max_in_flight=0)
    with pytest.raises(ValidationError) as caught:
        connection.full_clean(exclude=["credentials", "token_cache"])
    assert "max_in_flight" in caught.value.message_dict
