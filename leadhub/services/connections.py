"""Connections' circuit breaker: pause after a run of failures, probe, resume.

- A run of ``CONNECTION_BREAKER_THRESHOLD`` transient failures in a row pauses the
  connection (reason: failures). After ``CONNECTION_BREAKER_COOLDOWN`` seconds one
  submission goes through as a probe; if the vendor answers, the connection resumes and
  everything it held is sent; if not, it stays paused for twice as long (up to
  ``CONNECTION_BREAKER_MAX_COOLDOWN``).
- A vendor that refuses the credentials pauses the connection at once (reason:
  credentials); it resumes only by hand, once an admin has fixed them.
- An admin can pause and resume any connection by hand (reason: manual).

A paused connection's submissions stay queued or waiting: the claim skips them and the
dispatcher leaves them alone, and resuming enqueues them again. Nothing is lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from vendors.base import Outcome, VendorResult
from vendors.models import Connection, PauseReason

logger = logging.getLogger(__name__)

HEALTHY = frozenset({Outcome.ACCEPTED, Outcome.QUARANTINED, Outcome.DUPLICATE, Outcome.REJECTED})


def _cooldown(failed_probes: int) -> timedelta:
    seconds = settings.CONNECTION_BREAKER_COOLDOWN * (2 ** min(failed_probes, 16))
    return timedelta(seconds=min(seconds, settings.CONNECTION_BREAKER_MAX_COOLDOWN))


def connection_may_send(connection: Connection, *, now: Any = None) -> bool:
    """Whether a submission of this connection may be sent now.

    Running: yes. Paused after failures with the cool-down over: yes for exactly one
    caller, which takes the probe slot atomically. Otherwise no.
    """
    if connection.paused_at is None:
        return True
    if connection.pause_reason != PauseReason.FAILURES:
        return False
    now = now or timezone.now()
    stale_probe = now - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
    taken = (
        Connection.objects.filter(
            pk=connection.pk,
            paused_at__isnull=False,
            pause_reason=PauseReason.FAILURES,
            probe_at__lte=now,
        )
        .filter(Q(probing_since__isnull=True) | Q(probing_since__lt=stale_probe))
        .update(probing_since=now)
    )
    return bool(taken)


# A healthy connection's "last success" is refreshed at most this often: one write per
# lead to the same row would cost a commit per lead and make every worker queue on it.
LAST_SUCCESS_PRECISION = timedelta(seconds=10)


def connection_record_result(
    *, connection_id: int, result: VendorResult, known: Connection | None = None
) -> None:
    """Feed one vendor result to the connection's health and circuit breaker.

    ``known`` is the connection as the claim read it: when it was running with no failures
    and a recent success, a healthy result changes nothing worth a write.
    """
    now = timezone.now()
    rows = Connection.objects.filter(pk=connection_id)
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
        resumed = rows.filter(pause_reason=PauseReason.FAILURES).update(
            paused_at=None,
            pause_reason="",
            pause_message="",
            probe_at=None,
            probing_since=None,
            failed_probes=0,
        )
        if resumed:
            logger.info("connection %s answered again: resumed", connection_id)
            connection_release(connection_id=connection_id)
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


def connection_pause(*, connection_id: int, reason: str, message: str = "") -> bool:
    """Pause a connection (a manual pause or refused credentials win over a breaker pause)."""
    now = timezone.now()
    rows = Connection.objects.filter(pk=connection_id)
    if reason == PauseReason.FAILURES:
        rows = rows.filter(paused_at__isnull=True)
    return bool(
        rows.update(
            paused_at=now,
            pause_reason=reason,
            pause_message=message,
            probe_at=None,
            probing_since=None,
        )
    )


def connection_resume(*, connection_id: int) -> int:
    """Resume a paused connection by hand and send what it held; return how many."""
    Connection.objects.filter(pk=connection_id).update(
        paused_at=None,
        pause_reason="",
        pause_message="",
        probe_at=None,
        probing_since=None,
        consecutive_failures=0,
        failed_probes=0,
    )
    return connection_release(connection_id=connection_id)


def connection_release(*, connection_id: int) -> int:
    """Enqueue every submission a connection held while paused; return how many."""
    from leadhub.models import Submission
    from leadhub.services.submissions import submissions_enqueue_many
    from leadhub.statuses import SubmissionStatus as S

    now = timezone.now()
    with transaction.atomic():
        held = Submission.objects.filter(
            connection_id=connection_id, status__in=(S.QUEUED, S.RETRY_WAIT)
        )
        # What waited for a retry while the connection was paused goes now: the trouble
        # was the connection's, and it is over.
        held.filter(status=S.RETRY_WAIT, next_attempt_at__gt=now).update(next_attempt_at=now)
        ids = list(held.values_list("pk", flat=True))
        submissions_enqueue_many(ids)
    return len(ids)


def connections_due_for_probe() -> list[int]:
    """Connections paused after failures whose cool-down is over and no probe is out."""
    now = timezone.now()
    stale_probe = now - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
    return list(
        Connection.objects.filter(pause_reason=PauseReason.FAILURES, probe_at__lte=now)
        .filter(Q(probing_since__isnull=True) | Q(probing_since__lt=stale_probe))
        .values_list("pk", flat=True)
    )
