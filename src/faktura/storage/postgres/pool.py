"""The connections a PostgresStore keeps for reuse, safe across fork(); not psycopg_pool's."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from faktura.errors import StorageError

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


class _Pool:
    """Up to ``size`` idle connections kept for reuse; more are opened when needed and
    closed after use.

    After a fork the child never touches the parent's connections (their sockets are
    shared: a query or a close from the child would garble or end the parent's session)
    and opens its own. It keeps them referenced so that they are not collected (psycopg
    would warn about connections deleted while open; it never closes another process's).

    Not ``psycopg_pool.ConnectionPool``: it opens connections in background threads (an
    unreachable server is a wait for its timeout, the driver's reason only in its log),
    makes callers wait beyond ``max_size``, and cannot cross a fork.
    """

    def __init__(self, connect: Callable[[], Connection], size: int) -> None:
        self._connect = connect
        self._size = size
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        self._inherited: list[Connection] = []

    def acquire(self, *, fresh: bool = False) -> tuple[Connection, bool]:
        """A connection and whether it was used before (it may have gone stale)."""
        with self._lock:
            if self._closed:
                raise StorageError("the store is closed", retryable=False)
            if self._pid != os.getpid():
                self._inherited += self._idle
                self._idle = []
                self._pid = os.getpid()
            while self._idle and not fresh:
                conn = self._idle.pop()
                if not conn.closed:
                    return conn, True
        return self._connect(), False

    def discard_idle(self) -> None:
        """Close the idle connections (the server went away: they are all stale)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close_quietly(conn)

    def release(self, conn: Connection) -> None:
        from psycopg.pq import TransactionStatus

        reusable = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            ours = not self._closed and self._pid == os.getpid()
            if reusable and ours and len(self._idle) < self._size:
                self._idle.append(conn)
                return
        _close_quietly(conn)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            ours = self._pid == os.getpid()
        if ours:
            for conn in idle:
                _close_quietly(conn)


def _close_quietly(conn: Connection) -> None:
    # a connection that cannot even close is gone anyway
    with contextlib.suppress(Exception):
        conn.close()
