"""Connection health: "Test connection" by hand and the daily check of every active one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from vendors.base import VendorError
from vendors.models import Connection

logger = logging.getLogger(__name__)

CHECK_SCHEDULE_NAME = "vendors: check every active connection daily"


@dataclass(frozen=True)
class CheckResult:
    """ok is None when the vendor has no connection test yet."""

    ok: bool | None
    message: str
    checked_at: datetime


def connection_check(*, connection: Connection) -> CheckResult:
    """Make the vendor's cheapest authenticated call and record the result on the connection.

    Never raises for vendor failures: a refusal, an outage or a missing test is a result.
    """
    now = timezone.now()
    adapter = connection.adapter()
    try:
        message = adapter.check()
        ok: bool | None = True
    except NotImplementedError:
        ok = None
        message = (
            f"{connection.get_kind_display()} connections cannot be tested yet: "
            "LeadHub has no test call for this vendor."
        )
    except VendorError as err:
        ok = False
        message = err.message
    message = adapter.redactor.text(message)
    Connection.objects.filter(pk=connection.pk).update(
        last_check_at=now, last_check_ok=ok, last_check_message=message
    )
    if ok:
        Connection.objects.filter(pk=connection.pk).update(last_success_at=now)
    logger.info("connection %s check: %s", connection.pk, {True: "ok", False: "failed"}.get(ok))
    return CheckResult(ok=ok, message=message, checked_at=now)


def connections_check_active() -> dict[str, int]:
    """Check every active connection; return how many passed, failed or have no test."""
    tally = {"ok": 0, "failed": 0, "untested": 0}
    for connection in Connection.objects.filter(is_active=True).order_by("pk"):
        result = connection_check(connection=connection)
        key = "untested" if result.ok is None else ("ok" if result.ok else "failed")
        tally[key] += 1
    return tally
