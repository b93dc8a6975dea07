"""Recording searches and agents' events for the editors' report, off the request path.

A request only appends a record to a bounded queue; one thread per worker writes the queue
to the store in batches, once a second. A full queue (the store slow
or gone) drops analytics, never a search: the drops are counted in ``/metrics``.

A search's id is signed (keyed BLAKE2b, a MAC by design and a quarter of HMAC-SHA256's time on
a request, over its time and a random part, with a secret kept in the store), so that
``POST /v1/events`` can tell an id this service gave out from a made-up one on any worker, or
any host sharing a PostgreSQL store, before the search is written.
"""

import base64
import hashlib
import hmac
import logging
import secrets
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass

from api.metrics import analytics_dropped
from pipeline.analytics.store import (
    AnalyticsError,
    AnalyticsStore,
    EventRecord,
    SearchRecord,
    open_store,
)
from pipeline.settings import Settings

logger = logging.getLogger("csguide.analytics")

_QUEUE_SIZE = 10_000
_BATCH = 500
_FLUSH_SECONDS = 1.0
_PRUNE_SECONDS = 3600.0


class SearchIds:
    """Signed search ids: ``<16 bytes: milliseconds, random>.<12 bytes of MAC>``, base64url."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def new(self, now: float | None = None) -> str:
        body = struct.pack(">Q", int((now or time.time()) * 1000)) + secrets.token_bytes(8)
        return f"{_b64(body)}.{_b64(self._mac(body))}"

    def issued_at(self, search_id: str) -> float | None:
        """When the id was given out (Unix seconds), or None if this service did not give it."""
        body_text, _, mac_text = search_id.partition(".")
        try:
            body, mac = _unb64(body_text), _unb64(mac_text)
        except ValueError:
            return None
        if len(body) != 16 or not hmac.compare_digest(mac, self._mac(body)):
            return None
        return float(struct.unpack(">Q", body[:8])[0]) / 1000

    def _mac(self, body: bytes) -> bytes:
        return hashlib.blake2b(body, key=self._secret, digest_size=12).digest()


@dataclass
class Analytics:
    recorder: "Recorder"
    ids: SearchIds

    def close(self) -> None:
        self.recorder.close()


def start_analytics(settings: Settings) -> Analytics | None:
    """Analytics for a server starting, or None when they are off or cannot be kept (with a
    warning: searches go on without them)."""
    if not settings.analytics:
        return None
    try:
        store = open_store(settings.data_dir, settings.database_url)
        secret = store.secret()
    except (AnalyticsError, OSError) as exc:
        logger.warning("analytics are off: %s", exc)
        return None
    return Analytics(Recorder(store, settings.analytics_days), SearchIds(secret))


class Recorder:
    """The queue and the thread that writes it to the store.

    The queue is a plain deque that the thread drains once a second: a record costs an
    append, with no lock and no wake-up of the thread (a ``queue.Queue`` notifies its
    consumer on every put, a switch of the interpreter lock away from the event loop).
    """

    def __init__(
        self, store: AnalyticsStore, keep_days: int, queue_size: int = _QUEUE_SIZE
    ) -> None:
        self.store = store
        self.keep_seconds = keep_days * 86400.0
        self._size = queue_size
        self._queue: deque[SearchRecord | EventRecord] = deque()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="csguide-analytics", daemon=True)
        self._last_error = float("-inf")
        self._thread.start()

    def record(self, item: SearchRecord | EventRecord) -> None:
        if len(self._queue) >= self._size:  # the store is slow or gone: analytics give way
            analytics_dropped.inc()
            return
        self._queue.append(item)

    def close(self) -> None:
        """Write what is queued, then stop."""
        self._stop.set()
        self._thread.join(timeout=10)
        self.store.close()

    def _run(self) -> None:
        next_prune = 0.0
        while True:
            stopping = self._stop.wait(_FLUSH_SECONDS)
            self._drain()
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + _PRUNE_SECONDS
                self._prune()
            if stopping:
                return

    def _drain(self) -> None:
        while self._queue:
            batch: list[SearchRecord | EventRecord] = []
            while self._queue and len(batch) < _BATCH:
                batch.append(self._queue.popleft())
            self._write(batch)

    def _write(self, batch: list[SearchRecord | EventRecord]) -> None:
        searches = [item for item in batch if isinstance(item, SearchRecord)]
        events = [item for item in batch if isinstance(item, EventRecord)]
        try:
            self.store.write(searches, events)
        except Exception as exc:  # the store failing must not end the thread
            analytics_dropped.inc(len(batch))
            self._warn(exc)

    def _prune(self) -> None:
        try:
            self.store.prune(time.time() - self.keep_seconds)
        except Exception as exc:
            self._warn(exc)

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_error >= 60:
            self._last_error = now
            logger.warning("analytics: %s unusable (%s); dropping records", self.store.name, exc)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or len(text) > 64:
        raise ValueError("not an id")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not an id") from exc
