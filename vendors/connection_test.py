"""Testing a connection: "Test connection" by hand and the daily check of every active one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from vendors.base import VendorAdapter
from vendors.clients import connection_client, unsaved_client
from vendors.connection_state import connection_record_check
from vendors.models import Connection

logger = logging.getLogger(__name__)

CHECK_SCHEDULE_NAME = "vendors: check every active connection daily"


@dataclass(frozen=True)
class CheckResult:
    """ok is None when the vendor has no connection test yet."""

    ok: bool | None
    message: str
    checked_at: datetime


def connection_test(*, connection: Connection) -> CheckResult:
    """Make the vendor's cheapest authenticated call and record the result on the connection.

    Never raises for vendor failures: a refusal, an outage or a missing test is a result.
    """
    result = _check(connection_client(connection), connection)
    connection_record_check(
        connection_id=connection.pk, ok=result.ok, message=result.message, now=result.checked_at
    )
    logger.info("connection %s check: %s", connection.pk, _verdict(result))
    return result


def connection_test_unsaved(*, connection: Connection) -> CheckResult:
    """The same test for a connection not saved (what an admin typed in the connection
    form): nothing is recorded, and a token the vendor issues is not kept."""
    result = _check(unsaved_client(connection), connection)
    logger.info("unsaved %s connection check: %s", connection.kind, _verdict(result))
    return result


def _check(client: VendorAdapter, connection: Connection) -> CheckResult:
    """The vendor's cheapest authenticated call; its answer masked."""
    now = timezone.now()
    ok: bool | None
    try:
        reply = client.call("", client.check)
    except NotImplementedError as missing:
        # The vendor has no call that proves its credentials: say what cannot be checked.
        ok = None
        message = str(missing) or (
            f"{connection.get_kind_display()} connections cannot be tested: "
            "the vendor has no call that checks them."
        )
    else:
        ok = reply.ok
        said = reply.failure.message if reply.failure is not None else str(reply.value)
        message = client.redactor.text(said)
    return CheckResult(ok=ok, message=message, checked_at=now)


def _verdict(result: CheckResult) -> str:
    return "no test" if result.ok is None else ("ok" if result.ok else "failed")


def connections_test_active() -> dict[str, int]:
    """Test every active connection; return how many passed, failed or have no test."""
    tally = {"ok": 0, "failed": 0, "untested": 0}
    for connection in Connection.objects.filter(is_active=True).order_by("pk"):
        result = connection_test(connection=connection)
        key = "untested" if result.ok is None else ("ok" if result.ok else "failed")
        tally[key] += 1
    return tally
