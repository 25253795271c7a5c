"""Delivery's side of a connection's circuit breaker (the state itself is written by
vendors.connection_state): what a paused connection holds, the probe that tests it, and the
release of everything it held once it resumes.

A paused connection's submissions stay queued or waiting: the claim skips them and the
dispatcher leaves them alone. Nothing is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from leadhub.delivery.outbox import submissions_enqueue_many
from leadhub.models import Submission
from leadhub.statuses import WAITING, SubmissionStatus
from vendors.connection_state import connection_resumed, connections_due_for_probe

S = SubmissionStatus


def probes_due(*, now: datetime) -> list[int]:
    """One due submission per connection whose cool-down is over: its probe."""
    probes = []
    for connection_id in connections_due_for_probe():
        probe = (
            Submission.objects.filter(connection_id=connection_id, status__in=WAITING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if probe is not None:
            probes.append(probe)
    return probes


def connection_release(*, connection_id: int) -> int:
    """Enqueue every submission a connection held while paused; return how many."""
    now = timezone.now()
    with transaction.atomic():
        held = Submission.objects.filter(connection_id=connection_id, status__in=WAITING)
        # What waited for a retry (or a free slot) while the connection was paused goes
        # now: the trouble was the connection's, and it is over.
        held.filter(next_attempt_at__gt=now).update(next_attempt_at=now)
        ids = list(held.values_list("pk", flat=True))
        submissions_enqueue_many(ids)
    return len(ids)


@receiver(connection_resumed, dispatch_uid="leadhub.delivery.release_held")
def _release_on_resume(sender: Any, *, connection_id: int, **kwargs: Any) -> int:
    return connection_release(connection_id=connection_id)
