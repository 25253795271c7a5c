"""Getlead department routing: which department's agents get the leads of a source number."""

from __future__ import annotations

import logging

from django.utils import timezone

from vendors.base import Outcome, VendorResult
from vendors.getlead import Getlead
from vendors.models import Connection

logger = logging.getLogger(__name__)


def department_assign(
    *, connection: Connection, source_number: str, department: str
) -> VendorResult:
    """Tell Getlead to hand the leads of ``source_number`` to ``department``'s agents.

    The answer is returned for the admin to show and recorded on the connection: a success
    as ``last_success_at``, a refusal or a failure as ``last_error``.
    """
    adapter = connection.adapter()
    if not isinstance(adapter, Getlead):
        raise ValueError(f"{connection} is not a Getlead connection")
    result = adapter.assign_department(source_number=source_number, department=department).result
    now = timezone.now()
    if result.outcome is Outcome.ACCEPTED:
        Connection.objects.filter(pk=connection.pk).update(last_success_at=now)
    else:
        Connection.objects.filter(pk=connection.pk).update(
            last_error=f"Department assignment failed: {result.message}", last_error_at=now
        )
    logger.info("department assignment on connection %s: %s", connection.pk, result.outcome.value)
    return result
