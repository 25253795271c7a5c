"""django-q2 tasks for the vendors app: thin, they take primary keys."""

from __future__ import annotations

from vendors.campaign_sync import campaign_sync_run, campaigns_sync
from vendors.connection_test import connections_test_active
from vendors.models import Connection
from vendors.results import VendorError


def sync_campaigns(connection_id: int) -> str:
    connection = Connection.objects.get(pk=connection_id)
    try:
        return campaigns_sync(connection=connection).summary()
    except VendorError as err:
        # Recorded on the connection by the service; the task itself did its job.
        return f"failed: {err.message}"


def run_campaign_sync(sync_id: int) -> str:
    sync = campaign_sync_run(sync_id=sync_id)
    return sync.error or "done"


def check_connections() -> str:
    tally = connections_test_active()
    return ", ".join(f"{n} {label}" for label, n in tally.items())
