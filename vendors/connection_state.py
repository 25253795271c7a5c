"""The one writer of a connection's state: results, tests, errors, tokens, pauses.

Every change to what a connection knows about itself (last success, last error, last test,
the login token, the circuit breaker's pause, its messages masked again) is written here
and nowhere else, the way healthchecks' ``Channel.notify`` owns a channel's last error.
Writes are ``update()``s on the row's own columns, so none overwrites what an admin changed
meanwhile.

The circuit breaker:
- a run of ``CONNECTION_BREAKER_THRESHOLD`` transient failures in a row pauses the
  connection (reason: failures). After ``CONNECTION_BREAKER_COOLDOWN`` seconds one
  submission goes through as a probe; if the vendor answers, the connection resumes; if
  not, it stays paused for twice as long (up to ``CONNECTION_BREAKER_MAX_COOLDOWN``);
- a vendor that refuses the credentials pauses the connection at once (reason:
  credentials); it resumes only by hand, once an admin has fixed them;
- an admin can pause and resume any connection by hand (reason: manual).

A paused connection's submissions wait; whoever holds them listens to
``connection_resumed`` (delivery releases them), so this module needs nothing above it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone

from vendors.models import Connection, PauseReason
from vendors.outcomes import Outcome
from vendors.redaction import Redactor
from vendors.results import VendorResult

logger = logging.getLogger(__name__)

# Sent inside the resuming transaction with ``connection_id``; a receiver returns how many
# held items it released.
connection_resumed = Signal()
# Sent with connection_id, reason and message when a connection stops sending (by hand,
# refused credentials or the breaker); receivers only write rows in the caller's transaction.
connection_paused = Signal()

HEALTHY = frozenset({Outcome.ACCEPTED, Outcome.QUARANTINED, Outcome.DUPLICATE, Outcome.REJECTED})
# A healthy connection's "last success" is refreshed at most this often: one write per
# lead to the same row would cost a commit per lead and make every worker queue on it.
LAST_SUCCESS_PRECISION = timedelta(seconds=10)


# The columns of a connection that is not paused: what resuming writes.
_RUNNING: dict[str, Any] = {
    "paused_at": None,
    "pause_reason": "",
    "pause_message": "",
    "probe_at": None,
    "probing_since": None,
    "failed_probes": 0,
}


def _rows(connection_id: int) -> Any:
    return Connection.objects.filter(pk=connection_id)


def _cooldown(failed_probes: int) -> timedelta:
    seconds = settings.CONNECTION_BREAKER_COOLDOWN * (2 ** min(failed_probes, 16))
    return timedelta(seconds=min(seconds, settings.CONNECTION_BREAKER_MAX_COOLDOWN))


def _stale_probe(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)


# --- what happened on a call ---------------------------------------------------------------


def connection_record_success(*, connection_id: int, now: datetime | None = None) -> None:
    _rows(connection_id).update(last_success_at=now or timezone.now())


def connection_record_error(*, connection_id: int, message: str) -> None:
    """The connection's last error, shown on its page (a failed login, sync or request)."""
    _rows(connection_id).update(last_error=message, last_error_at=timezone.now())


def connection_record_check(
    *, connection_id: int, ok: bool | None, message: str, now: datetime
) -> None:
    """The latest "Test connection"; ok is None when the vendor has no test call."""
    fields: dict[str, Any] = {
        "last_check_at": now,
        "last_check_ok": ok,
        "last_check_message": message,
    }
    if ok:
        fields["last_success_at"] = now
    _rows(connection_id).update(**fields)


def connection_record_sync(*, connection_id: int, summary: str, now: datetime) -> None:
    """A campaign sync that finished: when, what it changed, and that the vendor answered."""
    _rows(connection_id).update(last_sync_at=now, last_sync_summary=summary, last_success_at=now)


def connection_save_token(*, connection: Connection, cache: dict[str, Any]) -> None:
    _rows(connection.pk).update(token_cache=cache)
    connection.token_cache = cache


class ConnectionTokenStore:
    """A client's token store for a stored connection: the token on
    ``Connection.token_cache`` (encrypted), a failed login on its last error."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def load(self) -> dict[str, Any]:
        fresh = Connection.objects.filter(pk=self.connection.pk).only("token_cache").first()
        return dict(fresh.token_cache) if fresh else {}

    def save(self, cache: dict[str, Any]) -> None:
        connection_save_token(connection=self.connection, cache=cache)

    def record_error(self, message: str) -> None:
        connection_record_error(connection_id=self.connection.pk, message=message)


# --- the circuit breaker ---------------------------------------------------------------


def connection_may_send(connection: Connection, *, now: datetime | None = None) -> bool:
    """Whether a submission of this connection may be sent now.

    Running: yes. Paused after failures with the cool-down over: yes for exactly one
    caller, which takes the probe slot atomically. Otherwise no.
    """
    if connection.paused_at is None:
        return True
    if connection.pause_reason != PauseReason.FAILURES:
        return False
    now = now or timezone.now()
    taken = (
        Connection.objects.filter(
            pk=connection.pk,
            paused_at__isnull=False,
            pause_reason=PauseReason.FAILURES,
            probe_at__lte=now,
        )
        .filter(Q(probing_since__isnull=True) | Q(probing_since__lt=_stale_probe(now)))
        .update(probing_since=now)
    )
    return bool(taken)


def connections_due_for_probe() -> list[int]:
    """Connections paused after failures whose cool-down is over and no probe is out."""
    now = timezone.now()
    return list(
        Connection.objects.filter(pause_reason=PauseReason.FAILURES, probe_at__lte=now)
        .filter(Q(probing_since__isnull=True) | Q(probing_since__lt=_stale_probe(now)))
        .values_list("pk", flat=True)
    )


def connection_record_result(
    *,
    connection_id: int,
    result: VendorResult,
    known: Connection | None = None,
    slow: bool = False,
) -> None:
    """Feed one vendor result to the connection's health and circuit breaker.

    ``known`` is the connection as the claim read it: when it was running with no failures
    and a recent success, a healthy result changes nothing worth a write.
    """
    now = timezone.now()
    rows = _rows(connection_id)
    if slow:  # the send took longer than VENDOR_SLOW_AFTER, whatever it came to
        rows.update(slow_at=now)
    if result.outcome in HEALTHY:
        if (
            known is not None
            and known.paused_at is None
            and known.consecutive_failures == 0
            and known.last_success_at is not None
            and now - known.last_success_at < LAST_SUCCESS_PRECISION
        ):
            return
        rows.update(last_success_at=now, consecutive_failures=0)
        with transaction.atomic():
            resumed = rows.filter(pause_reason=PauseReason.FAILURES).update(**_RUNNING)
            if resumed:
                logger.info("connection %s answered again: resumed", connection_id)
                _announce_resumed(connection_id)
        return
    rows.update(last_error=result.message, last_error_at=now)
    if result.pauses_connection:
        connection_pause(
            connection_id=connection_id,
            reason=PauseReason.CREDENTIALS,
            message=f"{result.message} Fix the credentials, then resume the connection.",
        )
        return
    if not result.trips_breaker:
        return
    rows.update(consecutive_failures=F("consecutive_failures") + 1)
    # A failed probe: stay paused, for longer.
    reopened = rows.filter(pause_reason=PauseReason.FAILURES, probing_since__isnull=False).first()
    if reopened is not None:
        rows.update(
            probing_since=None,
            failed_probes=F("failed_probes") + 1,
            probe_at=now + _cooldown(reopened.failed_probes + 1),
            pause_message=f"The probe failed too: {result.message}",
        )
        return
    threshold = settings.CONNECTION_BREAKER_THRESHOLD
    tripped = rows.filter(paused_at__isnull=True, consecutive_failures__gte=threshold).update(
        paused_at=now,
        pause_reason=PauseReason.FAILURES,
        pause_message=f"{threshold} failures in a row; the last: {result.message}",
        probe_at=now + _cooldown(0),
        probing_since=None,
        failed_probes=0,
    )
    if tripped:
        logger.warning("connection %s paused after %s failures in a row", connection_id, threshold)
        _announce_paused(connection_id, PauseReason.FAILURES)


def connection_pause(*, connection_id: int, reason: str, message: str = "") -> bool:
    """Pause a connection (a manual pause or refused credentials win over a breaker pause)."""
    rows = _rows(connection_id)
    if reason == PauseReason.FAILURES:
        rows = rows.filter(paused_at__isnull=True)
    paused = bool(
        rows.update(
            paused_at=timezone.now(),
            pause_reason=reason,
            pause_message=message,
            probe_at=None,
            probing_since=None,
        )
    )
    if paused:
        _announce_paused(connection_id, reason)
    return paused


def _announce_paused(connection_id: int, reason: str) -> None:
    connection_paused.send(sender=Connection, connection_id=connection_id, reason=reason)


def connection_resume(*, connection_id: int) -> int:
    """Resume a paused connection by hand and send what it held; return how many."""
    with transaction.atomic():
        _rows(connection_id).update(**_RUNNING, consecutive_failures=0)
        return _announce_resumed(connection_id)


def _announce_resumed(connection_id: int) -> int:
    # Receivers answer how many items they released (Signal.send is typed for strings).
    responses: list[tuple[Any, Any]] = connection_resumed.send(
        sender=Connection, connection_id=connection_id
    )
    return sum(count for _, count in responses if isinstance(count, int))


# What a connection keeps in words, any of which may quote a vendor.
MESSAGE_COLUMNS = ("last_error", "last_sync_summary", "pause_message", "last_check_message")


def connection_messages_remask(model: Any, connection_id: int, redactor: Redactor) -> bool:
    """Mask again what ``connection_id`` keeps in words; whether anything changed.

    ``model`` is the Connection model, or a migration's historical one. The row is locked
    while it is read and written, so a result recorded meanwhile is never overwritten.
    """
    with transaction.atomic():
        row = (
            model.objects.select_for_update()
            .filter(pk=connection_id)
            .values(*MESSAGE_COLUMNS)
            .first()
        )
        if row is None:
            return False
        changes = {name: redactor.text(row[name]) for name in MESSAGE_COLUMNS}
        changes = {name: text for name, text in changes.items() if text != row[name]}
        if changes:
            model.objects.filter(pk=connection_id).update(**changes)
        return bool(changes)
