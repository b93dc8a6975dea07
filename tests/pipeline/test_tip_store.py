"""The tip records beside each index: written in document order, mapped, checked when opened,
and made for versions built before they existed."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index

from pipeline import search as search_module
from pipeline.index import (
    IndexValidationError,
    encode_spans,
    open_tip_store,
    save_missing_surface_forms,
    save_missing_tips,
    save_missing_typo_indexes,
    token_spans,
    validate_index,
)
from pipeline.languages import INDEX_LANGS
from pipeline.publish import current_version
from pipeline.schema import StoredTip, TipRecord
from pipeline.search import PublishedIndex
from pipeline.surface_forms import DamagedSurfaceTable
from pipeline.tip_store import TIPS_DIR, DamagedTipStore, TipStore, write_tip_store
from tests.helpers import write_older_index


def _documents(records: list[StoredTip]) -> list[tuple[str, str]]:
    return [
        (record.model_dump_json(), encode_spans(token_spans(record.text, record.lang)))
        for record in records
    ]


def test_records_and_spans_read_back_as_written(seed_index, tmp_path):
    records = list(seed_index.records("zh"))
    documents = _documents(records)
    assert write_tip_store(tmp_path / "tips", documents) == len(records)
    store = TipStore.open(tmp_path / "tips", len(records))
    assert store is not None and len(store) == len(records)
    try:
        for docnum, (record, spans) in enumerate(documents):
            assert store.record(docnum).decode() == record
            assert store.spans(docnum) == spans
        assert [StoredTip.model_validate_json(r) for r in store.records()] == records
    finally:
        store.close()


def test_records_are_stored_as_the_api_writes_them(seed_index):
    """The server serves a stored record's bytes as they are (pipeline.search reads them
    without a model): they must be what the API's record model serialises. (A table tip with
    quotes, backslashes and markup: tests/api/test_search.py.)"""
    for lang in INDEX_LANGS:
        store = seed_index._stores[lang]
        for stored in store.records():
            assert TipRecord.model_validate_json(stored).model_dump_json().encode() == stored


@pytest.mark.parametrize("format_version", [6, 7])
def test_records_stored_otherwise_than_the_api_writes_them_are_remade(
    seed_settings, seed_index, tmp_path, format_version
):
    """Records that are not the API's JSON (a format-6 version written before the API's
    record gained its table: no "table" key) are read through the models, whatever the
    manifest says: the API still answers "table": null."""
    data_dir = tmp_path / "var"
    shutil.copytree(seed_settings.data_dir, data_dir)
    version = current_version(data_dir)
    for lang in INDEX_LANGS:
        tips = version.index_dir(lang) / TIPS_DIR
        store = TipStore.open(tips, len(seed_index._stores[lang]))
        assert store is not None
        documents = []
        for docnum, stored in enumerate(store.records()):
            fields = json.loads(stored)
            del fields["table"]
            documents.append((json.dumps(fields, ensure_ascii=False), store.spans(docnum)))
        store.close()
        shutil.rmtree(tips)
        write_tip_store(tips, documents)
    manifest = json.loads((version.path / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = format_version
    (version.path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with PublishedIndex.open_current(data_dir) as older:
        page = older.search("callback time", "en", limit=5)
        assert page.found
        assert all(b'"table":null' in found.tip.json for found in page.found)
        answer = seed_index.search("callback time", "en", limit=5)
        expected = {f.tip.id: f.tip.json for f in answer.found}
        assert {f.tip.id: f.tip.json for f in page.found} == expected


def test_a_damaged_record_is_named(seed_index):
    store = seed_index._stores["lv"]
    broken = TipStore(store._offsets, b"{" * len(store._records), store._spans)
    with pytest.raises(ValueError, match="tip 1 of the lv index is not a record"):
        search_module._read_record({"lv": broken}, "lv", 1)


def test_a_store_of_no_tips_opens(tmp_path):
    write_tip_store(tmp_path / "tips", [])
    store = TipStore.open(tmp_path / "tips", 0)
    assert store is not None and len(store) == 0 and list(store.records()) == []


def test_an_index_built_without_tip_files_has_no_store(tmp_path):
    assert TipStore.open(tmp_path / "missing", 3) is None


def _truncate_records(tips: Path) -> None:
    data = (tips / "records.bin").read_bytes()
    (tips / "records.bin").write_bytes(data[: len(data) // 2])


def _drop_a_row(tips: Path) -> None:
    np.save(tips / "offsets.npy", np.load(tips / "offsets.npy")[1:])


def _remove_spans(tips: Path) -> None:
    (tips / "spans.bin").unlink()


def _shuffle_offsets(tips: Path) -> None:
    offsets = np.load(tips / "offsets.npy")
    offsets[[1, 2]] = offsets[[2, 1]]
    np.save(tips / "offsets.npy", offsets)


@pytest.mark.parametrize(
    "damage", [_truncate_records, _drop_a_row, _remove_spans, _shuffle_offsets]
)
def test_damaged_tip_files_are_refused(seed_index, tmp_path, damage):
    lang = "lv"
    copy = tmp_path / lang
    shutil.copytree(seed_index.version.index_dir(lang), copy)
    records = list(seed_index.records(lang))
    validate_index(copy, lang, records)  # the undamaged copy passes
    damage(copy / TIPS_DIR)
    with pytest.raises(DamagedTipStore):
        TipStore.open(copy / TIPS_DIR, len(records))
    with pytest.raises(IndexValidationError, match=f"{lang} index tip records"):
        validate_index(copy, lang, records)


def test_records_out_of_document_order_fail_validation(seed_index, tmp_path):
    lang = "ru"
    copy = tmp_path / lang
    shutil.copytree(seed_index.version.index_dir(lang), copy)
    records = list(seed_index.records(lang))
    shutil.rmtree(copy / TIPS_DIR)
    write_tip_store(copy / TIPS_DIR, _documents(records[::-1]))
    with pytest.raises(IndexValidationError, match="does not return tip"):
        validate_index(copy, lang, records)


@pytest.mark.parametrize("spans", [True, False], ids=["format 4", "format 3"])
def test_an_older_index_is_read_from_whoosh_and_its_files_saved(seed_index, tmp_path, spans):
    lang = "it"
    records = list(seed_index.records(lang))
    older = tmp_path / lang
    write_older_index(older, lang, records, spans)
    ix = whoosh_index.open_dir(str(older), readonly=True)
    with ix.searcher() as searcher:
        in_memory = open_tip_store(older, searcher)
    ix.close()
    assert [StoredTip.model_validate_json(r) for r in in_memory.records()] == records
    assert [in_memory.spans(n) for n in range(len(records))] == [s for _, s in _documents(records)]
    with pytest.raises(IndexValidationError, match="no tip records"):
        validate_index(older, lang, records)
    assert save_missing_tips(older) is True
    assert save_missing_tips(older) is False  # already there
    with pytest.raises(IndexValidationError, match="no saved words"):
        validate_index(older, lang, records)
    assert save_missing_surface_forms(older, lang) is True
    assert save_missing_surface_forms(older, lang) is False
    with pytest.raises(IndexValidationError, match="no typo candidates"):
        validate_index(older, lang, records)
    assert save_missing_typo_indexes(older) is True
    assert save_missing_typo_indexes(older) is False
    validate_index(older, lang, records)


def test_a_version_built_before_tip_files_still_serves(seed_settings, seed_index, tmp_path):
    """A server that meets a version of the older format (before the next ingest rebuilds it)
    answers from it as from the new one."""
    data_dir = tmp_path / "var"
    shutil.copytree(seed_settings.data_dir, data_dir)
    version = current_version(data_dir)
    for lang in INDEX_LANGS:
        records = list(seed_index.records(lang))
        shutil.rmtree(version.index_dir(lang))
        write_older_index(version.index_dir(lang), lang, records, spans=True)
    manifest = json.loads((version.path / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 4
    (version.path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with PublishedIndex.open_current(data_dir) as older:
        for query, lang in [("klientu apkalpošana", "lv"), ("回电", "zh"), ("refund", "en")]:
            # the same tips; without its words as written, exact and stemmed rank alike
            found, expected = (
                {hit.id: hit.highlight for hit in ix.search(query, lang, limit=10_000).results}
                for ix in (older, seed_index)
            )
            assert found == expected


def test_missing_or_unreadable_tip_files_of_a_new_index_are_named(seed_index, tmp_path):
    """Only an index that stored its records in whoosh may do without tip files; a damaged
    record is refused when the index opens, not in the requests that show it."""
    lang = "en"
    copy = tmp_path / lang
    shutil.copytree(seed_index.version.index_dir(lang), copy)
    ix = whoosh_index.open_dir(str(copy), readonly=True)
    try:
        with ix.searcher() as searcher:
            records = (copy / TIPS_DIR / "records.bin").read_bytes()
            (copy / TIPS_DIR / "records.bin").write_bytes(b"#" * 20 + records[20:])
            with pytest.raises(DamagedTipStore, match="record 0"):
                open_tip_store(copy, searcher)
            shutil.rmtree(copy / TIPS_DIR)
            with pytest.raises(DamagedTipStore, match="missing"):
                open_tip_store(copy, searcher)
    finally:
        ix.close()


def test_a_version_missing_its_words_is_refused_and_lets_go_of_its_files(seed_settings, tmp_path):
    data_dir = tmp_path / "var"
    shutil.copytree(seed_settings.data_dir, data_dir)
    version = current_version(data_dir)
    shutil.rmtree(version.index_dir("lv") / "surface")

    def mapped() -> int:
        maps = Path("/proc/self/maps").read_text()
        return sum(1 for line in maps.splitlines() if f"{version.path}/" in line)

    import gc

    gc.disable()  # files let go of by the failed open itself, not by a later collection
    try:
        with pytest.raises(DamagedSurfaceTable, match="missing"):
            PublishedIndex(version)
        assert mapped() == 0
    finally:
        gc.enable()
