"""Getlead department routing: which department's agents get the leads of a source number."""

from __future__ import annotations

import logging

from vendors.clients import connection_client
from vendors.connection_state import connection_record_error, connection_record_success
from vendors.getlead import Getlead
from vendors.models import Connection
from vendors.outcomes import Outcome
from vendors.results import VendorResult

logger = logging.getLogger(__name__)


def department_assign(
    *, connection: Connection, source_number: str, department: str
) -> VendorResult:
    """Tell Getlead to hand the leads of ``source_number`` to ``department``'s agents.

    The answer is returned for the admin to show and recorded on the connection: a success
    as ``last_success_at``, a refusal or a failure as ``last_error``.
    """
    client = connection_client(connection)
    if not isinstance(client, Getlead):
        raise ValueError(f"{connection} is not a Getlead connection")
    result = client.assign_department(source_number=source_number, department=department).result
    if result.outcome is Outcome.ACCEPTED:
        connection_record_success(connection_id=connection.pk)
    else:
        connection_record_error(
            connection_id=connection.pk, message=f"Department assignment failed: {result.message}"
        )
    logger.info("department assignment on connection %s: %s", connection.pk, result.outcome.value)
    return result
