"""A vendor client for a stored connection: the only place one is made to talk to a vendor.

Vendor *rules* need no client (``connection.adapter_class`` answers them); a client carries
the credentials, and the connection's token store (``vendors.connection_state``) so that it
never writes the database itself.
"""

from __future__ import annotations

from typing import Any

from vendors.base import VendorAdapter
from vendors.connection_state import ConnectionTokenStore
from vendors.models import Connection
from vendors.redaction import Redactor
from vendors.registry import adapter_class
from vendors.tokens import MemoryTokenStore


def connection_client(connection: Connection) -> VendorAdapter:
    return connection.adapter_class(
        base_url=connection.base_url,
        credentials=connection.credentials,
        settings=connection.settings,
        token_store=ConnectionTokenStore(connection),
        deadline=connection.deadline_seconds,
    )


def unsaved_client(connection: Connection) -> VendorAdapter:
    """A client for a connection not saved (credentials typed in a form, being tested): a
    token the vendor issues stays in memory and goes with the client."""
    return connection.adapter_class(
        base_url=connection.base_url,
        credentials=connection.credentials,
        settings=connection.settings,
        token_store=MemoryTokenStore(),
        deadline=connection.deadline_seconds,
    )


def connection_redactor(connection: Any) -> Redactor:
    """The masking a client of ``connection`` applies (its credentials and its cached token),
    for re-masking what was stored. ``connection`` may be a migration's historical row: the
    client is built from its columns, with the token in memory, and never sends."""
    store = MemoryTokenStore()
    store.save(dict(connection.token_cache or {}))
    client = adapter_class(connection.kind)(
        base_url=connection.base_url,
        credentials=connection.credentials or {},
        settings=connection.settings or {},
        token_store=store,
    )
    return client.redactor
