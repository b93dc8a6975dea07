"""Where searches and agents' events are kept: one small interface, SQLite by default.

SQLite in the data dir (``analytics.sqlite``, WAL mode) is shared by every worker of a host.
The statements are plain SQL that PostgreSQL reads too (``INSERT … ON CONFLICT DO NOTHING``,
no JSON functions), so that several hosts can later write one store through the same code.
Times are Unix seconds. A search's shown tips are one column (their ids, one per line), not a
row each: the writer shares the server's interpreter lock, and eleven rows a search cost
searches a fifth of their throughput (bench/analytics.py); the report splits them instead.
"""

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FILE_NAME = "analytics.sqlite"
#: The tables' layout (SQLite's user_version); a store of another layout is refused by name.
SCHEMA_VERSION = 1

EventType = Literal["open", "helpful", "not_helpful"]
EVENT_TYPES: tuple[EventType, ...] = ("open", "helpful", "not_helpful")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS searches (
        search_id TEXT PRIMARY KEY,
        at DOUBLE PRECISION NOT NULL,
        answer_lang TEXT NOT NULL,
        query_lang TEXT,
        query TEXT NOT NULL,
        total INTEGER NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL,
        key_name TEXT,
        shown TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS searches_at ON searches (at)",
    """CREATE TABLE IF NOT EXISTS events (
        at DOUBLE PRECISION NOT NULL,
        search_id TEXT NOT NULL,
        type TEXT NOT NULL,
        tip_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        key_name TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS events_search ON events (search_id)",
    "CREATE INDEX IF NOT EXISTS events_at ON events (at)",
)


@dataclass(frozen=True)
class SearchRecord:
    search_id: str
    at: float
    answer_lang: str
    query_lang: str | None
    query: str  # normalised and masked (pipeline.analytics.masking)
    total: int
    latency_ms: float
    key_name: str | None
    shown: tuple[str, ...] = field(default=())  # the tip ids answered, in order


@dataclass(frozen=True)
class EventRecord:
    at: float
    search_id: str
    type: EventType
    tip_id: str
    position: int
    key_name: str | None


class AnalyticsError(Exception):
    """The store cannot be opened or written; the message names it and what to do."""


class SqliteAnalytics:
    """The store in one SQLite file, safe to share between processes and threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, timeout=5.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("BEGIN IMMEDIATE")  # workers starting together: one creates
            (found,) = self._db.execute("PRAGMA user_version").fetchone()
            empty = not self._db.execute("SELECT 1 FROM sqlite_master").fetchone()
            if found != SCHEMA_VERSION and not empty:
                self._db.execute("ROLLBACK")
                self._db.close()
                raise AnalyticsError(
                    f"the analytics store {path} has layout {found}, not {SCHEMA_VERSION} "
                    "(made by another csguide): move it aside (a new one is made)"
                )
            for statement in _SCHEMA:
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except (OSError, sqlite3.Error) as exc:
            raise AnalyticsError(
                f"the analytics store {path} cannot be used ({exc}); move it aside (a new "
                "one is made) or set CSGUIDE_ANALYTICS=0"
            ) from exc
        self._lock = threading.Lock()

    def write(self, searches: Sequence[SearchRecord], events: Sequence[EventRecord]) -> None:
        """Add searches (with what they showed) and events, in one transaction."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT INTO searches (search_id, at, answer_lang, query_lang, query, "
                    "total, latency_ms, key_name, shown) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (search_id) DO NOTHING",
                    [
                        (
                            s.search_id,
                            s.at,
                            s.answer_lang,
                            s.query_lang,
                            s.query,
                            s.total,
                            s.latency_ms,
                            s.key_name,
                            "\n".join(s.shown),
                        )
                        for s in searches
                    ],
                )
                self._db.executemany(
                    "INSERT INTO events (at, search_id, type, tip_id, position, key_name) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(e.at, e.search_id, e.type, e.tip_id, e.position, e.key_name) for e in events],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def prune(self, before: float) -> int:
        """Delete what was recorded before ``before`` (retention); returns searches deleted."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                deleted = self._db.execute("DELETE FROM searches WHERE at < ?", (before,)).rowcount
                self._db.execute("DELETE FROM events WHERE at < ?", (before,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return int(deleted)

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read-only query (``?`` placeholders)."""
        with self._lock:
            return list(self._db.execute(sql, tuple(params)))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_store(data_dir: Path) -> SqliteAnalytics:
    return SqliteAnalytics(data_dir / FILE_NAME)
