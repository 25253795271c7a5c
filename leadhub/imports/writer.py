"""An import's chunks committed on a thread of their own while the next chunk is checked.

Checking a chunk is CPU in this process; committing it is mostly waiting for PostgreSQL
(the COPY stored and indexed, the commit flushed). One writer thread, with its own
database connection, commits a chunk while the caller checks the next, so the two overlap.
At most one chunk is in flight and the caller waits for it before it asks the duplicate
guard about the next (a person twice in one file is found across chunks) and before it
hands the next one on: chunks still commit one after another, in file order, each with
its progress, exactly as without the thread.

Only on PostgreSQL and outside a transaction: a second connection would not see what an
enclosing transaction has not committed (and SQLite would lock it out).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import connection

logger = logging.getLogger(__name__)


def overlap_possible() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class ChunkWriter:
    """Runs one commit at a time: on its thread when ``threaded``, else there and then."""

    def __init__(self, threaded: bool) -> None:
        self._pool = ThreadPoolExecutor(1, "import-writer") if threaded else None
        self._pending: Future[bool] | None = None
        self._done: bool = True

    def submit(self, commit: Callable[..., bool], *args: Any) -> None:
        """Start ``commit(*args)``; the last one must have been waited for (``wait``)."""
        if self._pending is not None:
            raise RuntimeError("a chunk is still being committed")
        if self._pool is None:
            self._done = commit(*args)
        else:
            self._pending = self._pool.submit(commit, *args)

    def wait(self) -> bool:
        """What the last commit returned (True if none was started); its error, raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self._done = pending.result()
        return self._done

    def close(self) -> None:
        """Wait for the commit in flight (even when the caller is failing: its transaction
        ends one way or the other) and close the thread's connection."""
        if self._pool is None:
            return
        try:
            if self._pending is not None:
                # The caller's own error is what propagates; the commit's is logged, not lost.
                if (error := self._pending.exception()) is not None:
                    logger.error("An import chunk's commit failed", exc_info=error)
                self._pending = None
        finally:
            self._pool.submit(_connection_close).result()
            self._pool.shutdown()


def _connection_close() -> None:
    """Close the calling thread's own connection (``connection`` is one per thread)."""
    connection.close()
