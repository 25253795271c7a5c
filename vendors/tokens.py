"""Where a vendor client keeps the session token a vendor issued at login.

A client built for a stored connection keeps it on the connection (``token_cache``,
encrypted like the credentials) so every worker reuses one token until it expires; a client
built on its own keeps it in memory. Login failures are written on the connection too, so
an admin sees them on the connection page and not only on one submission.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.utils import timezone


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


class ConnectionTokenStore:
    """The token on ``Connection.token_cache``; written with ``update()`` so a login never
    overwrites what an admin changed on the connection meanwhile."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def load(self) -> dict[str, Any]:
        from vendors.models import Connection

        fresh = Connection.objects.filter(pk=self.connection.pk).first()
        return dict(fresh.token_cache) if fresh else {}

    def save(self, cache: dict[str, Any]) -> None:
        from vendors.models import Connection

        Connection.objects.filter(pk=self.connection.pk).update(token_cache=cache)
        self.connection.token_cache = cache

    def record_error(self, message: str) -> None:
        from vendors.models import Connection

        Connection.objects.filter(pk=self.connection.pk).update(
            last_error=message, last_error_at=timezone.now()
        )
