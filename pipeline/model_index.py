"""``csguide models install --online``: Argos Translate packages from Argos' package index.

The only network use in csguide, and only when asked for. For each requested language the
newest packages to and from English (the pivot) are chosen from the index; each is downloaded
trying its http(s) links in order, streamed to a temporary file and checked to be a sound zip of
the expected pair. Only when every package is downloaded and checked is anything installed, with
:func:`pipeline.argos.install_packages` (all or none), so a failure leaves the models as they were.
"""

import http.client
import importlib.metadata
import json
import logging
import re
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from pipeline.argos import PIVOT, ModelPackage, ModelPackageError, install_packages, version_key
from pipeline.languages import INDEX_LANGS

#: ``on_progress(url, done_bytes, total_bytes)``; total is the Content-Length, None when unsent.
ProgressCallback = Callable[[str, int, int | None], None]
#: ``on_warning(message)``: a link failed and the next one is tried.
WarningCallback = Callable[[str], None]

#: Seconds to wait for the index, and for each connect or read of a download (not its total).
INDEX_TIMEOUT = 30.0
DOWNLOAD_TIMEOUT = 60.0

_MAX_INDEX_BYTES = 16 * 1024 * 1024  # the real index is well under 1 MB
_CHUNK_BYTES = 256 * 1024
_USABLE_SCHEMES = frozenset({"http", "https"})  # the index also lists ipfs:// (and ifps://)
_SAFE_NAME = re.compile(r"[^\w.-]")

logger = logging.getLogger("csguide.models")


def _csguide_version() -> str:
    try:
        return importlib.metadata.version("csguide")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


#: Sent with every request, so the index's and the mirrors' operators can tell who asks.
USER_AGENT = f"csguide/{_csguide_version()} (+offline model install)"


@dataclass(frozen=True)
class IndexEntry:
    """One package of the index: its pair, its version, its usable (http/https) links in the
    index's order, and the links it lists that cannot be used (ipfs://, …)."""

    from_code: str
    to_code: str
    version: str
    links: tuple[str, ...]
    skipped: tuple[str, ...] = ()

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"


class _LinkFailed(Exception):
    """One link did not give a sound package; the message says why."""


def fetch_index(url: str) -> list[dict[str, Any]]:
    """The package index at ``url``: a JSON list of packages (entries that are not objects are
    dropped). Raises :class:`ModelPackageError` naming the URL when it cannot be read."""
    try:
        with _open(url, INDEX_TIMEOUT) as response:
            body = response.read(_MAX_INDEX_BYTES + 1)
    except (OSError, http.client.HTTPException) as exc:
        _close_if_response(exc)
        raise ModelPackageError(f"cannot read the package index at {url}: {_reason(exc)}") from exc
    if len(body) > _MAX_INDEX_BYTES:
        raise ModelPackageError(
            f"the package index at {url} is larger than {_MAX_INDEX_BYTES // 2**20} MB"
        )
    try:
        data = json.loads(body)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise ModelPackageError(f"the package index at {url} is not JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ModelPackageError(f"the package index at {url} is not a list of packages")
    return [entry for entry in data if isinstance(entry, dict)]


def choose_packages(
    index: Sequence[Mapping[str, Any]], codes: Sequence[str], *, index_url: str | None = None
) -> list[IndexEntry]:
    """For each language in ``codes``, the newest packages from and to English that have an
    http(s) link; English itself needs none. Raises :class:`ModelPackageError` for a code that
    is not one of ours, or naming every pair the index lacks."""
    wanted = _pairs_for(codes)
    newest: dict[tuple[str, str], IndexEntry] = {}
    linkless: set[tuple[str, str]] = set()
    for raw in index:
        entry = _parse_entry(raw)
        if entry is None or (entry.from_code, entry.to_code) not in wanted:
            continue
        pair = (entry.from_code, entry.to_code)
        if not entry.links:
            linkless.add(pair)
            continue
        current = newest.get(pair)
        if current is None or version_key(entry.version) > version_key(current.version):
            newest[pair] = entry
    missing = [
        f"{source}→{target}" + (" (no http or https link)" if (source, target) in linkless else "")
        for source, target in wanted
        if (source, target) not in newest
    ]
    if missing:
        where = f"the package index at {index_url}" if index_url else "the package index"
        raise ModelPackageError(f"{where} has no package for {', '.join(missing)}")
    return [newest[pair] for pair in wanted]


def install_online(
    index_url: str,
    codes: Sequence[str],
    models_dir: Path,
    *,
    on_progress: ProgressCallback | None = None,
    on_warning: WarningCallback | None = None,
) -> list[ModelPackage]:
    """Download and install the packages the languages ``codes`` need from the index.

    Every package is downloaded and checked before the first is installed: when one cannot be
    had from any of its links, :class:`ModelPackageError` lists each link with its reason and
    nothing is installed. ``on_warning`` (default: the log) hears of each link given up on.
    """
    if not _pairs_for(codes):  # English only; unknown codes are refused here, before any request
        return []
    entries = choose_packages(fetch_index(index_url), codes, index_url=index_url)
    progress = on_progress or _no_progress
    warn = on_warning or logger.warning
    with tempfile.TemporaryDirectory(prefix="csguide-models-") as scratch:
        archives = [_fetch_package(entry, Path(scratch), progress, warn) for entry in entries]
        return install_packages(archives, models_dir)


# --- choosing --------------------------------------------------------------------------------


def _pairs_for(codes: Sequence[str]) -> list[tuple[str, str]]:
    unknown = [code for code in dict.fromkeys(codes) if code not in INDEX_LANGS]
    if unknown:
        raise ModelPackageError(
            f"unsupported language code(s): {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(INDEX_LANGS)}"
        )
    return [
        pair
        for code in dict.fromkeys(codes)
        if code != PIVOT
        for pair in ((code, PIVOT), (PIVOT, code))
    ]


def _parse_entry(raw: Mapping[str, Any]) -> IndexEntry | None:
    from_code, to_code, links = raw.get("from_code"), raw.get("to_code"), raw.get("links")
    if not isinstance(from_code, str) or not isinstance(to_code, str):
        return None
    if raw.get("type", "translate") != "translate" or not isinstance(links, list):
        return None
    usable = tuple(link for link in links if isinstance(link, str) and _usable(link))
    skipped = tuple(str(link) for link in links if link not in usable)
    return IndexEntry(from_code, to_code, str(raw.get("package_version", "0")), usable, skipped)


def _usable(link: str) -> bool:
    parts = urlsplit(link.strip())
    return parts.scheme.lower() in _USABLE_SCHEMES and bool(parts.netloc)


# --- downloading -----------------------------------------------------------------------------


def _fetch_package(
    entry: IndexEntry, scratch: Path, on_progress: ProgressCallback, on_warning: WarningCallback
) -> Path:
    """The checked archive of ``entry``, from the first of its links that gives one."""
    directory = scratch / f"{entry.from_code}_{entry.to_code}"
    directory.mkdir()
    failures: list[tuple[str, str]] = []
    for number, url in enumerate(entry.links, start=1):
        target = directory / _file_name(url)
        try:
            content_type = _download(url, target, on_progress)
            _check_archive(target, entry, content_type)
        except _LinkFailed as exc:
            target.unlink(missing_ok=True)
            failures.append((url, str(exc)))
            if number < len(entry.links):
                on_warning(
                    f"{entry.pair} {entry.version}: {url} failed: {exc}; trying the next link"
                )
            continue
        return target
    failures += [(link, "not an http or https link, skipped") for link in entry.skipped]
    listing = "".join(f"\n  {url}: {reason}" for url, reason in failures)
    raise ModelPackageError(
        f"cannot download the {entry.pair} package {entry.version}; every link failed:{listing}"
    )


def _open(url: str, timeout: float) -> Any:  # http.client.HTTPResponse, or addinfourl for file:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    return urllib.request.urlopen(request, timeout=timeout)


def _download(url: str, target: Path, on_progress: ProgressCallback) -> str:
    """Stream ``url`` into ``target`` in chunks; return the Content-Type."""
    done, total = 0, None
    try:
        with _open(url, DOWNLOAD_TIMEOUT) as response, target.open("wb") as out:
            total = _content_length(response.headers.get("Content-Length"))
            content_type = str(response.headers.get("Content-Type") or "no Content-Type")
            on_progress(url, done, total)
            while chunk := response.read(_CHUNK_BYTES):
                out.write(chunk)
                done += len(chunk)
                on_progress(url, done, total)
    except (OSError, http.client.HTTPException) as exc:
        _close_if_response(exc)
        raise _LinkFailed(_reason(exc)) from exc
    if total is not None and done < total:
        raise _LinkFailed(f"truncated: received {done} of {total} bytes")
    return content_type


def _content_length(value: str | None) -> int | None:
    try:
        length = int(value) if value is not None else None
    except ValueError:
        return None
    return length if length is not None and length >= 0 else None


def _check_archive(path: Path, entry: IndexEntry, content_type: str) -> None:
    """A sound zip (every member's CRC checked) holding the package of ``entry``'s pair."""
    if not zipfile.is_zipfile(path):
        size = path.stat().st_size
        raise _LinkFailed(f"not a zip file ({content_type}, {size} bytes)")
    try:
        with zipfile.ZipFile(path) as bundle:
            damaged = bundle.testzip()
            codes = _metadata_codes(bundle) if damaged is None else None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _LinkFailed(f"damaged zip: {exc}") from exc
    if damaged is not None:
        raise _LinkFailed(f"damaged zip: bad CRC in {damaged}")
    if codes != (entry.from_code, entry.to_code):
        found = "no readable metadata.json" if codes is None else f"a {codes[0]}→{codes[1]} package"
        raise _LinkFailed(f"the archive holds {found}, not {entry.pair}")


def _metadata_codes(bundle: zipfile.ZipFile) -> tuple[str, str] | None:
    names = [
        name for name in bundle.namelist() if PurePosixPath(name).parts[1:] == ("metadata.json",)
    ]
    if len(names) != 1:
        return None
    try:
        metadata = json.loads(bundle.read(names[0]))
    except ValueError:
        return None
    if not isinstance(metadata, dict):
        return None
    from_code, to_code = metadata.get("from_code"), metadata.get("to_code")
    if not isinstance(from_code, str) or not isinstance(to_code, str):
        return None
    return from_code, to_code


def _file_name(url: str) -> str:
    name = _SAFE_NAME.sub("_", PurePosixPath(urlsplit(url).path).name)
    return name if name.endswith(".argosmodel") else f"{name or 'package'}.argosmodel"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}".rstrip()
    if isinstance(exc, urllib.error.URLError):
        if isinstance(exc.reason, TimeoutError):
            return "timed out"
        return f"cannot connect: {exc.reason}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, http.client.IncompleteRead):
        return f"truncated: {len(exc.partial)} bytes received, {exc.expected} more expected"
    return str(exc) or type(exc).__name__


def _close_if_response(exc: BaseException) -> None:
    if isinstance(exc, urllib.error.HTTPError):
        exc.close()  # an HTTP error holds its response open


def _no_progress(url: str, done: int, total: int | None) -> None:
    pass
