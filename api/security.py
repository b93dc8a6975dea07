"""API keys (stored as sha256 only) and a per-key rate limit."""

import hashlib
import hmac
import math
import secrets
import threading
import time
from dataclasses import dataclass

from pipeline.settings import ApiKey


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return "csg_" + secrets.token_urlsafe(24)


def find_key(presented: str, keys: list[ApiKey]) -> ApiKey | None:
    digest = hash_key(presented)
    found = None
    for key in keys:  # compare against every key, in constant time each
        if hmac.compare_digest(digest, key.sha256):
            found = key
    return found


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key: ``rate`` requests a minute, bursts up to ``rate``."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, name: str, rate_per_minute: int) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
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


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
