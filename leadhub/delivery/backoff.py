"""When to try again: one schedule of delays, jitter, and a Retry-After that is honoured up
to a cap. Submissions and webhook deliveries each pass their own delays and settings."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone


def retry_at(
    delays: Sequence[int],
    attempt_count: int,
    retry_after: float | None = None,
    *,
    jitter: float,
    max_retry_after: float,
    now: datetime | None = None,
) -> datetime | None:
    """When to try again after ``attempt_count`` sends, or None once the delays are spent
    (the first send and one per delay). A Retry-After longer than the delay is honoured up to
    ``max_retry_after``; up to ``jitter`` of the delay is added at random, so many rows that
    failed together do not come back together."""
    if attempt_count < 1 or attempt_count > len(delays):
        return None
    delay = float(delays[attempt_count - 1])
    if retry_after is not None:
        delay = max(delay, min(retry_after, max_retry_after))
    spread = delay * jitter * random.random()
    return (now or timezone.now()) + timedelta(seconds=delay + spread)
