"""Stage 6, publish: versioned index directories behind one atomically switched pointer.

Layout of the data dir::

    CURRENT                  name of the version being served (replaced with os.replace)
    versions/<name>/         one published version: manifest.json, articles.json,
                             glossary.json (the editors' glossary, checked), index/<lang>/,
                             files.json (every file's size and sha256, checked before a
                             rollback switches to it)
    versions/.build-<uuid>/  a version being built; never read, removed if an ingest died
    state/                   the ingest's cache of processed articles (see pipeline.state)
    ingest.lock              held (flock) by the running ingest

A version is built completely in a ``.build-*`` directory, validated, renamed into place and only
then named in ``CURRENT``, so readers never see a half-built index; older versions stay on disk
for rollback. A ``CURRENT`` that cannot be read, or names no readable version, does not leave
good versions unserved: the newest readable one is served and the reason said.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from pipeline.checkpoints import checkpoint
from pipeline.files import atomic_write_text, fsync_dir

CURRENT_FILE = "CURRENT"
VERSIONS_DIR = "versions"
MANIFEST_FILE = "manifest.json"
ARTICLES_FILE = "articles.json"
#: The glossary published with the version (read it with pipeline.glossary.load_published_glossary).
GLOSSARY_FILE = "glossary.json"
#: Every file of a version with its size and sha256, written when it is published: a version
#: is checked against it before anything switches to it (a truncated file opens fine).
FILES_LIST = "files.json"
#: In a version from the moment it is put in place until just before ``CURRENT`` moves to it
#: (not in its files list): a version that still has it was never served.
UNSERVED_MARKER = "UNSERVED"
INDEX_DIR = "index"
LOCK_FILE = "ingest.lock"
_BUILD_PREFIX = ".build-"
_VERSION_NAME = re.compile(r"^(\d{6})-\d{8}T\d{6}Z$")


class Manifest(BaseModel):
    version: str
    created: datetime
    format_version: int
    fingerprint: str
    #: Hash of what the version was built from (articles, editor files, glossary, model routes):
    #: when it is unchanged, a re-ingest stops before building any record.
    inputs: str = ""
    articles: int
    tips: int
    languages: dict[str, int]
    provenance: dict[str, dict[str, int]] = {}
    #: Concepts in the version's glossary.json (0: none, or a version from before glossaries).
    glossary_concepts: int = 0
    #: Language pair ("lv→en") → the model(s) whose machine translations the version holds
    #: (empty: none, or a version from before this was recorded).
    models: dict[str, str] = {}


@dataclass(frozen=True)
class PublishedVersion:
    name: str
    path: Path
    manifest: Manifest

    def index_dir(self, lang: str) -> Path:
        return self.path / INDEX_DIR / lang


class PublishError(Exception):
    pass


class IngestBusy(PublishError):
    pass


def versions_dir(data_dir: Path) -> Path:
    return data_dir / VERSIONS_DIR


def read_version(data_dir: Path, name: str) -> PublishedVersion | None:
    if not _VERSION_NAME.match(name):
        return None
    path = versions_dir(data_dir) / name
    try:
        manifest = Manifest.model_validate_json((path / MANIFEST_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    return PublishedVersion(name=name, path=path, manifest=manifest)


@dataclass(frozen=True)
class Serving:
    """The version to serve, and what was wrong with ``CURRENT`` if it is not the one named."""

    version: PublishedVersion | None
    problem: str | None = None


def serving_version(data_dir: Path) -> Serving:
    """The version ``CURRENT`` names; when ``CURRENT`` is unreadable or names no readable
    version, the newest readable one, with the reason (a damaged pointer must not turn a
    data dir full of good versions into 'nothing published')."""
    problem = None
    try:
        name = (data_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        name = None
    except (OSError, UnicodeDecodeError) as exc:
        name = None
        problem = f"{CURRENT_FILE} cannot be read ({getattr(exc, 'strerror', None) or exc})"
    if name is not None:
        version = read_version(data_dir, name)
        if version is not None:
            return Serving(version)
        problem = f"{CURRENT_FILE} names {name[:40]!r}, which is no readable version"
    kept = list_versions(data_dir)
    if not kept:
        return Serving(None, problem)
    fallback = kept[-1]
    if problem is None:  # versions but no pointer: a first ingest killed after its rename
        problem = f"{CURRENT_FILE} is missing"
    return Serving(fallback, f"{problem}; serving the newest readable version {fallback.name}")


def current_version(data_dir: Path) -> PublishedVersion | None:
    """The version being served (see :func:`serving_version`), or None when none is."""
    return serving_version(data_dir).version


def list_versions(data_dir: Path) -> list[PublishedVersion]:
    """Published versions on disk, oldest first."""
    root = versions_dir(data_dir)
    if not root.is_dir():
        return []
    found = (read_version(data_dir, entry.name) for entry in sorted(root.iterdir()))
    return [version for version in found if version is not None]


def new_build_dir(data_dir: Path) -> Path:
    path = versions_dir(data_dir) / f"{_BUILD_PREFIX}{uuid.uuid4().hex}"
    path.mkdir(parents=True)
    return path


def next_version_name(data_dir: Path, now: datetime | None = None) -> str:
    root = versions_dir(data_dir)
    numbers = [0]
    if root.is_dir():
        numbers += [int(m.group(1)) for e in root.iterdir() if (m := _VERSION_NAME.match(e.name))]
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{max(numbers) + 1:06d}-{stamp}"


def publish(data_dir: Path, build_dir: Path, name: str, keep: int) -> PublishedVersion:
    """Move a finished, validated build into place and point ``CURRENT`` at it."""
    target = versions_dir(data_dir) / name
    _write_files_list(build_dir)
    (build_dir / UNSERVED_MARKER).touch()
    _fsync_tree(build_dir)
    os.rename(build_dir, target)  # atomic on one filesystem; target must not exist
    fsync_dir(target.parent)
    checkpoint("renamed")
    version = read_version(data_dir, name)
    if version is None:
        raise PublishError(f"version {name} has no readable manifest")
    # Gone before CURRENT moves: a kill in between leaves a version that looks served,
    # never a served one that looks unserved.
    (target / UNSERVED_MARKER).unlink()
    fsync_dir(target)
    _point_current_at(data_dir, name)
    checkpoint("switched")
    prune_versions(data_dir, keep)
    return version


def _point_current_at(data_dir: Path, name: str) -> None:
    atomic_write_text(data_dir / CURRENT_FILE, name + "\n")


@dataclass(frozen=True)
class RolledBack:
    version: PublishedVersion
    skipped: tuple[str, ...] = ()  # "<version>: why it cannot be served", newest first


def rollback(
    data_dir: Path,
    prepare: Callable[[PublishedVersion], None] | None = None,
    check: Callable[[PublishedVersion], None] | None = None,
) -> RolledBack:
    """Serve the newest version older than the current one that ``check`` (if given) accepts,
    after ``prepare`` (if given) has run on it. ``check`` raises to refuse a version (a
    truncated index file, say): it is skipped and named, and ``CURRENT`` only ever moves to a
    version that passed."""
    current = current_version(data_dir)
    older = [v for v in list_versions(data_dir) if current is None or v.name < current.name]
    if not older:
        raise PublishError("no earlier version to roll back to")
    skipped: list[str] = []
    for candidate in reversed(older):
        try:
            if prepare is not None:
                prepare(candidate)
            if check is not None:
                check(candidate)
        except (OSError, ValueError, PublishError) as exc:
            skipped.append(f"{candidate.name}: {exc}")
            continue
        _point_current_at(data_dir, candidate.name)
        return RolledBack(candidate, tuple(skipped))
    raise PublishError(
        "no earlier version can be served: " + "; ".join(skipped) + f"; {CURRENT_FILE} unchanged"
    )


def prune_versions(data_dir: Path, keep: int) -> list[str]:
    """Remove the oldest versions beyond ``keep``; the current one is always kept."""
    current = current_version(data_dir)
    versions = list_versions(data_dir)
    removable = [v for v in versions[:-keep] if current is None or v.name != current.name]
    for version in removable:
        shutil.rmtree(version.path, ignore_errors=True)
    return [version.name for version in removable]


def remove_leftover_builds(data_dir: Path) -> list[str]:
    """Delete ``.build-*`` directories of ingests that died, and versions an ingest put in
    place but died before serving (:func:`unpublished_versions`); call only while holding the
    lock. Returns what was removed."""
    root = versions_dir(data_dir)
    if not root.is_dir():
        return []
    leftovers = [entry for entry in root.iterdir() if entry.name.startswith(_BUILD_PREFIX)]
    leftovers += [version.path for version in unpublished_versions(data_dir)]
    for entry in leftovers:
        shutil.rmtree(entry, ignore_errors=True)
    for stray in [*data_dir.glob(f".{CURRENT_FILE}.*"), *data_dir.glob("state/.*.tmp")]:
        stray.unlink(missing_ok=True)
    return [entry.name for entry in leftovers]


def unpublished_versions(data_dir: Path) -> list[PublishedVersion]:
    """Versions an ingest put in place and was killed before switching to (they still hold
    :data:`UNSERVED_MARKER`), newer than the one ``CURRENT`` names. Never served and never
    a rollback target (a rollback goes back), they would still count toward the versions
    kept and push out the last one that was served. Decided by the marker, not by clocks."""
    try:
        name = (data_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return []  # no trustworthy pointer: every version may be the one to serve
    current = read_version(data_dir, name)
    if current is None:
        return []
    return [
        version
        for version in list_versions(data_dir)
        if version.name > current.name and (version.path / UNSERVED_MARKER).exists()
    ]


#: File descriptors of locks this process holds; processes forked while holding one must close
#: their copy, or a lock would outlive a killed ingest in its orphaned helpers.
HELD_LOCK_FDS: set[int] = set()


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data dir's ingest lock; a second ingest gets :class:`IngestBusy` at once.

    flock is released by the kernel when the process dies, even by ``kill -9``, so a crashed
    ingest never leaves a lock behind.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / LOCK_FILE).open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise IngestBusy(
                f"another ingest is running on {data_dir} ({holder}); try again when it ends"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%SZ}")
        handle.flush()
        HELD_LOCK_FDS.add(handle.fileno())
        try:
            yield
        finally:
            HELD_LOCK_FDS.discard(handle.fileno())
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _file_digests(root: Path) -> dict[str, tuple[int, str]]:
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel != FILES_LIST:
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            found[rel] = (path.stat().st_size, digest)
    return found


def _write_files_list(build_dir: Path) -> None:
    listed = {
        rel: {"size": size, "sha256": digest}
        for rel, (size, digest) in _file_digests(build_dir).items()
    }
    (build_dir / FILES_LIST).write_text(json.dumps(listed, indent=0) + "\n", encoding="utf-8")


def damaged_files(version: PublishedVersion) -> list[str]:
    """What differs from the files list written when ``version`` was published: missing,
    truncated or changed files (a version from before the list: nothing is known)."""
    try:
        listed = json.loads((version.path / FILES_LIST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        return [f"{FILES_LIST} unreadable ({exc})"]
    problems = []
    for rel, expected in listed.items():
        path = version.path / rel
        try:
            size = path.stat().st_size
        except OSError:
            problems.append(f"{rel} missing")
            continue
        if size != expected["size"]:
            problems.append(f"{rel} is {size} bytes, was {expected['size']}")
            continue
        with path.open("rb") as handle:
            if hashlib.file_digest(handle, "sha256").hexdigest() != expected["sha256"]:
                problems.append(f"{rel} changed since it was published")
    return problems


def _fsync_tree(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            fd = os.open(Path(root) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))
