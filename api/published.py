"""The published index the server answers from, switched when the pipeline publishes.

Each request leases the current :class:`PublishedIndex`; when ``CURRENT`` names another version
(a new ingest, or a rollback) that version is opened and later requests get it, while requests
still holding the old one finish on it. The old one closes when its last lease ends. Nothing
is reopened per request: a check costs one ``stat`` of ``CURRENT``. A version that cannot be
opened is logged and the one being served stays.

In the server, versions are opened off the event loop (``open_in_background``): the first
one before the app takes requests, later ones in a thread of their own while requests go on
being answered from the version being served. Opened on the request path, as before, the
first request of each worker stalled about 1.5 s and every switch blocked all requests of
its worker for 70-85 ms. Without a running app (the CLI, tests) a request opens it itself.
"""

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.publish import CURRENT_FILE, PublishedVersion, list_versions, serving_version
from pipeline.search import NotPublished, PublishedIndex

logger = logging.getLogger(__name__)


def settle_heap() -> None:
    """Move what the process holds now (the opened version, the app, the libraries: over
    100,000 objects) out of the garbage collector's sight: its full collections then scan only
    what requests made since. Measured: a full collection over an opened version paused the
    process for 55-70 ms, and every request in flight with it.

    Only the young generations are collected first, and nothing is unfrozen: a full
    collection here would itself be that pause, once per switch, holding the interpreter
    lock that the event loop needs even while the version opens in another thread. A
    version frozen and later let go of is still freed, by reference counting, when its last
    request ends (it holds no reference cycles once closed); what the freeze keeps for ever
    is only the cyclic garbage of the old generation at that moment, a few objects a switch.
    """
    gc.collect(1)
    gc.freeze()


_UNREAD = object()


@dataclass
class _Lease:
    index: PublishedIndex
    users: int = 0
    retired: bool = False


class PublishedIndexHolder:
    def __init__(
        self,
        data_dir: Path,
        check_interval: float = 0.25,
        opener: Callable[[PublishedVersion], PublishedIndex] = PublishedIndex,
    ) -> None:
        self.data_dir = data_dir
        self.check_interval = check_interval
        self._open = opener
        self._opener_thread: ThreadPoolExecutor | None = None
        self._opening: Future[None] | None = None
        self._lease: _Lease | None = None
        # What CURRENT looked like when last read: (mtime, inode), None when it was missing,
        # and _UNREAD before the first look (so that a missing pointer is looked past once).
        self._pointer_stamp: tuple[int, int] | object | None = _UNREAD
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._switch_lock = threading.Lock()
        self.open_error: str | None = None  # why the version CURRENT names could not be opened

    @property
    def version(self) -> str | None:
        lease = self._lease
        return lease.index.version.name if lease else None

    def open_in_background(self) -> None:
        """From now on, a new version is opened in a thread of its own while requests go on
        with the one being served."""
        if self._opener_thread is None:
            self._opener_thread = ThreadPoolExecutor(1, thread_name_prefix="csguide-open")

    def settle(self, timeout: float | None = None) -> None:
        """Wait for a version being opened in the background (if any) to be served."""
        opening = self._opening
        if opening is not None:
            opening.result(timeout)

    def refresh(self, force: bool = False) -> None:
        """Switch to the version ``CURRENT`` names, if it changed: at once, or in the
        background after ``open_in_background``."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.check_interval and self._lease:
            return
        self._checked_at = now
        try:
            stat = (self.data_dir / CURRENT_FILE).stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_ino)
        except OSError:
            stamp = None  # no pointer: the newest readable version, if any, is served
        if stamp == self._pointer_stamp and (
            self._lease is not None or stamp is None or self.open_error is not None
        ):
            return  # unchanged; or it failed to open and nothing else serves: retried when
            # CURRENT moves, not by every request (each attempt logs an error)
        opener = self._opener_thread
        if opener is None:
            self._switch(stamp)
            return
        with self._lock:
            if self._opening is not None and not self._opening.done():
                return  # being opened; requests meanwhile use the version being served
            try:
                self._opening = opener.submit(self._logged_switch, stamp)
            except RuntimeError:  # closed meanwhile: the app is shutting down
                return

    def _logged_switch(self, stamp: tuple[int, int] | None) -> None:
        """_switch in the background thread, where nothing else would see what it raised."""
        try:
            self._switch(stamp)
        except Exception:
            logger.exception("switching index versions failed; still serving %s", self.version)
            raise

    def _switch(self, stamp: tuple[int, int] | None) -> None:
        with self._switch_lock:  # one thread opens the new version, the others keep serving
            serving = serving_version(self.data_dir)
            if serving.problem:
                logger.warning("%s", serving.problem)
            version = serving.version
            current = self._lease
            if version is None or (current and current.index.version.name == version.name):
                self._pointer_stamp = stamp
                return
            try:
                fresh = _Lease(self._open(version))
            except Exception as exc:  # a damaged version must not take down a working one
                self._pointer_stamp = stamp  # not retried per request; a new publish retries
                self.open_error = f"index version {version.name} cannot be opened: {exc}"
                logger.error("%s; still serving %s", self.open_error, self.version)
                if self._lease is not None:
                    return
                fallback = self._first_that_opens(skip=version.name)
                if fallback is None:
                    return
                fresh = fallback
            else:
                self.open_error = None
            with self._lock:
                old, self._lease = self._lease, fresh
                self._pointer_stamp = stamp
                if old is not None:
                    old.retired = True
                    if old.users == 0:
                        old.index.close()
            settle_heap()

    def _first_that_opens(self, skip: str) -> _Lease | None:
        """With nothing served yet, the newest other version that opens (a damaged newest
        version must not leave a starting server with nothing to answer from)."""
        for version in reversed(list_versions(self.data_dir)):
            if version.name == skip:
                continue
            try:
                lease = _Lease(self._open(version))
            except Exception as exc:
                logger.error("index version %s cannot be opened either: %s", version.name, exc)
                continue
            logger.warning("serving %s instead", version.name)
            return lease
        return None

    @contextmanager
    def use(self) -> Iterator[PublishedIndex]:
        """Lease the current index for the length of one request."""
        self.refresh()
        with self._lock:
            lease = self._lease
            if lease is None:
                raise NotPublished(self.open_error or f"no index is published in {self.data_dir}")
            lease.users += 1
        try:
            yield lease.index
        finally:
            with self._lock:
                lease.users -= 1
                if lease.retired and lease.users == 0:
                    lease.index.close()

    def close(self) -> None:
        if self._opener_thread is not None:
            self._opener_thread.shutdown(wait=True, cancel_futures=True)
            self._opener_thread = None
        with self._lock:
            if self._lease is not None:
                self._lease.retired = True
                if self._lease.users == 0:
                    self._lease.index.close()
                self._lease = None
