"""django-q2's cluster, every option that decides delivery set explicitly (django-q2 1.11
semantics; docs/deploy.md). The submission row, not the broker, decides whether a lead is
sent: tasks carry its primary key and may safely run twice."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured


def q_cluster_config(
    *,
    name: str,
    workers: int,
    timeout: int,
    queue_limit: int,
    bulk: int,
    save_limit: int,
    poll: float,
    broker: str,
    redis_url: str,
    sync: bool,
) -> dict[str, Any]:
    """Django-q2's Q_CLUSTER on the ORM broker (the default database) or on Redis."""
    cluster: dict[str, Any] = {
        "name": name,
        "workers": workers,
        "timeout": timeout,
        # retry: the ORM broker hands out again a task not acknowledged after this long. Its
        # clock starts at dequeue and includes the wait in the cluster's own queue, so it sits
        # well above timeout (x3); only a cluster that died leaves a task unacknowledged.
        "retry": timeout * 3,
        # A failed task is acknowledged, never redelivered every `retry` seconds: retries with
        # backoff are the outbox's own (SUBMISSION_RETRY_DELAYS), the same under both brokers.
        "ack_failures": True,
        # Finite, so a task that kills its worker every time stops after three deliveries
        # (the default 0 would loop forever); the dispatcher still sees the row.
        "max_attempts": 3,
        # Few tasks wait prefetched inside a cluster that might die (they would wait `retry`).
        "queue_limit": queue_limit,
        # ORM broker: tasks taken per poll; each one is still locked individually.
        "bulk": bulk,
        # Successes are not saved (-1); failures always are. The submission and its attempts
        # are the record of every send; saving each success again, and pruning the log under a
        # lock of every saved row, cost the monitor three commits per task (docs/benchmarks.md).
        "save_limit": save_limit,
        # After downtime, run a missed schedule once, not once per missed interval.
        "catch_up": False,
        "poll": poll,
        "label": "Background tasks",
    }
    if broker == "redis":
        if not redis_url:
            raise ImproperlyConfigured("Q_BROKER=redis needs REDIS_URL")
        cluster["redis"] = redis_url
    elif broker == "orm":
        cluster["orm"] = "default"
    else:
        raise ImproperlyConfigured(f"Q_BROKER must be orm or redis, not {broker!r}")
    if sync:
        cluster["sync"] = True
    return cluster
