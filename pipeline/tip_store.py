"""The tip records of one language's index, in document order, in files the server maps.

A search shows ten tips or so, and reading each from whoosh's stored fields (a compressed
pickle per document, read through the index's file objects) cost more than ranking all of
them. So the index stage writes every record as JSON, and the text's token spans (for
marking matched words), into two flat files beside the whoosh index, with one table of where
each document's bytes start. The server maps them read-only: a record is a slice of a shared
page-cache mapping, not a copy in each worker, and reading one is a slice and a decode.

Files, in :data:`TIPS_DIR` inside the index directory: ``records.bin`` and ``spans.bin``
(UTF-8, one document after the other) and ``offsets.npy`` (int64, shape ``(n + 1, 2)``: where
document ``i``'s record and spans start; row ``n`` is where the files end).
"""

import io
import mmap
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

TIPS_DIR = "tips"
_RECORDS, _SPANS, _OFFSETS = "records.bin", "spans.bin", "offsets.npy"


class DamagedTipStore(Exception):
    """The tip files of an index are missing parts or do not fit together."""


#: One document as the store holds it: its record as JSON and its encoded token spans.
Document = tuple[str, str]


def write_tip_store(directory: Path, documents: Iterable[Document]) -> int:
    """Write the documents, in document order, into the new ``directory``; returns how many."""
    directory.mkdir()
    with (
        open(directory / _RECORDS, "wb") as records,
        open(directory / _SPANS, "wb") as spans,
    ):
        offsets = _write(documents, records.write, spans.write)
    np.save(directory / _OFFSETS, offsets)
    return int(offsets.shape[0]) - 1


def _write(
    documents: Iterable[Document],
    write_record: Callable[[bytes], int],
    write_spans: Callable[[bytes], int],
) -> np.ndarray:
    starts: list[tuple[int, int]] = []
    at_record = at_spans = 0
    for record, encoded in documents:
        starts.append((at_record, at_spans))
        at_record += write_record(record.encode("utf-8"))
        at_spans += write_spans(encoded.encode("utf-8"))
    starts.append((at_record, at_spans))
    return np.array(starts, dtype=np.int64)


class TipStore:
    """The records and spans of one index, mapped read-only."""

    def __init__(
        self, offsets: np.ndarray, records: mmap.mmap | bytes, spans: mmap.mmap | bytes
    ) -> None:
        self._offsets = offsets
        self._records = records
        self._spans = spans

    @classmethod
    def open(cls, directory: Path, doc_count: int) -> "TipStore | None":
        """The store in ``directory``; None for an index built before stores were written.

        Raises :class:`DamagedTipStore` when its files are there but do not hold ``doc_count``
        documents that fit the files."""
        if not directory.is_dir():
            return None
        try:
            offsets = np.load(directory / _OFFSETS)
            records = _map(directory / _RECORDS)
            spans = _map(directory / _SPANS)
        except (OSError, ValueError) as exc:
            raise DamagedTipStore(f"{directory}: {exc}") from exc
        if not (
            offsets.dtype == np.int64
            and offsets.shape == (doc_count + 1, 2)
            and (offsets[0] == 0).all()
            and bool((np.diff(offsets, axis=0) >= 0).all())
            and int(offsets[-1, 0]) == len(records)
            and int(offsets[-1, 1]) == len(spans)
        ):
            raise DamagedTipStore(
                f"{directory}: the tip files do not hold the index's {doc_count} tips"
            )
        return cls(offsets, records, spans)

    @classmethod
    def in_memory(cls, documents: Iterable[Document]) -> "TipStore":
        """A store of ``documents`` held in this process, for an index built before stores
        were written."""
        records, spans = io.BytesIO(), io.BytesIO()
        offsets = _write(documents, records.write, spans.write)
        return cls(offsets, records.getvalue(), spans.getvalue())

    def __len__(self) -> int:
        return int(self._offsets.shape[0]) - 1

    def record(self, docnum: int) -> bytes:
        """Document ``docnum``'s record, as JSON."""
        start, end = self._offsets[docnum, 0], self._offsets[docnum + 1, 0]
        return self._records[start:end]

    def spans(self, docnum: int) -> str:
        """Document ``docnum``'s token spans, as :func:`pipeline.index.encode_spans` wrote
        them."""
        start, end = self._offsets[docnum, 1], self._offsets[docnum + 1, 1]
        return self._spans[start:end].decode("utf-8")

    def records(self) -> Iterator[bytes]:
        for docnum in range(len(self)):
            yield self.record(docnum)

    def close(self) -> None:
        for mapped in (self._records, self._spans):
            if isinstance(mapped, mmap.mmap):
                mapped.close()


def _map(path: Path) -> mmap.mmap | bytes:
    with open(path, "rb") as file:
        if file.seek(0, 2) == 0:
            return b""  # an index of no tips: nothing to map (mmap refuses empty files)
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
