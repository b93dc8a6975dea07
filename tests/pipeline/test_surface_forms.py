"""The words of the tips as written, per index: saved at index time, checked when opened."""

import json
import shutil

import numpy as np
import pytest

from pipeline.index import IndexValidationError, validate_index
from pipeline.matching import surface_form
from pipeline.surface_forms import (
    SURFACE_DIR,
    DamagedSurfaceTable,
    SurfaceTable,
    write_surface_table,
)


def test_words_and_their_tips_read_back(tmp_path):
    assert write_surface_table(tmp_path / "s", [["klientu", "zvans"], [], ["zvans", "zvans"]]) == [
        "klientu",
        "zvans",
    ]
    table = SurfaceTable.open(tmp_path / "s", 3)
    assert table is not None and len(table) == 2
    assert table.tips("zvans").tolist() == [0, 2]
    assert table.tips("klientu").tolist() == [0]
    assert table.tips("nav").tolist() == []


def test_the_published_tables_hold_the_tips_words(seed_index):
    for lang in ("lv", "it", "ru", "en"):
        table = seed_index._surfaces[lang]
        record = next(r for r in seed_index.records(lang) if r.lang == lang)
        docnum = seed_index.searcher(lang).document_number(id=record.id)
        first = record.text.split()[0].strip(".,:;!?«»\"'")
        assert docnum in table.tips(surface_form(first.lower(), lang)).tolist(), (lang, first)
    assert seed_index._surfaces["zh"] is None  # no stems in Chinese: exact is as typed


def _drop_a_word(surface):
    words = json.loads((surface / "words.json").read_text(encoding="utf-8"))
    (surface / "words.json").write_text(json.dumps(words[:-1]), encoding="utf-8")


def _ids_out_of_range(surface):
    np.save(surface / "ids.npy", np.load(surface / "ids.npy") + 100_000)


def _truncate_ids(surface):
    data = (surface / "ids.npy").read_bytes()
    (surface / "ids.npy").write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_drop_a_word, _ids_out_of_range, _truncate_ids])
def test_damaged_tables_are_refused(seed_index, tmp_path, damage):
    lang = "ru"
    copy = tmp_path / lang
    shutil.copytree(seed_index.version.index_dir(lang), copy)
    records = list(seed_index.records(lang))
    validate_index(copy, lang, records)
    damage(copy / SURFACE_DIR)
    with pytest.raises(DamagedSurfaceTable):
        SurfaceTable.open(copy / SURFACE_DIR, len(records))
    with pytest.raises(IndexValidationError, match=f"{lang} index words"):
        validate_index(copy, lang, records)
