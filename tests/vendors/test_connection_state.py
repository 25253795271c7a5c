"""The one writer of a connection's state: each writer touches its own columns only, and the
circuit breaker pauses, probes and resumes as its rules say."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection as db
from django.utils import timezone

from tests.factories import ConnectionFactory, PausedConnectionFactory, VendorResultFactory
from vendors.connection_state import (
    ConnectionTokenStore,
    connection_may_send,
    connection_pause,
    connection_record_check,
    connection_record_error,
    connection_record_result,
    connection_record_success,
    connection_record_sync,
    connection_resume,
    connection_resumed,
    connection_save_token,
    connections_due_for_probe,
)
from vendors.models import Connection, PauseReason
from vendors.outcomes import Condition, Outcome
from vendors.results import VendorResult
from vendors.tokens import TokenStore

pytestmark = pytest.mark.django_db

TOKEN = "eyJhbGciOi.crmcom-session-token.9f8e7d"


def state(connection: Connection) -> dict[str, Any]:
    return dict(Connection.objects.values().get(pk=connection.pk))


def written(connection: Connection, write: Callable[[], object]) -> set[str]:
    """The columns ``write()`` changed on the connection's row."""
    before = state(connection)
    write()
    after = state(connection)
    return {name for name in before if before[name] != after[name]}


def near(moment: datetime | None, expected: datetime, slack: float = 5.0) -> bool:
    return moment is not None and abs((moment - expected).total_seconds()) < slack


@pytest.fixture
def breaker(settings):
    settings.CONNECTION_BREAKER_THRESHOLD = 3
    settings.CONNECTION_BREAKER_COOLDOWN = 60
    settings.CONNECTION_BREAKER_MAX_COOLDOWN = 240
    return settings


@pytest.fixture
def resumed() -> Iterator[list[dict[str, Any]]]:
    """What ``connection_resumed`` was sent with; the receiver says it released two."""
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> int:
        calls.append({"sender": sender, **kwargs})
        return 2

    connection_resumed.connect(receiver, dispatch_uid="tests.resumed")
    try:
        yield calls
    finally:
        connection_resumed.disconnect(dispatch_uid="tests.resumed")


def fail(connection: Connection, times: int = 1, **kwargs: Any) -> None:
    for _ in range(times):
        connection_record_result(
            connection_id=connection.pk, result=VendorResultFactory(failed=True, **kwargs)
        )


def succeed(connection: Connection, **kwargs: Any) -> None:
    connection_record_result(connection_id=connection.pk, result=VendorResultFactory(), **kwargs)


# --- each writer, its own columns -------------------------------------------------------------


def test_record_success_writes_the_last_success_only() -> None:
    connection = ConnectionFactory()
    now = timezone.now() - timedelta(minutes=3)
    write = partial(connection_record_success, connection_id=connection.pk, now=now)
    assert written(connection, write) == {"last_success_at"}
    assert state(connection)["last_success_at"] == now


def test_record_success_defaults_to_now() -> None:
    connection = ConnectionFactory()
    connection_record_success(connection_id=connection.pk)
    assert near(state(connection)["last_success_at"], timezone.now())


def test_record_error_writes_the_last_error_and_when() -> None:
    connection = ConnectionFactory()
    write = partial(connection_record_error, connection_id=connection.pk, message="Login refused")
    assert written(connection, write) == {"last_error", "last_error_at"}
    assert state(connection)["last_error"] == "Login refused"


@pytest.mark.parametrize(
    ("ok", "columns"),
    [
        (True, {"last_check_at", "last_check_ok", "last_check_message", "last_success_at"}),
        (False, {"last_check_at", "last_check_ok", "last_check_message"}),
        (None, {"last_check_at", "last_check_message"}),  # no test call: ok stays None
    ],
)
def test_record_check_writes_the_check_and_a_success_only_when_it_passed(
    ok: bool | None, columns: set[str]
) -> None:
    connection = ConnectionFactory()
    now = timezone.now()

    def write() -> None:
        connection_record_check(connection_id=connection.pk, ok=ok, message="said", now=now)

    assert written(connection, write) == columns
    row = state(connection)
    assert (row["last_check_at"], row["last_check_ok"], row["last_check_message"]) == (
        now,
        ok,
        "said",
    )


def test_record_sync_writes_the_sync_and_that_the_vendor_answered() -> None:
    connection = ConnectionFactory()
    now = timezone.now()

    def write() -> None:
        connection_record_sync(connection_id=connection.pk, summary="2 campaigns", now=now)

    assert written(connection, write) == {"last_sync_at", "last_sync_summary", "last_success_at"}
    assert state(connection)["last_sync_summary"] == "2 campaigns"


def test_save_token_writes_the_token_row_and_object() -> None:
    connection = ConnectionFactory()
    cache = {"token": TOKEN, "issued_at": "2025-01-01T00:00:00+00:00"}

    def write() -> None:
        connection_save_token(connection=connection, cache=cache)

    assert written(connection, write) == {"token_cache"}
    assert connection.token_cache == cache
    assert Connection.objects.get(pk=connection.pk).token_cache == cache


def test_writers_leave_what_an_admin_changed_meanwhile() -> None:
    connection = ConnectionFactory(name="Before")
    Connection.objects.filter(pk=connection.pk).update(name="Renamed by an admin")
    connection_record_error(connection_id=connection.pk, message="x")
    fail(connection)
    succeed(connection)
    assert Connection.objects.get(pk=connection.pk).name == "Renamed by an admin"


# --- results: health and the breaker ---------------------------------------------------------


def test_a_failure_counts_and_records_the_error(breaker) -> None:
    connection = ConnectionFactory()
    assert written(connection, partial(fail, connection)) == {
        "last_error",
        "last_error_at",
        "consecutive_failures",
    }
    row = state(connection)
    assert row["consecutive_failures"] == 1
    assert row["last_error"] == "The vendor answered with an error (HTTP 503)."


def test_a_healthy_result_records_the_success_and_clears_the_count(breaker) -> None:
    connection = ConnectionFactory()
    fail(connection, 2)
    assert written(connection, partial(succeed, connection)) == {
        "last_success_at",
        "consecutive_failures",
    }
    assert state(connection)["consecutive_failures"] == 0


@pytest.mark.parametrize(
    "outcome", [Outcome.ACCEPTED, Outcome.QUARANTINED, Outcome.DUPLICATE, Outcome.REJECTED]
)
def test_any_answer_of_the_vendors_is_healthy_even_a_refusal(breaker, outcome: Outcome) -> None:
    connection = ConnectionFactory()
    fail(connection, 2)
    connection_record_result(
        connection_id=connection.pk, result=VendorResult(outcome=outcome, message="said")
    )
    fail(connection, 2)
    assert not Connection.objects.get(pk=connection.pk).is_paused


def test_a_recent_success_on_a_running_connection_costs_no_write(
    breaker, django_assert_num_queries
) -> None:
    connection = ConnectionFactory(last_success_at=timezone.now() - timedelta(seconds=2))
    with django_assert_num_queries(0):
        succeed(connection, known=connection)


def test_an_older_success_is_refreshed(breaker) -> None:
    connection = ConnectionFactory(last_success_at=timezone.now() - timedelta(minutes=5))
    succeed(connection, known=connection)
    assert near(state(connection)["last_success_at"], timezone.now())


def test_the_threshold_of_failures_in_a_row_pauses_the_connection(breaker) -> None:
    connection = ConnectionFactory()
    fail(connection, 2)
    assert not Connection.objects.get(pk=connection.pk).is_paused
    fail(connection, message="The vendor answered with an error (HTTP 502).")
    connection.refresh_from_db()
    assert connection.is_paused
    assert connection.pause_reason == PauseReason.FAILURES
    assert connection.pause_message == (
        "3 failures in a row; the last: The vendor answered with an error (HTTP 502)."
    )
    assert near(connection.probe_at, timezone.now() + timedelta(seconds=60))
    assert (connection.failed_probes, connection.probing_since) == (0, None)


def test_an_answer_lost_on_the_way_back_counts_too(breaker) -> None:
    connection = ConnectionFactory()
    fail(connection, 3, outcome=Outcome.UNCERTAIN, condition=Condition.NO_ANSWER)
    assert Connection.objects.get(pk=connection.pk).pause_reason == PauseReason.FAILURES


def test_refused_credentials_leave_the_failure_count_alone(breaker) -> None:
    connection = ConnectionFactory(consecutive_failures=2)
    # They pause for another reason: not one more failure in a row.
    connection_record_result(
        connection_id=connection.pk, result=VendorResultFactory(credentials_refused=True)
    )
    assert state(connection)["consecutive_failures"] == 2


def test_refused_credentials_pause_at_once_for_a_person_to_fix(breaker) -> None:
    connection = ConnectionFactory()
    result = VendorResultFactory(credentials_refused=True)
    connection_record_result(connection_id=connection.pk, result=result)
    connection.refresh_from_db()
    assert connection.pause_reason == PauseReason.CREDENTIALS
    assert connection.pause_message == (
        "The vendor refused the credentials (HTTP 401). "
        "Fix the credentials, then resume the connection."
    )
    assert connection.probe_at is None
    assert connection.last_error == "The vendor refused the credentials (HTTP 401)."
    assert connections_due_for_probe() == []
    assert not connection_may_send(connection)


def test_refused_credentials_replace_a_breaker_pause(breaker) -> None:
    connection = PausedConnectionFactory(probing_since=timezone.now())
    connection_record_result(
        connection_id=connection.pk, result=VendorResultFactory(credentials_refused=True)
    )
    connection.refresh_from_db()
    assert connection.pause_reason == PauseReason.CREDENTIALS
    assert (connection.probe_at, connection.probing_since) == (None, None)


# --- the probe ----------------------------------------------------------------------------


def test_a_running_connection_may_always_send_and_nothing_is_written() -> None:
    connection = ConnectionFactory()
    assert written(connection, partial(connection_may_send, connection)) == set()
    assert connection_may_send(connection)


def test_a_paused_connection_cooling_down_sends_nothing() -> None:
    connection = PausedConnectionFactory()
    assert not connection_may_send(connection)
    assert connections_due_for_probe() == []


def test_the_probe_slot_is_taken_once() -> None:
    connection = PausedConnectionFactory(probe_at=timezone.now() - timedelta(seconds=1))
    assert connections_due_for_probe() == [connection.pk]
    now = timezone.now()
    assert written(connection, partial(connection_may_send, connection, now=now)) == {
        "probing_since"
    }
    assert state(connection)["probing_since"] == now
    assert not connection_may_send(connection)  # a second worker, the same moment
    assert connections_due_for_probe() == []


def test_a_probe_whose_worker_died_is_given_to_another(settings) -> None:
    settings.SUBMISSION_LEASE_SECONDS = 600
    connection = PausedConnectionFactory(
        probe_at=timezone.now() - timedelta(hours=1),
        probing_since=timezone.now() - timedelta(seconds=601),
    )
    assert connections_due_for_probe() == [connection.pk]
    assert connection_may_send(connection)
    assert not connection_may_send(connection)


@pytest.mark.parametrize("reason", [PauseReason.MANUAL, PauseReason.CREDENTIALS])
def test_only_a_breaker_pause_is_probed(reason: str) -> None:
    connection = PausedConnectionFactory(
        pause_reason=reason, probe_at=timezone.now() - timedelta(seconds=1)
    )
    assert not connection_may_send(connection)
    assert connections_due_for_probe() == []


def test_a_failed_probe_doubles_the_cool_down_up_to_the_most(breaker) -> None:
    connection = PausedConnectionFactory(probe_at=timezone.now() - timedelta(seconds=1))
    expected = [120, 240, 240]  # 60 s doubled per failed probe, never past 240 s
    for number, seconds in enumerate(expected, start=1):
        Connection.objects.filter(pk=connection.pk).update(
            probe_at=timezone.now() - timedelta(seconds=1)
        )
        assert connection_may_send(connection)
        fail(connection, message=f"HTTP 503 number {number}")
        connection.refresh_from_db()
        assert connection.pause_reason == PauseReason.FAILURES
        assert connection.failed_probes == number
        assert connection.probing_since is None
        assert near(connection.probe_at, timezone.now() + timedelta(seconds=seconds))
        assert connection.pause_message == f"The probe failed too: HTTP 503 number {number}"


def test_a_healthy_probe_resumes_the_connection_and_says_so(breaker, resumed) -> None:
    connection = PausedConnectionFactory(
        probe_at=timezone.now() - timedelta(seconds=1), failed_probes=2
    )
    assert connection_may_send(connection)
    succeed(connection, known=connection)
    connection.refresh_from_db()
    assert not connection.is_paused
    assert (connection.pause_reason, connection.pause_message) == ("", "")
    assert (connection.probe_at, connection.probing_since) == (None, None)
    assert (connection.failed_probes, connection.consecutive_failures) == (0, 0)
    assert resumed == [
        {"sender": Connection, "signal": connection_resumed, "connection_id": connection.pk}
    ]


def test_a_healthy_result_does_not_lift_a_pause_a_person_must_lift(breaker, resumed) -> None:
    for reason in (PauseReason.MANUAL, PauseReason.CREDENTIALS):
        connection = PausedConnectionFactory(pause_reason=reason)
        succeed(connection)
        assert Connection.objects.get(pk=connection.pk).pause_reason == reason
    assert resumed == []


# --- pausing and resuming by hand ---------------------------------------------------------


def test_a_manual_pause_beats_a_breaker_pause() -> None:
    connection = PausedConnectionFactory(probing_since=timezone.now())
    assert connection_pause(connection_id=connection.pk, reason=PauseReason.MANUAL, message="x")
    connection.refresh_from_db()
    assert (connection.pause_reason, connection.pause_message) == (PauseReason.MANUAL, "x")
    assert (connection.probe_at, connection.probing_since) == (None, None)


def test_a_breaker_pause_never_replaces_another_pause() -> None:
    connection = PausedConnectionFactory(pause_reason=PauseReason.MANUAL, pause_message="by hand")
    write = partial(connection_pause, connection_id=connection.pk, reason=PauseReason.FAILURES)
    assert written(connection, write) == set()
    assert not connection_pause(connection_id=connection.pk, reason=PauseReason.FAILURES)


def test_failures_while_paused_by_hand_leave_the_pause_alone(breaker) -> None:
    connection = ConnectionFactory()
    connection_pause(connection_id=connection.pk, reason=PauseReason.MANUAL, message="by hand")
    fail(connection, 5)
    connection.refresh_from_db()
    assert (connection.pause_reason, connection.pause_message) == (PauseReason.MANUAL, "by hand")
    assert connection.probe_at is None


def test_a_manual_pause_writes_only_the_pause() -> None:
    connection = ConnectionFactory()

    def write() -> None:
        connection_pause(connection_id=connection.pk, reason=PauseReason.MANUAL, message="m")

    assert written(connection, write) == {"paused_at", "pause_reason", "pause_message"}


def test_resume_clears_the_pause_and_the_counts_and_releases_what_was_held(resumed) -> None:
    connection = PausedConnectionFactory(failed_probes=3, probing_since=timezone.now())
    assert connection_resume(connection_id=connection.pk) == 2  # as the receiver said
    connection.refresh_from_db()
    assert not connection.is_paused
    assert (connection.pause_reason, connection.pause_message) == ("", "")
    assert (connection.probe_at, connection.probing_since) == (None, None)
    assert (connection.consecutive_failures, connection.failed_probes) == (0, 0)
    assert [call["connection_id"] for call in resumed] == [connection.pk]


def test_resume_counts_only_what_receivers_say_they_released(resumed) -> None:
    def says_nothing(sender: Any, **kwargs: Any) -> None:
        return None

    connection_resumed.connect(says_nothing, dispatch_uid="tests.says_nothing")
    try:
        assert connection_resume(connection_id=ConnectionFactory().pk) == 2
    finally:
        connection_resumed.disconnect(dispatch_uid="tests.says_nothing")


# --- the token store of a stored connection ----------------------------------------------


def raw_token_cache(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT token_cache FROM vendors_connection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_connection_store_saves_the_token_encrypted_and_loads_it_fresh() -> None:
    connection = ConnectionFactory()
    store: TokenStore = ConnectionTokenStore(connection)
    store.save({"token": TOKEN})
    assert TOKEN not in raw_token_cache(connection.pk)
    # Another worker's store for the same connection reads what this one saved.
    other = ConnectionTokenStore(Connection.objects.get(pk=connection.pk))
    assert other.load() == {"token": TOKEN}
    Connection.objects.filter(pk=connection.pk).update(token_cache={"token": "renewed"})
    assert store.load() == {"token": "renewed"}


def test_the_connection_store_hands_out_copies() -> None:
    connection = ConnectionFactory(token_cache={"token": TOKEN})
    store = ConnectionTokenStore(connection)
    store.load()["token"] = "changed"
    assert store.load() == {"token": TOKEN}


def test_the_store_of_a_deleted_connection_is_empty() -> None:
    connection = ConnectionFactory(token_cache={"token": TOKEN})
    store = ConnectionTokenStore(connection)
    Connection.objects.filter(pk=connection.pk).delete()
    assert store.load() == {}


def test_a_failed_login_shows_as_the_connections_last_error() -> None:
    connection = ConnectionFactory()
    store = ConnectionTokenStore(connection)
    write = partial(store.record_error, "CRM.COM refused the login.")
    assert written(connection, write) == {"last_error", "last_error_at"}
    assert state(connection)["last_error"] == "CRM.COM refused the login."
