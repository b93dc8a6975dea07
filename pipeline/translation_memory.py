"""Translation memory: every machine translation made, so none is ever made twice.

SQLite in the data dir, keyed by (sha256 of the source text, source language, target language).
Each row keeps the text, the engine and model version that made it, when, and whether the
output looked broken (then it is kept, so it is not recomputed, but never indexed). A row made
by another model version than the one installed now is stale and is redone. Rows no current tip
uses any more are marked outdated after each ingest.
"""

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    source_hash TEXT NOT NULL,
    source_lang TEXT NOT NULL,
    target_lang TEXT NOT NULL,
    source_text TEXT NOT NULL,
    text TEXT NOT NULL,
    provenance TEXT NOT NULL,
    engine TEXT NOT NULL,
    model TEXT NOT NULL,
    problem TEXT,
    outdated INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    PRIMARY KEY (source_hash, source_lang, target_lang)
) WITHOUT ROWID;
"""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class MemoryEntry:
    source_text: str
    source_lang: str
    target_lang: str
    text: str
    engine: str
    model: str
    problem: str | None = None
    provenance: str = "machine"
    outdated: bool = False
    created: str = ""

    @property
    def source_hash(self) -> str:
        return text_hash(self.source_text)


class TranslationMemory:
    """A SQLite translation memory; one connection, used from one thread."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        if readonly:  # dry runs look up, never write
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def lookup(
        self, texts: Iterable[str], source_lang: str, target_lang: str
    ) -> dict[str, MemoryEntry]:
        """Source text → stored translation, for the texts the memory holds."""
        by_hash = {text_hash(text): text for text in texts}
        found: dict[str, MemoryEntry] = {}
        hashes = list(by_hash)
        for start in range(0, len(hashes), 500):  # SQLite's limit on bound parameters
            chunk = hashes[start : start + 500]
            rows = self._db.execute(
                "SELECT source_hash, text, engine, model, problem, provenance, outdated, created "
                "FROM translations WHERE source_lang = ? AND target_lang = ? "
                f"AND source_hash IN ({','.join('?' * len(chunk))})",
                (source_lang, target_lang, *chunk),
            )
            for digest, text, engine, model, problem, provenance, outdated, created in rows:
                source = by_hash[digest]
                found[source] = MemoryEntry(
                    source,
                    source_lang,
                    target_lang,
                    text,
                    engine,
                    model,
                    problem,
                    provenance,
                    bool(outdated),
                    created,
                )
        return found

    def store(self, entries: Sequence[MemoryEntry]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO translations (source_hash, source_lang, target_lang, "
                "source_text, text, provenance, engine, model, problem, outdated, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                [
                    (
                        e.source_hash,
                        e.source_lang,
                        e.target_lang,
                        e.source_text,
                        e.text,
                        e.provenance,
                        e.engine,
                        e.model,
                        e.problem,
                        now,
                    )
                    for e in entries
                ],
            )

    def mark_outdated_except(self, live: Iterable[tuple[str, str, str]]) -> int:
        """Flag rows whose (source text, source lang, target lang) is not in ``live``."""
        keep = {(text_hash(text), source, target) for text, source, target in live}
        with self._db:
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS live (h TEXT, s TEXT, t TEXT)")
            self._db.execute("DELETE FROM live")
            self._db.executemany("INSERT INTO live VALUES (?, ?, ?)", keep)
            self._db.execute(
                "UPDATE translations SET outdated = 0 WHERE (source_hash, source_lang, "
                "target_lang) IN (SELECT h, s, t FROM live)"
            )
            cursor = self._db.execute(
                "UPDATE translations SET outdated = 1 WHERE outdated = 0 AND (source_hash, "
                "source_lang, target_lang) NOT IN (SELECT h, s, t FROM live)"
            )
        return cursor.rowcount

    def count(self, *, outdated: bool | None = None) -> int:
        query = "SELECT COUNT(*) FROM translations"
        if outdated is not None:
            query += f" WHERE outdated = {int(outdated)}"
        return int(self._db.execute(query).fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "TranslationMemory":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
