"""Per-key rate limits: token buckets shared by every worker process of a host.

With ``--workers 2`` a limiter in each process let a key through twice as often (65 answers
in 8 s for 30 a minute). The buckets live in SQLite in the data dir instead: every worker of
every ``csguide serve`` on that data dir takes from the same bucket, and a restarted worker
finds the buckets as they were. One UPSERT per request, in WAL mode without fsync (a bucket
lost in a power cut costs nothing); ``bench/rate_limit.py`` measures its cost beside the
in-process limiter.
"""

import fcntl
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

logger = logging.getLogger("csguide.api")

FILE_NAME = "rate-limits.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    tokens REAL NOT NULL,   -- left after this request
    refill REAL NOT NULL,   -- there were before it: at least 1 means it went ahead
    updated REAL NOT NULL   -- Unix time; shared by processes, unlike a monotonic clock
)
"""
# One statement, so taking a token is atomic across processes without an explicit
# transaction. SQLite evaluates every SET expression on the row as it was.
_TAKE = """
INSERT INTO buckets (name, tokens, refill, updated) VALUES (:name, :rate - 1, :rate, :now)
ON CONFLICT (name) DO UPDATE SET
    refill = min(:rate, tokens + max(0.0, :now - updated) * :per_second),
    tokens = min(:rate, tokens + max(0.0, :now - updated) * :per_second)
        - (min(:rate, tokens + max(0.0, :now - updated) * :per_second) >= 1),
    -- never back: a process that read the clock before waiting for the lock must not
    -- earn the same seconds twice
    updated = max(updated, :now)
RETURNING refill
"""


class RateLimiter(Protocol):
    def take(self, name: str, rate_per_minute: int) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class LocalRateLimiter:
    """A token bucket per key in this process: ``rate`` requests a minute, bursts up to
    ``rate``. Used when the shared store cannot be opened."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, name: str, rate_per_minute: int) -> float:
        now = time.monotonic()
        per_second = rate_per_minute / 60
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None:
                bucket = self._buckets[name] = _Bucket(float(rate_per_minute), now)
            bucket.tokens = min(
                rate_per_minute, bucket.tokens + (now - bucket.updated) * per_second
            )
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / per_second


class SharedRateLimiter:
    """The same token buckets, in a SQLite file every process on the host opens."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = _connect(path)
        self._lock = threading.Lock()  # one connection, used from the event loop and threads
        self._fallback = LocalRateLimiter()
        self._last_error = float("-inf")

    def take(self, name: str, rate_per_minute: int) -> float:
        per_second = rate_per_minute / 60
        values = {"name": name, "rate": rate_per_minute, "per_second": per_second}
        try:
            with self._lock:
                (refill,) = self._db.execute(_TAKE, values | {"now": time.time()}).fetchone()
        except sqlite3.Error as exc:
            # A limit must not turn into an outage: count in this process meanwhile.
            self._warn(exc)
            return self._fallback.take(name, rate_per_minute)
        return 0.0 if refill >= 1 else (1 - refill) / per_second

    def _warn(self, exc: sqlite3.Error) -> None:
        now = time.monotonic()
        if now - self._last_error >= 60:
            self._last_error = now
            logger.warning(
                "rate limits: %s unusable (%s); limiting per process meanwhile", self.path, exc
            )


def _connect(path: Path) -> sqlite3.Connection:
    # A short wait for the lock: take() runs on the event loop (a few µs when uncontended).
    db = sqlite3.connect(path, timeout=0.5, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(_SCHEMA)
    except sqlite3.Error:
        db.close()
        raise
    return db


def open_rate_limiter(data_dir: Path) -> RateLimiter:
    """The shared limiter over ``data_dir``, or, when that cannot be written, one per process
    (with a warning saying so)."""
    path = data_dir / FILE_NAME
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # Workers start together: one at a time here, so that one replacing a damaged file
        # cannot delete the fresh file another has just made.
        with open(data_dir / f"{FILE_NAME}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                return SharedRateLimiter(path)
            except sqlite3.DatabaseError as exc:
                if "not a database" not in str(exc) and "malformed" not in str(exc):
                    raise
                # Buckets are disposable: a damaged file is replaced, not a reason to stop.
                logger.warning("rate limits: %s was damaged (%s); starting it afresh", path, exc)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                return SharedRateLimiter(path)
    except (OSError, sqlite3.Error) as exc:
        logger.warning(
            "rate limits: cannot use %s (%s); each worker process limits on its own", path, exc
        )
        return LocalRateLimiter()
