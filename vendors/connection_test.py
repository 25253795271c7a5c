"""Testing a connection: "Test connection" by hand and the daily check of every active one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from vendors.clients import connection_client
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
    now = timezone.now()
    client = connection_client(connection)
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
    connection_record_check(connection_id=connection.pk, ok=ok, message=message, now=now)
    verdict = "no test" if ok is None else ("ok" if ok else "failed")
    logger.info("connection %s check: %s", connection.pk, verdict)
    return CheckResult(ok=ok, message=message, checked_at=now)


def connections_test_active() -> dict[str, int]:
    """Test every active connection; return how many passed, failed or have no test."""
    tally = {"ok": 0, "failed": 0, "untested": 0}
    for connection in Connection.objects.filter(is_active=True).order_by("pk"):
        result = connection_test(connection=connection)
        key = "untested" if result.ok is None else ("ok" if result.ok else "failed")
        tally[key] += 1
    return tally
