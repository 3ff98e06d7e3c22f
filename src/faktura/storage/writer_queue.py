"""WriterQueue: a first-come-first-served lock shared by threads and processes, kept in a
sidecar file; SqliteStore lines its writers up in it before SQLite's own write lock.

Why: SQLite's busy handler makes a blocked writer sleep and retry, so a process that
commits and begins again at once beats writers that have been waiting (waits of 0.5-1.5 s
with four busy writers). Here every writer draws a ticket and waits only for the writer
just before it.

How: byte-range locks (``fcntl.lockf``) on the sidecar file. Bytes 0-7 hold the next
ticket; a lock on byte 0 guards drawing one. Ticket ``t`` is a lock on byte ``8 + t``, taken
when the ticket is drawn and held until the writer is done; its holder may go once it can
lock byte ``8 + t - 1``, i.e. once the writer before it has finished, given up, or died
(the kernel drops a dead process's locks, so a crash never blocks the queue).

POSIX locks belong to a process, not a thread, so the threads of one process first line
up in an in-process FIFO; only its head stands in the file's queue. The queue is about
fairness, never about correctness: SQLite's lock still guards every write, and a writer
that gives up its place (time-out) lets the next one go early at worst.
"""

from __future__ import annotations

import _thread
import collections
import errno
import os
import sys
import threading
import time
from pathlib import Path

# Without POSIX locks (Windows) only the threads of a process queue fairly.
_POSIX = sys.platform != "win32"
if _POSIX:
    import fcntl

__all__ = ["WriterQueue"]

_COUNTER_SIZE = 8
_FIRST_TICKET = 8  # byte offset of ticket 0's lock


class _FifoLock:
    """A lock handed to waiting threads in the order they came, with a time-out."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: collections.deque[threading.Lock] = collections.deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(timeout=max(timeout, 0)):
            return True
        with self._mutex:
            try:
                self._waiters.remove(waiter)
            except ValueError:  # handed over between the time-out and now: ours
                return True
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # stays held: the next thread owns it
            else:
                self._held = False


class _Shared:
    """What the stores of one process share for one sidecar file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = _FifoLock()
        self.fd: int | None = None
        self.users = 0


class _Registry:
    """The sidecar files this process has open, by path; a forked child starts afresh."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.files: dict[str, _Shared] = {}


_registry = _Registry()


def _current() -> _Registry:
    global _registry
    if _registry.pid != os.getpid():
        # A forked child: the parent's locks are not ours and its state may be mid-change.
        _registry = _Registry()
    return _registry


class WriterQueue:
    """The fair queue of the writers of one database, in the sidecar file ``path``.

    ``acquire`` returns a ticket or None when ``timeout`` seconds passed first;
    ``release`` gives the place to the next writer. Raises OSError when the sidecar file
    cannot be opened or locked.
    """

    def __init__(self, path: Path) -> None:
        key = os.path.realpath(path)
        registry = _current()
        with registry.lock:
            shared = registry.files.get(key)
            if shared is None:
                shared = registry.files[key] = _Shared(key)
            shared.users += 1
        self._shared = shared
        self._registry = registry
        self._closed = False

    def acquire(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        shared = self._shared
        if not shared.local.acquire(timeout):
            return None
        if not _POSIX:  # pragma: no cover
            return 0
        try:
            fd = self._fd()
            ticket = _draw(fd)
            if ticket > 0 and not _wait_for(fd, _FIRST_TICKET + ticket - 1, deadline):
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, _FIRST_TICKET + ticket)
                shared.local.release()
                return None
        except BaseException:
            shared.local.release()
            raise
        return ticket

    def release(self, ticket: int) -> None:
        try:
            if _POSIX and self._shared.fd is not None:
                fcntl.lockf(self._shared.fd, fcntl.LOCK_UN, 1, _FIRST_TICKET + ticket)
        finally:
            self._shared.local.release()

    def close(self) -> None:
        """Stop using the sidecar file; the last user of the process closes it."""
        if self._closed:
            return
        self._closed = True
        registry, shared = self._registry, self._shared
        if registry is not _current():
            return  # the parent's file, in a forked child: leave it alone
        with registry.lock:
            shared.users -= 1
            if shared.users == 0:
                registry.files.pop(shared.path, None)
                if shared.fd is not None:
                    os.close(shared.fd)
                    shared.fd = None

    def _fd(self) -> int:
        shared = self._shared
        if shared.fd is None:
            shared.fd = os.open(shared.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        return shared.fd


def _try_lock(fd: int, offset: int) -> bool:
    """Take the lock on byte ``offset`` if it is free."""
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise
    return True


def _draw(fd: int) -> int:
    """The next ticket, its lock taken."""
    fcntl.lockf(fd, fcntl.LOCK_EX, 1, 0)
    try:
        while True:
            raw = os.pread(fd, _COUNTER_SIZE, 0)
            ticket = int.from_bytes(raw.ljust(_COUNTER_SIZE, b"\0"), "little")
            os.pwrite(fd, (ticket + 1).to_bytes(_COUNTER_SIZE, "little"), 0)
            # Taken only by a writer from before the counter was reset: skip that ticket.
            if _try_lock(fd, _FIRST_TICKET + ticket):
                return ticket
    finally:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 0)


def _wait_for(fd: int, offset: int, deadline: float) -> bool:
    """Wait until the lock on byte ``offset`` is free (its writer is done); False on
    time-out.

    A blocking lock call wakes us the moment the writer before is done (polling costs a
    third of the throughput) but cannot time out, so a helper thread makes it while we
    wait for the helper with a time-out. A helper left behind after a time-out takes and
    drops that lock once its writer is done, which harms no one: only our ticket waited
    for it.
    """
    if _try_lock(fd, offset):
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)
        return True
    done = _thread.allocate_lock()
    done.acquire()
    # _thread, not threading: Thread.start() waits for the thread to run, a GIL round trip
    _thread.start_new_thread(_wait_in_thread, (fd, offset, done))
    return done.acquire(timeout=max(deadline - time.monotonic(), 0))


def _wait_in_thread(fd: int, offset: int, done: _thread.LockType) -> None:
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX, 1, offset)
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)
    except OSError:
        pass  # e.g. the file was closed: go ahead; SQLite's lock still guards the write
    finally:
        done.release()
