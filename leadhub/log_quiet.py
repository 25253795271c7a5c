"""What keeps the log at INFO to the lines a person reads: one per login, none per tick.

django-axes follows every login with its own bookkeeping at INFO (expired attempts cleaned
up, attempts reset, failures deleted, usually 0 of each): this filter, on axes' database
handler's logger, drops those and keeps the login itself, failures and lockouts.
"""

from __future__ import annotations

import logging

AXES_BOOKKEEPING = ("AXES: Cleaned up", "AXES: Reset", "AXES: Deleted")


class AxesBookkeepingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or not str(record.msg).startswith(AXES_BOOKKEEPING)
