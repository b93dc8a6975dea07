"""Where searches and agents' events are kept: one small interface, two databases.

By default SQLite in the data dir (``analytics.sqlite``, WAL mode), shared by every worker of
a host. With ``CSGUIDE_DATABASE_URL`` (``postgresql://…``) PostgreSQL instead, for several
hosts behind a load balancer writing one store. Both run the same statements (plain SQL
both read: ``INSERT … ON CONFLICT DO NOTHING``, no JSON or date functions); only the
placeholder differs. The store also keeps the secret that signs search ids, so that every
worker and every host sharing it accepts the others' ids.

Times are Unix seconds. A search's shown tips are one column (their ids, one per line), not a
row each: the writer shares the server's interpreter lock, and eleven rows a search cost
searches a fifth of their throughput (bench/analytics.py); the report splits them instead.
"""

import secrets
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pipeline.analytics.masking import mask_query

FILE_NAME = "analytics.sqlite"
#: The tables' layout, kept in the store's meta table; a store of another layout is refused
#: by name, with what to do.
SCHEMA_VERSION = "2"

EventType = Literal["open", "helpful", "not_helpful"]
EVENT_TYPES: tuple[EventType, ...] = ("open", "helpful", "not_helpful")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS csguide_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
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
_ADD_META = "INSERT INTO csguide_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"


class SearchRecord(NamedTuple):
    """A search as the route saw it. A named tuple: it is made on every search, where a
    frozen dataclass's ``__init__`` cost several times as much."""

    search_id: str
    at: float
    answer_lang: str
    query_lang: str | None
    query: str  # as typed: masked by the store as it is written (pipeline.analytics.masking)
    total: int
    latency_ms: float
    key_name: str | None
    shown: tuple[str, ...] = ()  # the tip ids answered, in order


class EventRecord(NamedTuple):
    at: float
    search_id: str
    type: EventType
    tip_id: str
    position: int
    key_name: str | None


class AnalyticsError(Exception):
    """The store cannot be opened or written; the message names it and what to do."""


class AnalyticsStore:
    """The store's interface, and what both databases do, over a DB-API connection (``?``
    placeholders here, turned into the driver's own)."""

    placeholder = "?"
    name = ""  # the file or the database, for messages

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one connection, shared by the writer and readers

    # -- the driver's part ------------------------------------------------------------------

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _create(self) -> None:
        """Make the tables, or check that those found are of this layout (in a transaction:
        workers starting together, one makes them)."""
        self._begin()
        try:
            empty = not self._has_tables()
            for statement in _SCHEMA:
                self._execute(statement)
            found = self._meta("schema")
            if found is None and empty:
                self._execute(_ADD_META, ("schema", SCHEMA_VERSION))
                found = SCHEMA_VERSION
            if found != SCHEMA_VERSION:
                raise AnalyticsError(
                    f"the analytics store {self.name} has layout {found or 'unknown'}, not "
                    f"{SCHEMA_VERSION} (made by another csguide): move it aside (a new one is "
                    "made)"
                )
            self._execute(_ADD_META, ("search_id_secret", secrets.token_hex(32)))
            self._commit()
        except BaseException:
            self._rollback()
            raise

    def _has_tables(self) -> bool:
        raise NotImplementedError

    def _meta(self, key: str) -> str | None:
        row = self._execute("SELECT value FROM csguide_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def secret(self) -> bytes:
        """The key that signs search ids, the same for every worker and host on this store."""
        with self._lock:
            value = self._meta("search_id_secret")
        if value is None:
            raise AnalyticsError(f"the analytics store {self.name} has no search id secret")
        return bytes.fromhex(value)

    def write(self, searches: Sequence[SearchRecord], events: Sequence[EventRecord]) -> None:
        """Add searches (with what they showed) and events, in one transaction. Queries are
        masked here, so that no way into a store keeps a customer's details; in the writer's
        thread, off the request path, a batch at a time."""
        search_rows = [
            (
                s.search_id,
                s.at,
                s.answer_lang,
                s.query_lang,
                mask_query(s.query),
                s.total,
                s.latency_ms,
                s.key_name,
                "\n".join(s.shown),
            )
            for s in searches
        ]
        with self._lock:
            self._begin()
            try:
                if search_rows:
                    self._executemany(
                        "INSERT INTO searches (search_id, at, answer_lang, query_lang, query, "
                        "total, latency_ms, key_name, shown) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (search_id) DO NOTHING",
                        search_rows,
                    )
                if events:
                    # An event is its row, in the table's order.
                    self._executemany(
                        "INSERT INTO events (at, search_id, type, tip_id, position, key_name) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        events,
                    )
                self._commit()
            except BaseException:
                self._rollback()
                raise

    def prune(self, before: float) -> int:
        """Delete what was recorded before ``before`` (retention); returns searches deleted."""
        with self._lock:
            self._begin()
            try:
                deleted = self._execute("DELETE FROM searches WHERE at < ?", (before,)).rowcount
                self._execute("DELETE FROM events WHERE at < ?", (before,))
                self._commit()
            except BaseException:
                self._rollback()
                raise
        return int(deleted)

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read-only query (``?`` placeholders)."""
        with self._lock:
            rows = list(self._execute(sql, tuple(params)).fetchall())
            self._end_read()
        return [tuple(row) for row in rows]

    def _end_read(self) -> None:
        pass


class SqliteAnalytics(AnalyticsStore):
    """The store in one SQLite file, safe to share between processes and threads."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.name = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, timeout=5.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._create()
        except AnalyticsError:
            self._db.close()
            raise
        except (OSError, sqlite3.Error) as exc:
            raise AnalyticsError(
                f"the analytics store {path} cannot be used ({exc}); move it aside (a new "
                "one is made) or set CSGUIDE_ANALYTICS=0"
            ) from exc

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._db.execute(sql, params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._db.executemany(sql, rows)

    def _begin(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self._db.execute("COMMIT")

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _has_tables(self) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master").fetchone() is not None

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresAnalytics(AnalyticsStore):
    """The store in PostgreSQL (``CSGUIDE_DATABASE_URL``), for several hosts at once."""

    placeholder = "%s"

    def __init__(self, url: str) -> None:
        super().__init__()
        import psycopg

        self._errors: tuple[type[Exception], ...] = (psycopg.Error,)
        self.name = _without_password(url)
        self.path = Path(self.name)  # for messages
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=10)
            # Workers of several hosts may start together: one makes the tables.
            self._execute("SELECT pg_advisory_lock(4209170317)")
            try:
                self._create()
            finally:
                self._execute("SELECT pg_advisory_unlock(4209170317)")
        except psycopg.Error as exc:
            raise AnalyticsError(
                f"the analytics database {self.name} cannot be used ({exc}); check "
                "CSGUIDE_DATABASE_URL, or set CSGUIDE_ANALYTICS=0"
            ) from exc

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._db.execute(self._sql(sql), params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._db.cursor() as cursor:
            cursor.executemany(self._sql(sql), rows)

    def _begin(self) -> None:
        self._db.execute("BEGIN")

    def _commit(self) -> None:
        self._db.execute("COMMIT")

    def _rollback(self) -> None:
        if not self._db.closed:
            self._db.execute("ROLLBACK")

    def _has_tables(self) -> bool:
        row = self._execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = 'searches' "
            "AND table_schema = current_schema()"
        ).fetchone()
        return row is not None

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _without_password(url: str) -> str:
    """The URL as it may appear in messages and logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def open_store(data_dir: Path, database_url: str | None = None) -> AnalyticsStore:
    """PostgreSQL when a database URL is set, else SQLite in the data dir."""
    if database_url:
        return PostgresAnalytics(database_url)
    return SqliteAnalytics(data_dir / FILE_NAME)
