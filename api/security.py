"""API keys, stored as sha256 only (their rate limits: api/rate_limit.py)."""

import hashlib
import hmac
import math
import secrets

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


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
