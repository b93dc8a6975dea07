"""Paths and small builders shared by tests."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
from whoosh import index as whoosh_index
from whoosh.fields import STORED

from pipeline.index import document_for, encode_spans, schema_for, token_spans
from pipeline.ranking import IMPACTS_DIR, ImpactTable
from pipeline.schema import StoredTip

REPO = Path(__file__).resolve().parents[1]
BUNDLED_CONTENT = REPO / "content"


def write_article(content_dir: Path, rel: str, text: str | bytes) -> Path:
    """Write an article file (text as UTF-8, bytes as they are) under ``content_dir``."""
    path = content_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def cut_file(content_dir: Path, rel: str, data: str | bytes):
    """Write one article and cut it as ingest does (load, normalise, segment): its
    normalised form and its tips. The file must load: a rejection fails the test here."""
    from pipeline.load import load_content
    from pipeline.normalise import normalise_article
    from pipeline.segment import segment_article

    write_article(content_dir, rel, data)
    loaded = load_content(content_dir, 1 << 20)
    assert loaded.rejected == [], loaded.rejected
    (source,) = loaded.files
    normalised = normalise_article(source, 1 << 20)
    return normalised, segment_article(normalised.article)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answering(url: str, attempts: int = 300) -> bool:
    """Whether ``url`` answers 200 within ``attempts`` tries a tenth of a second apart (a
    server starting)."""
    for _ in range(attempts):
        try:
            if httpx2.get(url, timeout=2).status_code == 200:
                return True
        except httpx2.TransportError:
            pass
        time.sleep(0.1)
    return False


@contextmanager
def server_process(
    env: dict[str, str], workers: int | str = 1, ready_path: str = "/healthz"
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`csguide serve` (the installed command) on a free loopback port with ``env`` added to
    the environment; yields its base URL and process, and stops it when the block ends."""
    port = free_port()
    csguide = Path(sys.executable).with_name("csguide")
    process = subprocess.Popen(
        [csguide, "serve", "--port", str(port), "--workers", str(workers)],
        env=os.environ | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not answering(f"{base}{ready_path}"):
            process.terminate()
            raise AssertionError(f"csguide serve did not start: {process.stderr.read().decode()}")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def running_server(settings, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`csguide serve` over ``settings``' data and content dirs; yields its base URL."""
    env = {
        "CSGUIDE_DATA_DIR": str(settings.data_dir),
        "CSGUIDE_CONTENT_DIR": str(settings.content_dir),
        **(extra_env or {}),
    }
    with server_process(env) as (base, _process):
        yield base


def write_older_index(directory: Path, lang: str, records: list[StoredTip], spans: bool) -> None:
    """An index as csguide built it before tip files: each record (and from format 4 its
    spans) stored with its whoosh document, ranking scores beside it, no tips directory."""
    schema = schema_for(lang)
    schema.add("record", STORED())
    if spans:
        schema.add("spans", STORED())
    directory.mkdir(parents=True)
    ix = whoosh_index.create_in(str(directory), schema)
    writer = ix.writer()
    for record in records:
        document = document_for(record, lang) | {"record": record.model_dump_json()}
        if spans:
            document["spans"] = encode_spans(token_spans(record.text, record.lang))
        writer.add_document(**document)
    writer.commit()
    with ix.searcher() as searcher:
        ImpactTable.compute(searcher).save(directory / IMPACTS_DIR)
    ix.close()
