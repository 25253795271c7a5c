"""Where a vendor client keeps the session token a vendor issued at login.

The client is handed a store and never touches the database itself: a client built for a
stored connection gets the connection's store (``vendors.connection_state``: the token is
kept encrypted on the connection, so every worker reuses one until it expires); a client
built on its own keeps it in memory.
"""

from __future__ import annotations

from typing import Any, Protocol


class TokenStore(Protocol):
    def load(self) -> dict[str, Any]: ...

    def save(self, cache: dict[str, Any]) -> None: ...

    def record_error(self, message: str) -> None: ...


class MemoryTokenStore:
    def __init__(self) -> None:
        self.cache: dict[str, Any] = {}
        self.errors: list[str] = []

    def load(self) -> dict[str, Any]:
        return dict(self.cache)

    def save(self, cache: dict[str, Any]) -> None:
        self.cache = dict(cache)

    def record_error(self, message: str) -> None:
        self.errors.append(message)
