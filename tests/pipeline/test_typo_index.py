"""Typo candidates from the deletion index: the same terms the scan finds, saved at ingest,
opened mapped, refused when damaged, and built for a version made before it was saved."""

import json
import random
import shutil

import numpy as np
import pytest
from rapidfuzz.distance import DamerauLevenshtein

from pipeline.index import FORMAT_VERSION, IndexValidationError, validate_index, write_index
from pipeline.languages import INDEX_LANGS
from pipeline.matching import Vocabulary
from pipeline.publish import current_version
from pipeline.search import PublishedIndex
from pipeline.typo_index import (
    MAX_BUDGET,
    TYPO_DIR,
    DamagedTypoIndex,
    DeletionIndex,
    deletion_keys,
    open_typo_indexes,
    tail_key,
    write_typo_indexes,
)

# Few letters, so that words crowd each other: the cases where a shortcut would miss a term.
LETTERS = "aabeiklnrsšžкл"


def _hash_key(text: str) -> int:
    """A string's key computed letter by letter, as the vectorised deletion_keys must."""
    from pipeline.typo_index import _BASE, _MASK, _MIX

    value = 0
    for letter in text:
        value = (value * _BASE + ord(letter)) & _MASK
    return ((value ^ value >> 29) * _MIX & _MASK) >> 32


def _deletions(word: str, budget: int) -> set[str]:
    found, frontier = {word}, {word}
    for _ in range(budget):
        frontier = {f[:i] + f[i + 1 :] for f in frontier for i in range(1, len(f))}
        found |= frontier
    return found


def _words(rng: random.Random, count: int, longest: int = 12) -> list[str]:
    return sorted(
        {"".join(rng.choice(LETTERS) for _ in range(rng.randint(1, longest))) for _ in range(count)}
    )


def test_a_words_keys_are_those_of_its_deletions_made_one_by_one():
    rng = random.Random(3)
    for word in [*_words(rng, 400, longest=16), "", "a", "中文词语", "apkalpošana"]:
        for budget in range(MAX_BUDGET + 1):
            expected = {_hash_key(text) for text in _deletions(word, budget)}
            assert set(deletion_keys(word, budget).tolist()) == expected, (word, budget)


def test_the_index_finds_every_term_the_scan_finds():
    """Every term with the word's first letter within the budget (true Damerau–Levenshtein,
    as rapidfuzz counts it) is a candidate, for words near terms and words near none."""
    rng = random.Random(7)
    terms = _words(rng, 3000)
    index = DeletionIndex.build(terms)
    words = _words(rng, 300) + [t[:3] + t[4:] for t in terms[::25]] + [t + "s" for t in terms[::40]]
    checked = 0
    for word in words:
        for budget in range(1, MAX_BUDGET + 1):
            expected = {
                number
                for number, term in enumerate(terms)
                if term[:1] == word[:1] and DamerauLevenshtein.distance(word, term) <= budget
            }
            found = set(index.near(word, budget).tolist())
            assert expected <= found, (word, budget, expected - found)
            checked += len(expected)
    assert checked > 500  # the words were near many terms, not near none


def test_the_index_finds_the_terms_with_a_tail():
    terms = ["bills", "fills", "ills", "pills", "spills", "中ills"]
    index = DeletionIndex.build(terms)
    found = {terms[n] for n in index.with_tail("ills").tolist()}
    assert {"bills", "fills", "pills", "中ills"} <= found
    assert tail_key("ills") != _hash_key("ills")  # a tail is never a deletion's key
    assert index.with_tail("olls").tolist() == []


def test_vocabulary_answers_alike_by_scan_and_by_index():
    rng = random.Random(11)
    terms = _words(rng, 4000)
    frequencies = {term: rng.randint(1, 9) for term in terms}
    scanning = Vocabulary(frequencies, scan_below=10**9)
    indexed = Vocabulary(frequencies, DeletionIndex.build(terms), scan_below=0)
    words = _words(rng, 400, longest=14) + [t[:2] + t[3:] for t in terms[::20] if len(t) > 5]
    near = 0
    for word in words:
        for budget in (1, 2):
            assert indexed.near(word, budget) == scanning.near(word, budget), (word, budget)
            near += bool(scanning.near(word, budget))
        assert indexed.closest(word, 2) == scanning.closest(word, 2)
        assert indexed.closest(word, 4) == scanning.closest(word, 4)  # beyond the index: a scan
    assert near > 200


def test_the_tails_found_are_every_term_with_that_tail():
    rng = random.Random(13)
    terms = _words(rng, 3000, longest=6)
    index = DeletionIndex.build(terms)
    checked = 0
    for tail in {t[1:] for t in terms[::7]} | {"", "zzz"}:
        expected = {n for n, term in enumerate(terms) if term[1:] == tail}
        assert expected <= set(index.with_tail(tail).tolist()), tail
        checked += len(expected)
    assert checked > 500


def test_chinese_and_very_long_words_are_scanned_alike():
    """The index holds no deletions of terms starting with a Chinese character (suggestions
    look such words up) nor of very long terms; those words are scanned instead."""
    terms = [f"退{a}{b}" for a in "款货换还单" for b in "单据款货"] + ["退款单据", "a" * 40]
    terms += ["a" * 39 + "b", "a" * 38 + "bc"]
    frequencies = dict.fromkeys(terms, 1)
    scanning = Vocabulary(frequencies, scan_below=10**9)
    indexed = Vocabulary(frequencies, DeletionIndex.build(sorted(terms)), scan_below=0)
    for word in ["退款单据据", "退还", "退单据"]:
        assert scanning.closest(word, 1) is not None
        assert indexed.closest(word, 1) == scanning.closest(word, 1)
    for word in ["a" * 41, "a" * 39 + "c", "a" * 2000]:
        for budget in (1, 2):
            assert indexed.near(word, budget) == scanning.near(word, budget)
    assert set(indexed.near("a" * 39 + "c", 1)) == {"a" * 40, "a" * 39 + "b", "a" * 38 + "bc"}
    with pytest.raises(ValueError, match="up to 32 letters"):
        DeletionIndex.build(terms).near("a" * 33, 1)


def test_the_published_indexes_answer_as_the_scan(seed_settings, seed_index):
    """The files the ingest saved, as the server maps them, for misspelt words of each
    language's own terms and words (the seed's vocabularies are small enough that the server
    scans them, so the index is forced here)."""
    version = current_version(seed_settings.data_dir)
    rng = random.Random(17)
    compared = 0
    for lang in INDEX_LANGS:
        stems = seed_index._vocabularies[lang]
        written = seed_index._written[lang]
        named = {"stems": stems} if written is None else {"stems": stems, "words": written}
        saved = open_typo_indexes(
            version.index_dir(lang) / TYPO_DIR, {n: v.terms for n, v in named.items()}
        )
        assert saved is not None
        for name, vocabulary in named.items():
            frequencies = {t: len(t) for t in vocabulary.terms}  # any counts: both get them
            scanning = Vocabulary(frequencies, scan_below=10**9)
            indexed = Vocabulary(frequencies, saved[name], scan_below=0)
            for term in rng.sample(vocabulary.terms, min(150, len(vocabulary))):
                at = rng.randrange(1, max(2, len(term)))
                for word in (term[:at] + term[at + 1 :], term[:at] + "x" + term[at:], term):
                    budget = 2 if len(word) >= 9 else 1
                    if word:
                        assert indexed.near(word, budget) == scanning.near(word, budget)
                        compared += 1
    assert compared > 2000


def test_prefixes_pick_the_most_frequent_and_break_ties_in_term_order():
    rng = random.Random(5)
    terms = _words(rng, 5000)
    frequencies = {term: rng.choice((1, 1, 2, 3, 50)) for term in terms}
    vocabulary = Vocabulary(frequencies)
    for prefix in ["a", "ka", "ša", "к", "b", "z"]:
        starting = [t for t in terms if t.startswith(prefix)]
        for limit in (1, 5, 30):
            expected = sorted(starting, key=lambda t: (-frequencies[t], t))[:limit]
            assert vocabulary.prefixed(prefix, limit) == expected


def test_saved_indexes_open_mapped_and_answer_as_built(tmp_path):
    stems, words = ["apkalp", "klient", "zvan"], ["apkalpošana", "klientu", "zvans"]
    write_typo_indexes(tmp_path / TYPO_DIR, {"stems": stems, "words": words, "none": []})
    opened = open_typo_indexes(tmp_path / TYPO_DIR, {"stems": stems, "words": words})
    assert opened is not None
    built = DeletionIndex.build(words)
    assert np.array_equal(opened["words"].keys, built.keys)
    assert not opened["words"].keys.flags.writeable  # mapped read-only, shared by workers
    assert opened["words"].near("klientw", 1).tolist() == [1]
    assert open_typo_indexes(tmp_path / TYPO_DIR, {"none": []})["none"].near("abc", 1).size == 0
    assert open_typo_indexes(tmp_path / "missing", {"stems": stems}) is None


def test_damaged_or_foreign_indexes_are_refused(tmp_path):
    stems = ["apkalp", "klient", "zvan"]
    directory = tmp_path / TYPO_DIR
    write_typo_indexes(directory, {"stems": stems})
    with pytest.raises(DamagedTypoIndex, match="other stems"):
        open_typo_indexes(directory, {"stems": [*stems, "jaun"]})
    with pytest.raises(DamagedTypoIndex, match="no index of the words"):
        open_typo_indexes(directory, {"words": stems})
    keys = np.load(directory / "stems.keys.npy")
    np.save(directory / "stems.keys.npy", keys[:-1])
    with pytest.raises(DamagedTypoIndex, match="do not fit together"):
        open_typo_indexes(directory, {"stems": stems})
    (directory / "stems.keys.npy").write_bytes(b"not numpy")
    with pytest.raises(DamagedTypoIndex):
        open_typo_indexes(directory, {"stems": stems})
    (directory / "vocabularies.json").unlink()
    with pytest.raises(DamagedTypoIndex):
        open_typo_indexes(directory, {"stems": stems})


def test_a_term_number_out_of_range_is_dropped():
    index = DeletionIndex.build(["klient", "klients"])
    broken = DeletionIndex(index.keys, index.terms + 5, index.buckets, index.count)
    assert broken.near("klienti", 1).size == 0
    assert broken.with_tail("lients").size == 0


def test_every_index_of_a_published_version_has_them(seed_settings, seed_index):
    version = current_version(seed_settings.data_dir)
    assert version.manifest.format_version == FORMAT_VERSION
    for lang in INDEX_LANGS:
        meta = json.loads((version.index_dir(lang) / TYPO_DIR / "vocabularies.json").read_text())
        assert set(meta) == ({"stems"} if lang == "zh" else {"stems", "words"})
        assert meta["stems"]["terms"] == len(seed_index._vocabularies[lang])


def test_a_version_missing_them_is_refused_unless_older(seed_settings, seed_index, tmp_path):
    data_dir = tmp_path / "var"
    shutil.copytree(seed_settings.data_dir, data_dir)
    version = current_version(data_dir)
    for lang in INDEX_LANGS:
        shutil.rmtree(version.index_dir(lang) / TYPO_DIR)
    with pytest.raises(DamagedTypoIndex, match="missing"):
        PublishedIndex(version)
    manifest = json.loads((version.path / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 7  # made before they were saved: built when it opens
    (version.path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with PublishedIndex.open_current(data_dir) as older:
        for query in ("klientz apkalposhana", "custmer complants", "cliente arrabiato"):
            expected = [(f.tip.id, f.highlight) for f in seed_index.search(query, "en").found]
            assert [(f.tip.id, f.highlight) for f in older.search(query, "en").found] == expected
            assert expected


def test_validation_names_a_damaged_typo_index(seed_settings, tmp_path):
    version = current_version(seed_settings.data_dir)
    copy = tmp_path / "lv"
    shutil.copytree(version.index_dir("lv"), copy)
    with PublishedIndex(version) as index:
        records = list(index.records("lv"))
    validate_index(copy, "lv", records)
    keys = np.load(copy / TYPO_DIR / "words.keys.npy")
    np.save(copy / TYPO_DIR / "words.keys.npy", np.zeros_like(keys))
    with pytest.raises(IndexValidationError, match="typo candidates do not find"):
        validate_index(copy, "lv", records)


def test_validation_passes_an_index_with_a_very_long_word(seed_index, tmp_path):
    """A word over the index's longest (a pasted code, say) is scanned, not probed."""
    records = list(seed_index.records("lv"))
    long_word = "z" * 40  # sorts last: validation probes the last term
    records[-1] = records[-1].model_copy(update={"text": f"{records[-1].text} {long_word}"})
    write_index(tmp_path / "lv", "lv", records)
    validate_index(tmp_path / "lv", "lv", records)
