"""django-q2 tasks of the privacy app: thin. Their dotted names are stored in schedules."""

from __future__ import annotations

from leadhub.privacy.retention import retention_prune


def prune_past_retention() -> str:
    run = retention_prune()
    return (
        f"{run.attempt_bodies} attempt bodies, {run.payloads} payloads, "
        f"{run.source_addresses} lead addresses, {run.leads} leads, "
        f"{run.campaign_syncs} campaign syncs"
    )
