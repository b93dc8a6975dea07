"""Forgiving matching: each word's candidate terms, as typed, half-typed and misspelt."""

import pytest

from pipeline.analysis import analyze
from pipeline.languages import INDEX_LANGS
from pipeline.matching import (
    EXACT,
    PREFIX,
    TYPO,
    Synonyms,
    Vocabulary,
    candidates,
    final_accents,
    query_words,
    surface_form,
    typo_budget,
    word_forms,
    word_terms,
)

# English index terms are Snowball stems: "customer" is indexed as "custom".
VOCABULARY = Vocabulary(
    {
        "client": 40,
        "clinic": 2,
        "climb": 1,
        "custom": 90,
        "customis": 5,
        "complaint": 12,
        "callback": 7,
        "respons": 20,
        "responsibl": 3,
        "servic": 60,
    }
)


@pytest.mark.parametrize(
    ("word", "budget"),
    [("call", 0), ("phone", 1), ("customer", 1), ("complaint", 2), ("回电时间", 0)],
)
def test_typo_budget_follows_meilisearch(word, budget):
    assert typo_budget(word) == budget


def test_prefixes_are_bounded_and_most_frequent_first():
    assert VOCABULARY.prefixed("cust") == ["custom", "customis"]
    assert VOCABULARY.prefixed("c", limit=2) == ["custom", "client"]  # by tips holding them
    assert VOCABULARY.prefixed("x") == []


def test_typos_within_the_budget_and_the_first_letter_counts_double():
    assert VOCABULARY.near("custm", 1) == ["custom"]  # a letter missing
    assert VOCABULARY.near("cusotm", 1) == ["custom"]  # two letters swapped: one typo
    assert VOCABULARY.near("cusotm", 0) == []
    assert VOCABULARY.near("vustom", 1) == []  # the first letter: two typos' worth
    assert VOCABULARY.near("complaimt", 2) == ["complaint"]
    assert VOCABULARY.near("xlient", 2) == ["client"]  # the first letter wrong, nothing else
    assert VOCABULARY.near("lient", 2) == ["client"]  # the first letter dropped
    assert VOCABULARY.near("lcient", 2) == ["client"]  # the first two swapped


def test_a_wrong_first_letter_finds_every_term_with_that_tail():
    words = Vocabulary({"bills": 3, "fills": 9, "pills": 1, "spills": 2, "ills": 4, "bell": 5})
    assert words.near("zills", 2) == ["fills", "ills", "bills", "pills"]  # then by frequency
    assert words.near("pills", 2) == ["fills", "ills", "bills", "spills"]  # not itself
    assert words.near("qell", 2) == ["bell"]


def test_query_words_cut_chinese_into_words_and_keep_other_scripts_whole():
    assert query_words("Refund клиенту, 回电时间!") == ["refund", "клиенту", "回电", "时间"]
    assert query_words("  ") == []


def test_query_words_drop_what_pasting_brings_inside_words():
    """Soft hyphens and zero-width characters come along when agents paste from web pages,
    Word or chat; inside a word they cut it in two ("apkal" + "pošana")."""
    pasted = "apkal\u00adpošana cus\u200btomer обслу\u2060живание kli\u200dentu \ufeffrefund"
    assert query_words(pasted) == ["apkalpošana", "customer", "обслуживание", "klientu", "refund"]
    assert query_words("ｃｕｓｔｏｍｅｒ　ｓｅｒｖｉｃｅ") == ["customer", "service"]  # full-width


def test_an_italian_word_typed_without_its_final_accent_means_the_word_written_with_it():
    """The stemmer cuts "qualita" to "qual" and "qualità" to "qualit": when the tips write only
    the accented word, its stems are the typed word's too."""
    stems = Vocabulary({"qual": 5, "qualit": 3, "citt": 2, "cas": 4})
    written = Vocabulary({"quale": 5, "qualità": 3, "città": 2, "casa": 4})
    found = {
        c.term: c.kind for c in candidates("qualita", "it", stems, last=False, written=written)
    }
    assert found == {"qual": EXACT, "qualit": EXACT}
    found = {c.term: c.kind for c in candidates("casa", "it", stems, last=False, written=written)}
    assert found == {"cas": EXACT}  # written as typed: nothing more
    # only a word typed without accents, ending in a vowel
    assert final_accents("perche") == ("perchè", "perché")
    assert final_accents("città") == final_accents("stop") == ()  # accented, or no vowel last


def test_candidates_exact_then_prefix_for_the_last_word_then_typos():
    found = {c.term: c.kind for c in candidates("customers", "en", VOCABULARY, last=False)}
    assert found == {"custom": EXACT}
    found = {c.term: c.kind for c in candidates("cust", "en", VOCABULARY, last=True)}
    assert found == {"custom": PREFIX, "customis": PREFIX}
    assert candidates("cust", "en", VOCABULARY, last=False) == []  # not being typed
    found = {c.term: c.kind for c in candidates("cusotmer", "en", VOCABULARY, last=False)}
    assert found == {"custom": TYPO}
    assert candidates("cusotmer", "en", VOCABULARY, last=False, typos=False) == []


def test_typos_are_also_looked_up_in_the_words_as_written():
    """ "custmer" is one edit from "customer" but three from its stem "custom": only the
    words as the tips write them bring it within the budget."""
    assert candidates("custmer", "en", VOCABULARY, last=False) == []
    written = Vocabulary({"customer": 50, "customers": 38, "complaints": 9})
    found = {
        c.term: c.kind for c in candidates("custmer", "en", VOCABULARY, last=False, written=written)
    }
    assert found == {"custom": TYPO}


def test_a_word_another_language_drops_as_a_stop_word():
    assert word_forms("ir").stop and word_forms("the").stop and word_forms("и").stop
    assert not word_forms("klienti").stop
    assert not word_forms("退").stop  # one character is a Chinese word


@pytest.mark.parametrize(
    "word",
    ["apkalpošana", "Klientu", "rimborso", "обслуживание", "complaints", "退款", "ir", "2fa"],
)
def test_a_query_words_forms_are_each_languages_own(word):
    """One entry a word holds what each language's analyzer and folding make of it."""
    forms = word_forms(word)
    for lang in INDEX_LANGS:
        assert forms.analyzed(lang) == word_terms(word, lang)[0], lang
        assert forms.surface(lang) == surface_form(word, lang), lang


def test_a_chinese_words_terms_are_its_parts_and_itself():
    """As the index analyzed the tips (jieba's search mode): whoosh gives every token in one
    object, so each is read as it comes."""
    assert word_forms("客户服务").analyzed("zh") == ("客户", "服务", "客户服务")
    assert word_terms("满意度", "zh")[0] == ("满意", "满意度")


def test_chinese_last_characters_start_words():
    zh = Vocabulary({"回电": 3, "时间": 20, "时候": 4, "服务": 30, "客户": 50})
    found = {c.term: c.kind for c in candidates("时", "zh", zh, last=True)}
    assert found == {"时间": PREFIX, "时候": PREFIX}
    found = {c.term: c.kind for c in candidates("服", "zh", zh, last=True)}
    assert found == {"服务": PREFIX}


def test_synonyms_expand_the_words_that_hold_a_whole_glossary_term():
    synonyms = Synonyms(
        [
            [("en", "hold music"), ("lv", "gaidīšanas mūzika"), ("it", "musica di attesa")],
            [("en", "refund"), ("it", "rimborso")],
        ]
    )
    lv = ("lv", tuple(analyze("lv", "gaidīšanas mūzika")))
    it = ("it", tuple(analyze("it", "musica di attesa")))
    held = {"en": {"hold": {0}, "music": {1}, "call": {2}}}
    assert synonyms.expand(held) == {0: [lv, it]}  # one word's worth, not two
    assert synonyms.expand({"en": {"music": {0}}}) == {}  # half a term triggers nothing
    assert synonyms.expand({"it": {analyze("it", "rimborso")[0]: {3}}}) == {
        3: [("en", ("refund",))]
    }


def test_query_words_are_normalised_as_the_index_is():
    assert query_words("ＣＵＳＴＯＭＥＲ customer_service") == ["customer", "customer", "service"]
    assert query_words("客戶服務") == query_words("客户服务")  # traditional folded to simplified
    decomposed = "atzvani\u0304s\u030canas"  # ī and š typed as letter + combining mark
    assert query_words(decomposed) == ["atzvanīšanas"]


def test_a_finished_chinese_word_does_not_stretch_its_last_character():
    zh = Vocabulary({"回电": 3, "电话": 20, "电子邮件": 4})
    found = {c.term: c.kind for c in candidates("回电", "zh", zh, last=True)}
    assert found == {"回电": EXACT}  # not 电话, 电子邮件
