"""Stage 2, normalise: display text (NFC, boilerplate removed, title) and index folding."""

import hashlib
import unicodedata
from dataclasses import replace

import pytest

from pipeline.load import RejectedFile, SourceFile, load_content
from pipeline.normalise import boilerplate_rule_for, fold_for_index, normalise_article
from pipeline.schema import ArticleMeta
from tests.helpers import BUNDLED_CONTENT as REPO_CONTENT


@pytest.fixture(scope="module")
def seeds() -> dict[str, SourceFile]:
    result = load_content(REPO_CONTENT, 1024 * 1024)
    assert result.rejected == []
    return {source.lang: source for source in result.files}


def source(text: str, lang: str = "it", meta: ArticleMeta | None = None) -> SourceFile:
    return SourceFile(
        id=f"{lang}/prova",
        lang=lang,
        path=f"{lang}/prova.txt",
        text=text,
        meta=meta or ArticleMeta(),
    )


# --- the seed articles --------------------------------------------------------------------------


def test_it_seed_title_and_blog_boilerplate_removed(seeds):
    result = normalise_article(seeds["it"])
    article = result.article

    assert article.id == "it/customer-service-with-great-profits"
    assert article.lang == "it"
    assert article.path == "it/customer-service-with-great-profits.txt"
    assert article.title == "Servizio clienti con grandi profitti"
    assert result.removed == (
        "line 1: blog date line",
        "line 41: comment footer",
        "line 43: comment footer",
    )
    assert article.body.startswith("Il servizio clienti è il bene più importante per un commercio")
    assert article.body.endswith("non essere in grado di trovare una soluzione al problema.")
    for gone in ("Sunday, November 21, 2010", "No comments:", "Post a Comment"):
        assert gone not in article.body
        assert gone not in article.title


def test_lv_seed_title_and_stubs_removed(seeds):
    result = normalise_article(seeds["lv"])
    article = result.article

    assert article.title == "Starpība starp labu un izcilu klientu apkalpošanu"
    assert result.removed == ("line 3: table-of-contents stub", "line 5: author stub")
    assert article.body.startswith("Klientu apkalpošana ir kritiska uzņēmējdarbības aktivitāte")
    assert "Satura rādītājs:" not in article.body
    assert "Anonim" not in article.body.split("\n")


def test_zh_seed_loses_nothing(seeds):
    result = normalise_article(seeds["zh"])
    assert result.removed == ()
    assert result.article.title == "为什么客户服务如此重要?"
    assert f"{result.article.title}\n{result.article.body}" == seeds["zh"].text


def test_ru_seed_loses_nothing(seeds):
    result = normalise_article(seeds["ru"])
    assert result.removed == ()
    assert result.article.title == "Обслуживание клиента: что нужно знать?"
    assert f"{result.article.title}\n\n{result.article.body}" == seeds["ru"].text
    # indented list items keep their indentation
    assert "\n  • Организуйте каналы обратной связи" in result.article.body


@pytest.mark.parametrize("lang", ["lv", "it", "zh", "ru"])
def test_every_content_line_of_the_seed_file_survives_verbatim_and_in_order(seeds, lang):
    original = (REPO_CONTENT / seeds[lang].path).read_text(encoding="utf-8")
    article = normalise_article(seeds[lang]).article

    expected = [
        line
        for line in original.split("\n")
        if line.strip() and boilerplate_rule_for(lang, line) is None
    ]
    shown = [line for line in f"{article.title}\n{article.body}".split("\n") if line.strip()]
    assert shown == expected


@pytest.mark.parametrize("lang", ["lv", "it", "zh", "ru"])
def test_seed_output_has_no_stray_blank_lines(seeds, lang):
    body = normalise_article(seeds[lang]).article.body
    assert body == body.strip("\n")
    assert "\n\n\n" not in body
    assert all(line == line.rstrip() for line in body.split("\n"))


# --- NFC ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title", "body"),
    [
        ("lv", "Ārkārtas klientu apkalpošana", "Šāda veida pēc uzstādīšanas atbalsts, ļoti."),
        ("it", "Perché è così", "La qualità del servizio è più importante. È vero."),
        ("ru", "Ещё раз: йогурт", "Подкреплёно живым общением, всё те же."),
    ],
)
def test_decomposed_text_comes_out_composed(lang, title, body):
    decomposed = unicodedata.normalize("NFD", f"{title}\n\n{body}\n")
    assert decomposed != f"{title}\n\n{body}\n"  # the input really is decomposed

    article = normalise_article(source(decomposed, lang)).article
    assert article.title == title
    assert article.body == body


def test_decomposed_front_matter_title_comes_out_composed():
    # The title is shown to users just like the body, so it must be NFC as well.
    meta = ArticleMeta(title=unicodedata.normalize("NFD", "Ārkārtas serviss"))
    article = normalise_article(source("Pirmā rinda.\n", "lv", meta)).article
    assert article.title == "Ārkārtas serviss"
    assert unicodedata.is_normalized("NFC", article.title)


# --- what is left -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("it", "Sunday, November 21, 2010\n\nNo comments:\n\nPost a Comment\n"),
        ("lv", "Satura rādītājs:\n\nAnonim\n\n"),
        ("ru", "Содержание:\nКомментариев нет:\n"),
        ("zh", "目录:\n匿名\n发表评论\n"),
        ("it", "Titolo\n\nNo comments:\n"),  # a title and nothing but boilerplate after it
    ],
)
def test_boilerplate_only_file_is_rejected(lang, text):
    with pytest.raises(RejectedFile) as excinfo:
        normalise_article(source(text, lang))
    assert str(excinfo.value) == "nothing left after removing boilerplate"


@pytest.mark.parametrize(
    "text", ["Solo un titolo", "Solo un titolo\n\n\n", "\n  Solo un titolo  \n"]
)
def test_title_only_file_is_rejected(text):
    with pytest.raises(RejectedFile) as excinfo:
        normalise_article(source(text))
    assert str(excinfo.value) == "only a title, no text"


def test_front_matter_title_and_boilerplate_only_is_rejected():
    with pytest.raises(RejectedFile) as excinfo:
        normalise_article(source("No comments:\n", meta=ArticleMeta(title="Titolo")))
    assert str(excinfo.value) == "nothing left after removing boilerplate"


def test_front_matter_title_wins_and_first_line_stays_in_body():
    meta = ArticleMeta(title="  Rispondere entro tre squilli  ", tags=("telefono",))
    result = normalise_article(source("Prima riga.\n\nSeconda riga.\n", meta=meta))
    assert result.article.title == "Rispondere entro tre squilli"
    assert result.article.body == "Prima riga.\n\nSeconda riga."
    assert result.article.meta == meta


@pytest.mark.parametrize(
    "first_line",
    [
        "Servizio clienti con grandi profitti",
        "  SERVIZIO CLIENTI con grandi   profitti  ",
        unicodedata.normalize("NFD", "Servizio clienti con grandi profitti"),
        "Servizio clienti con grandi\u200b profitti",  # pasted from a web page
    ],
    ids=["same", "case-and-spaces", "decomposed", "zero-width-space"],
)
def test_a_first_line_repeating_the_front_matter_title_is_the_title_not_body(first_line):
    # Blog exports and the README's own layout repeat the title under the front matter.
    meta = ArticleMeta(title="Servizio clienti con grandi profitti")
    text = f"{first_line}\n\nRegole d'oro\n\nIl cliente viene prima di tutto.\n"
    article = normalise_article(source(text, meta=meta)).article
    assert article.title == "Servizio clienti con grandi profitti"
    assert article.body == "Regole d'oro\n\nIl cliente viene prima di tutto."


def test_a_paragraph_whose_first_line_is_the_title_keeps_it():
    # Hard-wrapped: the title's words begin the first paragraph, which goes on below.
    meta = ArticleMeta(title="Resi e rimborsi")
    text = "Resi e rimborsi\nsono gestiti dal reparto vendite entro cinque giorni.\n"
    article = normalise_article(source(text, meta=meta)).article
    assert article.body == "Resi e rimborsi\nsono gestiti dal reparto vendite entro cinque giorni."


def test_a_front_matter_title_repeated_with_nothing_after_it_is_only_a_title():
    meta = ArticleMeta(title="Rispondere entro tre squilli")
    with pytest.raises(RejectedFile) as excinfo:
        normalise_article(source("Rispondere entro tre squilli\n", meta=meta))
    assert str(excinfo.value) == "only a title, no text"


@pytest.mark.parametrize("title", ["", "   "])
def test_blank_front_matter_title_falls_back_to_first_line(title):
    meta = ArticleMeta(title=title)
    article = normalise_article(source("Prima riga.\n\nSeconda riga.\n", meta=meta)).article
    assert article.title == "Prima riga."
    assert article.body == "Seconda riga."


def test_title_is_first_content_line_after_leading_boilerplate_and_blanks():
    text = "\n\nSunday, November 21, 2010\n\n\n  Il titolo  \n\n\nUno.\nDue.   \n\n\n\nTre.\n\n"
    result = normalise_article(source(text))
    assert result.article.title == "Il titolo"
    assert result.article.body == "Uno.\nDue.\n\nTre."
    assert result.removed == ("line 3: blog date line",)


def test_removing_a_line_between_paragraphs_leaves_one_blank_line():
    text = "Titolo\n\nPrimo.\n\nNessun commento:\n\nSecondo.\n"
    result = normalise_article(source(text))
    assert result.article.body == "Primo.\n\nSecondo."
    assert result.removed == ("line 5: comment footer",)


# --- the per-language boilerplate table ---------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "line", "rule"),
    [
        ("it", "Nessun commento:", "comment footer"),
        ("lv", "Nessun commento:", None),
        ("ru", "Nessun commento:", None),
        ("lv", "Anonim", "author stub"),
        ("lv", "Anonīms", "author stub"),
        ("it", "Anonim", None),
        ("ru", "Anonim", None),
        ("zh", "Anonim", None),
        ("it", "Anonimo", "author stub"),
        ("lv", "Anonimo", None),
        ("lv", "Satura rādītājs:", "table-of-contents stub"),
        ("it", "Satura rādītājs:", None),
        ("lv", "Nav komentāru:", "comment footer"),
        ("ru", "Комментариев нет:", "comment footer"),
        ("ru", "Аноним", "author stub"),
        ("ru", "Оглавление", "table-of-contents stub"),
        ("ru", "воскресенье, 21 ноября 2010 г.", "blog date line"),
        ("zh", "目录：", "table-of-contents stub"),
        ("zh", "2010年11月21日 星期日", "blog date line"),
        ("zh", "發表評論", "comment footer"),
        ("it", "domenica 21 novembre 2010", "blog date line"),
        ("lv", "svētdiena, 2010. gada 21. novembris", "blog date line"),
        # English blog-platform lines are boilerplate whatever the article's language
        ("it", "Sunday, November 21, 2010", "blog date line"),
        ("lv", "No comments:", "comment footer"),
        ("zh", "3 comments:", "comment footer"),
        ("ru", "Post a Comment", "comment footer"),
        ("lv", "Anonymous", "author stub"),
        ("it", "Older Post", "blog navigation"),
        ("it", "Subscribe to: Post Comments (Atom)", "blog navigation"),
        ("lv", "Posted by Anna at 10:42 PM", "byline"),
        # case and surrounding blanks do not matter; the whole line must match
        ("it", "  NO COMMENTS:  ", "comment footer"),
        ("it", "\tpost a comment", "comment footer"),
        ("it", "This post has No comments: be the first to reply.", None),
        ("it", "No comments: ma ecco perché il servizio conta.", None),
        ("it", "Abbiamo ricevuto No comments negativi quest'anno.", None),
        ("lv", "Anonim klients zvanīja trīs reizes.", None),
        ("it", "Sunday, November 21, 2010 è stata una giornata di vendite.", None),
        ("it", "", None),
        ("lv", "   ", None),
    ],
)
def test_boilerplate_rule_for(lang, line, rule):
    found = boilerplate_rule_for(lang, line)
    assert (found.name if found else None) == rule


def test_a_sentence_merely_containing_a_footer_phrase_stays_in_the_body():
    text = (
        "Titolo\n\nSe un post ha No comments: non vuol dire che nessuno lo legga.\n\nNo comments:\n"
    )
    result = normalise_article(source(text))
    assert result.article.body == "Se un post ha No comments: non vuol dire che nessuno lo legga."
    assert result.removed == ("line 5: comment footer",)


def test_anonim_line_is_kept_in_an_italian_article():
    result = normalise_article(source("Titolo\n\nAnonim\n\nTesto.\n", "it"))
    assert result.article.body == "Anonim\n\nTesto."
    assert result.removed == ()


# --- hash ---------------------------------------------------------------------------------------


def test_hash_is_stable_sha256_hex(seeds):
    first = normalise_article(seeds["lv"]).article.hash
    again = normalise_article(seeds["lv"]).article.hash
    assert first == again
    retitled = replace(seeds["lv"], meta=ArticleMeta(title="Cits virsraksts"))
    assert normalise_article(retitled).article.hash != first  # the title is part of it


def test_hash_matches_documented_recipe():
    article = normalise_article(source("Titolo\n\nTesto.\n")).article
    meta_json = ArticleMeta().model_dump_json()
    assert article.hash == hashlib.sha256(f"it\nTitolo\n{meta_json}\nTesto.".encode()).hexdigest()


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Titolo\n\nTesto.\n", "Titolo\n\nTesto.\n", True),
        ("Titolo\n\nTesto.\n", "Titolo\n\nTesto!\n", False),
        ("Titolo\n\nTesto.\n", "Titolo\n\nTesto.\nAltro.\n", False),
        ("Titolo\n\nTesto.\n", "Titolo diverso\n\nTesto.\n", False),
        # things normalising takes away do not change the hash
        ("Titolo\n\nTesto.\n", "Titolo\n\nTesto.\n\nNo comments:\n\nPost a Comment\n", True),
        ("Titolo\n\nTesto.\n", "Titolo   \n\n\n\nTesto.   \n\n", True),
        ("Titolo\n\nPerché.\n", unicodedata.normalize("NFD", "Titolo\n\nPerché.\n"), True),
    ],
)
def test_hash_changes_exactly_when_the_shown_text_changes(a, b, same):
    hash_a = normalise_article(source(a)).article.hash
    hash_b = normalise_article(source(b)).article.hash
    assert (hash_a == hash_b) is same


def test_hash_changes_with_the_front_matter():
    plain = normalise_article(source("Titolo\n\nTesto.\n")).article.hash
    tagged = normalise_article(
        source("Titolo\n\nTesto.\n", meta=ArticleMeta(tags=("telefono",)))
    ).article.hash
    assert plain != tagged


# --- fold_for_index -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "folded"),
    [
        ("zh", "為什麼客戶服務", "为什么客户服务"),
        ("zh", "頭髮與電腦", "头发与电脑"),
        ("zh", "为什么客户服务", "为什么客户服务"),
        ("zh", "，ＡＢＣ？", ",ABC?"),
        ("zh", "ｈｅｌｌｏ！（１２３）～", "hello!(123)~"),
        ("zh", "客户\u3000服务", "客户 服务"),
        ("zh", "客戶：６０％以上", "客户:60%以上"),
        ("zh", "「客戶」。", "「客户」。"),  # corner brackets and 。 are not full-width ASCII
        ("ru", "ещё", "еще"),
        ("ru", "Ёлка и ЁЖ", "Елка и ЕЖ"),
        ("ru", "подкреплёно живым общением", "подкреплено живым общением"),
        ("ru", "Ｔｅｓｔ 為什麼", "Ｔｅｓｔ 為什麼"),
        ("lv", "Ārkārtas ＡＢＣ ещё 為什麼\u3000", "Ārkārtas ＡＢＣ ещё 為什麼\u3000"),
        ("it", "Perché così，ＡＢＣ ёлка 為什麼", "Perché così，ＡＢＣ ёлка 為什麼"),
        ("en", "Why ＡＢＣ ёлка 為什麼\u3000", "Why ＡＢＣ ёлка 為什麼\u3000"),
    ],
)
def test_fold_for_index(lang, text, folded):
    assert fold_for_index(lang, text) == folded


LENGTH_CASES = [
    ("zh", "為什麼客戶服務如此重要？我們來面對這樣一個現實，沒有客戶，企業就不存在。"),
    ("zh", "𠮷野家👍為什麼 ＡＢＣ\u3000乾隆皇帝 著作 於是 計程車"),
    ("zh", ""),
    ("ru", "Ещё ёлка, ЁЖ, подкреплёно"),
    ("lv", "Ārkārtas klientu apkalpošana"),
    ("it", "Perché è così"),
    ("en", "Why customer service matters"),
]


@pytest.mark.parametrize(("lang", "text"), LENGTH_CASES)
def test_fold_for_index_preserves_length(lang, text):
    assert len(fold_for_index(lang, text)) == len(text)


@pytest.mark.parametrize("lang", ["lv", "it", "zh", "ru"])
def test_fold_for_index_preserves_length_of_seed_articles(seeds, lang):
    body = normalise_article(seeds[lang]).article.body
    for fold_lang in ("lv", "it", "zh", "ru", "en"):
        assert len(fold_for_index(fold_lang, body)) == len(body)


@pytest.mark.parametrize("lang", ["lv", "it", "zh", "ru"])
def test_fold_for_index_is_idempotent_on_seed_articles(seeds, lang):
    # Index and query text are both folded; folding twice must not drift.
    body = normalise_article(seeds[lang]).article.body
    once = fold_for_index(lang, body)
    assert fold_for_index(lang, once) == once


def test_traditional_query_meets_simplified_seed_text(seeds):
    body = normalise_article(seeds["zh"]).article.body
    query = fold_for_index("zh", "為什麼客戶服務如此重要？")
    assert query == "为什么客户服务如此重要?"
    assert query in fold_for_index("zh", normalise_article(seeds["zh"]).article.title)
    assert "提供优质客户服务" in fold_for_index("zh", body)
    assert fold_for_index("zh", "提供優質客戶服務") == "提供优质客户服务"


def test_ru_query_without_yo_meets_seed_text_with_yo(seeds):
    body = normalise_article(seeds["ru"]).article.body
    assert "ещё более очевидным" in body
    assert "еще более очевидным" in fold_for_index("ru", body)
    assert fold_for_index("ru", "ещё") == fold_for_index("ru", "еще")
