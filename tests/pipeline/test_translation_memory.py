from pipeline.translation_memory import MemoryEntry, TranslationMemory, text_hash


def entry(text, target="en", model="m@1", problem=None):
    return MemoryEntry(text, "it", target, f"<{text}>", "fake", model, problem)


def test_store_and_lookup_by_text_and_pair(tmp_path):
    with TranslationMemory(tmp_path / "tm.sqlite") as memory:
        memory.store([entry("uno"), entry("due"), entry("uno", target="lv")])
        found = memory.lookup(["uno", "due", "tre"], "it", "en")
        assert sorted(found) == ["due", "uno"]
        assert found["uno"].text == "<uno>" and found["uno"].model == "m@1"
        assert found["uno"].created  # a timestamp
        assert memory.lookup(["uno"], "it", "lv")["uno"].target_lang == "lv"
        assert memory.lookup(["uno"], "ru", "en") == {}


def test_survives_reopening_and_replaces_per_key(tmp_path):
    path = tmp_path / "tm.sqlite"
    with TranslationMemory(path) as memory:
        memory.store([entry("uno")])
    with TranslationMemory(path) as memory:
        memory.store([entry("uno", model="m@2", problem="looped")])
        (found,) = memory.lookup(["uno"], "it", "en").values()
        assert (found.model, found.problem) == ("m@2", "looped")
        assert memory.count() == 1


def test_unused_rows_are_marked_outdated_and_revived(tmp_path):
    with TranslationMemory(tmp_path / "tm.sqlite") as memory:
        memory.store([entry("uno"), entry("due")])
        assert memory.mark_outdated_except({("uno", "it", "en")}) == 1
        assert memory.count(outdated=True) == 1
        assert memory.lookup(["due"], "it", "en")["due"].outdated
        memory.mark_outdated_except({("uno", "it", "en"), ("due", "it", "en")})
        assert memory.count(outdated=True) == 0


def test_many_lookups_beyond_sqlite_parameter_limits(tmp_path):
    texts = [f"frase {n}" for n in range(1500)]
    with TranslationMemory(tmp_path / "tm.sqlite") as memory:
        memory.store([entry(text) for text in texts])
        assert len(memory.lookup(texts, "it", "en")) == 1500


def test_readonly_memory_reads(tmp_path):
    path = tmp_path / "tm.sqlite"
    with TranslationMemory(path) as memory:
        memory.store([entry("uno")])
    with TranslationMemory(path, readonly=True) as memory:
        assert memory.lookup(["uno"], "it", "en")["uno"].text == "<uno>"


def test_text_hash_is_sha256_hex():
    # Memories on disk are keyed by it: a different hash would orphan every stored translation.
    # The expected value is sha256sum's answer for "x".
    assert text_hash("x") == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
