import pickle

import pytest

from pipeline.analysis import analyze, analyzer_for, strip_diacritics
from pipeline.languages import INDEX_LANGS


def test_latvian_matches_without_diacritics():
    assert analyze("lv", "klientu apkalposana") == analyze("lv", "Klientu apkalpošana")
    assert analyze("lv", "uznemumiem") == analyze("lv", "uzņēmumiem")


def test_latvian_stems_case_endings_together():
    # klients (nom.), klientu (gen. pl.), klientiem (dat. pl.) share a stem
    assert len({analyze("lv", word)[0] for word in ("klients", "klientu", "klientiem")}) == 1
    assert analyze("lv", "un ir ar") == []  # function words are not indexed


def test_russian_stemming_and_yo():
    assert analyze("ru", "обслуживание клиентов") == analyze("ru", "обслуживания клиента")
    assert analyze("ru", "подкреплёно") == analyze("ru", "подкреплено")


def test_italian_elision_and_stemming():
    assert analyze("it", "L'acquisto") == analyze("it", "acquisti")
    assert "l" not in analyze("it", "l'acquisto dell'azienda")


def test_english_snowball():
    assert analyze("en", "Answering the phones") == analyze("en", "answer phone")


def test_chinese_words_and_traditional_input():
    assert analyze("zh", "承诺回电时间") == ["承诺", "回电", "时间"]
    assert analyze("zh", "承諾回電時間") == ["承诺", "回电", "时间"]
    assert analyze("zh", "客户，ＳＢＡ调查") == ["客户", "sba", "调查"]


def test_chinese_keeps_other_scripts_whole():
    assert analyze("zh", "тест word") == ["тест", "word"]


def test_chinese_character_offsets_point_into_the_original():
    text = "要承諾回電時間。"
    spans = [(t.text, text[t.startchar : t.endchar]) for t in analyzer_for("zh")(text, chars=True)]
    assert ("回电", "回電") in spans


@pytest.mark.parametrize("lang", INDEX_LANGS)
def test_analyzers_survive_pickling(lang):
    # whoosh stores the analyzer inside each index's schema
    restored = pickle.loads(pickle.dumps(analyzer_for(lang)))
    sample = "klientu обслуживание 回电时间 answering"
    assert [t.text for t in restored(sample)] == analyze(lang, sample)


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="no analyzer"):
        analyzer_for("de")


def test_strip_diacritics():
    assert strip_diacritics("āčēģīķļņšūž") == "acegiklnsuz"
