"""django-q2 tasks for the vendors app: thin, they take primary keys."""

from __future__ import annotations

from vendors.campaign_sync import campaigns_sync
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


def check_connections() -> str:
    tally = connections_test_active()
    return ", ".join(f"{n} {label}" for label, n in tally.items())
