"""System checks on settings that only make sense together."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def sqlite_busy_timeout_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A worker waiting on a SQLite lock must get "database is locked" (an error it handles)
    before django-q kills it at Q_TIMEOUT."""
    timeout = float(settings.SQLITE_BUSY_TIMEOUT)
    if timeout < settings.Q_TIMEOUT:
        return []
    return [
        Error(
            f"SQLITE_BUSY_TIMEOUT ({timeout:g} s) must be shorter than Q_TIMEOUT "
            f"({settings.Q_TIMEOUT} s).",
            hint="A worker waiting on a locked database would be killed instead of being "
            "told. Lower SQLITE_BUSY_TIMEOUT (default 5) or raise Q_TIMEOUT.",
            id="leadhub.E001",
        )
    ]
