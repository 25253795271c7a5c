"""A vendor client for a stored connection: the only place one is made to talk to a vendor.

Vendor *rules* need no client (``connection.adapter_class`` answers them); a client carries
the credentials, and the connection's token store (``vendors.connection_state``) so that it
never writes the database itself.
"""

from __future__ import annotations

from vendors.base import VendorAdapter
from vendors.connection_state import ConnectionTokenStore
from vendors.models import Connection


def connection_client(connection: Connection) -> VendorAdapter:
    return connection.adapter_class(
        base_url=connection.base_url,
        credentials=connection.credentials,
        settings=connection.settings,
        token_store=ConnectionTokenStore(connection),
        deadline=connection.deadline_seconds,
    )
