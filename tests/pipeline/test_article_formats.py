"""Articles as editors write them — plain text, Markdown, HTML exports and Word — each cut
into the tips its labels expect (tests/pipeline/articles/*.expect.yaml)."""

import io
import time
import zipfile
from pathlib import Path

import pytest

from pipeline.load import load_content
from pipeline.normalise import normalise_article
from tests.article_labels import HELD_OUT, cut, labelled_articles, score
from tests.docx_builder import build_docx
from tests.helpers import cut_file, write_article

ARTICLES = labelled_articles()
HELD_OUT_ARTICLES = labelled_articles(HELD_OUT)


def test_the_labelled_set_covers_every_format_in_every_language():
    by_format: dict[str, set[str]] = {}
    for article in ARTICLES:
        by_format.setdefault(article.format, set()).add(article.lang)
    assert set(by_format) == {"txt", "md", "html", "docx"}
    for langs in by_format.values():
        assert langs == {"lv", "it", "zh", "ru"}


@pytest.mark.parametrize("article", ARTICLES + HELD_OUT_ARTICLES, ids=lambda a: a.name)
def test_article_is_cut_as_labelled(article, tmp_path):
    title, tips = cut(article, tmp_path / "content")
    result = score(article, title, tips)
    assert result.problems == []


def test_markdown_table_is_one_tip_with_its_header_and_rows(tmp_path):
    _, tips = cut_file(
        tmp_path,
        "it/tempi.md",
        "# Tempi\n\n## Rimborsi\n\n| Caso | Tempo |\n|---|:--|\n| Integro | 14 giorni |\n"
        "| Difettoso | 30 giorni |\n",
    )
    (table,) = tips
    assert table.kind == "table"
    assert table.table is not None
    assert table.table.header == ("Caso", "Tempo")
    assert table.table.rows == (("Integro", "14 giorni"), ("Difettoso", "30 giorni"))
    assert table.text == "Caso: Integro; Tempo: 14 giorni\nCaso: Difettoso; Tempo: 30 giorni"
    assert (table.title, table.context) == ("Rimborsi", "Tempi")


def test_a_txt_file_holding_markdown_is_read_as_markdown(tmp_path):
    normalised, tips = cut_file(
        tmp_path, "lv/zvani.txt", "# Zvani\n\n## Sveiciens\n\nSakiet **savu vārdu** skaidri.\n"
    )
    assert normalised.article.format == "markdown"
    assert normalised.article.title == "Zvani"
    assert [(t.title, t.text) for t in tips] == [("Sveiciens", "Sakiet savu vārdu skaidri.")]


def test_lead_in_joins_its_list_and_a_second_list_stays_apart(tmp_path):
    _, tips = cut_file(
        tmp_path,
        "lv/atmaksa.md",
        "# Atmaksa\n\nKā rīkoties:\n\n1. pārbaudiet pasūtījumu;\n2. ierakstiet pieprasījumu.\n\n"
        "- Pateicieties klientam.\n  - Arī dusmīgam.\n- Piedāvājiet alternatīvu.\n",
    )
    assert [(t.kind, t.text) for t in tips] == [
        ("list", "Kā rīkoties:\n1. pārbaudiet pasūtījumu;\n2. ierakstiet pieprasījumu."),
        ("list_item", "Pateicieties klientam.\n◦ Arī dusmīgam."),
        ("list_item", "Piedāvājiet alternatīvu."),
    ]


def test_a_long_list_after_a_lead_in_keeps_one_tip_per_item_titled_by_the_lead_in(tmp_path):
    items = "".join(f"- Regola numero {n}, da seguire sempre con attenzione.\n" for n in range(12))
    _, tips = cut_file(tmp_path, "it/regole.md", f"# Regole\n\nSeguite queste regole:\n\n{items}")
    assert len(tips) == 12
    assert {(t.kind, t.title, t.context) for t in tips} == {
        ("list_item", "Seguite queste regole", "Regole")
    }


_FRONT_MATTER = (
    "---\ntitle: Servizio clienti con grandi profitti\ntags: [telefono, fedeltà]\n"
    "author: Redazione\ndate: 2010-11-21\nsource: https://intranet.example/servizio\n---\n"
)


def test_the_readmes_plain_text_example_repeats_its_title_and_no_tip_holds_only_it(tmp_path):
    text = (
        f"{_FRONT_MATTER}Servizio clienti con grandi profitti\n\nRegole d'oro\n\n"
        "Il servizio clienti è il bene più importante per un commercio che vuole durare.\n\n"
        "a) Risolvere i problemi del cliente prima di proporre altro.\n"
        "b) I dipendenti devono essere ben addestrati.\n"
    )
    normalised, tips = cut_file(tmp_path, "it/servizio.txt", text)
    assert normalised.article.title == "Servizio clienti con grandi profitti"
    assert [(t.kind, t.title, t.text) for t in tips] == [
        (
            "paragraph",
            "Regole d'oro",
            "Il servizio clienti è il bene più importante per un commercio che vuole durare.",
        ),
        ("list_item", "Regole d'oro", "Risolvere i problemi del cliente prima di proporre altro."),
        ("list_item", "Regole d'oro", "I dipendenti devono essere ben addestrati."),
    ]


@pytest.mark.parametrize(
    ("rel", "first_line"),
    [
        ("it/servizio.txt", "Servizio clienti con grandi profitti"),  # a .txt read as Markdown
        ("it/servizio.md", "Servizio clienti con grandi profitti"),
        ("it/servizio.md", "# Servizio clienti con grandi profitti"),
    ],
)
def test_markdown_repeating_its_front_matter_title_gives_no_tip_of_only_the_title(
    tmp_path, rel, first_line
):
    text = (
        f"{_FRONT_MATTER}{first_line}\n\n## Regole d'oro\n\n"
        "Il servizio clienti è il bene più importante per un commercio che vuole durare.\n"
    )
    normalised, tips = cut_file(tmp_path, rel, text)
    assert normalised.article.format == "markdown"
    assert normalised.article.title == "Servizio clienti con grandi profitti"
    assert [(t.title, t.context, t.text) for t in tips] == [
        (
            "Regole d'oro",
            "Servizio clienti con grandi profitti",
            "Il servizio clienti è il bene più importante per un commercio che vuole durare.",
        )
    ]


@pytest.mark.parametrize("line_end", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("hard_break", ["  ", "\\"], ids=["two-spaces", "backslash"])
def test_a_markdown_hard_break_keeps_its_line_break(tmp_path, hard_break, line_end):
    text = (
        "# Rimborsi\n\n"
        f"Se il cliente chiede un rimborso, aprite il modulo nel gestionale.{hard_break}\n"
        "Compilate tutti i campi prima di salvare.\n\n"
        "Il rimborso arriva entro 14 giorni.\n"
    ).replace("\n", line_end)
    _, tips = cut_file(tmp_path, "it/rimborsi.md", text.encode())
    assert [t.text for t in tips] == [
        "Se il cliente chiede un rimborso, aprite il modulo nel gestionale.\n"
        "Compilate tutti i campi prima di salvare.",
        "Il rimborso arriva entro 14 giorni.",
    ]


def test_trailing_spaces_in_a_plain_text_file_still_join_its_wrapped_lines(tmp_path):
    text = (
        "Rimborsi\n\nSe il cliente chiede un rimborso, aprite il modulo  \n"
        "nel gestionale e compilate tutti i campi.\n\nIl rimborso arriva entro 14 giorni.\n"
    )
    _, tips = cut_file(tmp_path, "it/rimborsi.txt", text)
    assert [t.text for t in tips] == [
        "Se il cliente chiede un rimborso, aprite il modulo nel gestionale e compilate tutti i campi.",
        "Il rimborso arriva entro 14 giorni.",
    ]


def test_html_export_keeps_content_and_drops_chrome_and_code(tmp_path):
    page = """<!DOCTYPE html><html><head><title>Возвраты – Центр поддержки</title>
    <script>var secret = 1;</script><style>p{color:red}</style></head><body>
    <header><img src="logo.png" alt="Логотип"><nav><a href="/">Главная</a></nav></header>
    <main><article><h1>Возвраты</h1><div class="article-body">
    <p onclick="steal()">Проверьте <b>номер</b> заказа в <a href="https://crm.example/o">CRM</a>.</p>
    <p>Нажмите <img src="pen.png" alt="карандаш"> и исправьте адрес.</p>
    <p><img src="shot.png" alt="Снимок экрана"></p>
    <p>Оператор: Добрый день!<br>Клиент: Здравствуйте.</p>
    <script>document.write("вставка")</script></div></article></main>
    <div class="cookie-banner">Мы используем cookie</div><footer>© 2026</footer></body></html>"""
    normalised, tips = cut_file(tmp_path, "ru/vozvraty.html", page)
    assert normalised.article.title == "Возвраты"
    assert [t.text for t in tips] == [
        "Проверьте номер заказа в CRM (https://crm.example/o).",
        "Нажмите карандаш и исправьте адрес.",
        "Оператор: Добрый день!\nКлиент: Здравствуйте.",
    ]
    everything = normalised.article.body + "".join(t.text for t in tips)
    for leaked in ("secret", "steal", "вставка", "cookie", "©", "Главная", "Снимок", "color"):
        assert leaked not in everything
    assert normalised.removed[:2] == (
        "dropped: the page around the article (article-body)",
        "dropped: an image on its own (its alt text is no tip)",
    )
    assert "dropped: script" in normalised.removed


_IMAGES_MD = """# Rimborsi

Aprite il modulo di rimborso dal menu Pratiche.

![Schermata del modulo di rimborso](modulo.png)

Cliccate sull'icona ![matita](matita.png) e correggete l'IBAN.

- Controllate l'importo sulla ricevuta.
- ![Esempio di ricevuta](ricevuta.png)

| Campo | Dove |
|---|---|
| IBAN | ![Campo IBAN evidenziato](iban.png) |
| Importo | in fondo al modulo |
"""
_IMAGES_HTML = """<html><body><article><h1>Rimborsi</h1>
<p>Aprite il modulo di rimborso dal menu Pratiche.</p>
<p><img src="modulo.png" alt="Schermata del modulo di rimborso"></p>
<p>Cliccate sull'icona <img src="matita.png" alt="matita"> e correggete l'IBAN.</p>
<ul><li>Controllate l'importo sulla ricevuta.</li>
<li><img src="ricevuta.png" alt="Esempio di ricevuta"></li></ul>
<table><tr><th>Campo</th><th>Dove</th></tr>
<tr><td>IBAN</td><td><img src="iban.png" alt="Campo IBAN evidenziato"></td></tr>
<tr><td>Importo</td><td>in fondo al modulo</td></tr></table>
</article></body></html>"""


@pytest.mark.parametrize(
    ("rel", "text"), [("it/rimborsi.md", _IMAGES_MD), ("it/rimborsi.html", _IMAGES_HTML)]
)
def test_an_image_on_its_own_is_no_tip_and_one_in_a_sentence_keeps_its_alt(tmp_path, rel, text):
    normalised, tips = cut_file(tmp_path, rel, text)
    assert [t.text for t in tips] == [
        "Aprite il modulo di rimborso dal menu Pratiche.",
        "Cliccate sull'icona matita e correggete l'IBAN.",
        "Controllate l'importo sulla ricevuta.",
        "Campo: IBAN\nCampo: Importo; Dove: in fondo al modulo",
    ]
    assert normalised.removed.count("dropped: an image on its own (its alt text is no tip)") == 2


def test_a_hand_written_pages_site_header_and_copyright_line_are_chrome(tmp_path: Path) -> None:
    # An intranet page with no <article> or <main>: the only <h1> is the site's name.
    page = """<!doctype html><html><head><title>Reclami | Portale interno</title></head><body>
    <div class="site-header"><h1 class="logo">Portale Assistenza</h1></div>
    <div class="content"><div>Quando il cliente presenta un reclamo, ringraziatelo.<br>
    Poi chiedete il numero d'ordine.</div></div>
    <div class="copyright">© 2024 Azienda S.p.A. – P.IVA 01234567890</div></body></html>"""
    normalised, tips = cut_file(tmp_path, "it/reclami.html", page)
    assert normalised.article.title == "Reclami | Portale interno"
    assert [(t.title, t.text) for t in tips] == [
        (
            "Reclami | Portale interno",
            "Quando il cliente presenta un reclamo, ringraziatelo.\n"
            "Poi chiedete il numero d'ordine.",
        )
    ]
    assert "Portale Assistenza" not in normalised.article.body
    assert {"dropped: page chrome (site-header)", "dropped: page chrome (copyright)"} <= set(
        normalised.removed
    )


@pytest.mark.parametrize(
    ("body_tag", "wrapper"),
    [
        ('<body class="single-post has-sidebar">', ("", "")),  # WordPress's body classes
        ("<body>", ('<div id="page" class="layout toc-enabled">', "</div>")),
    ],
)
def test_the_articles_h1_is_its_title_whatever_the_page_around_it_is_called(
    tmp_path: Path, body_tag: str, wrapper: tuple[str, str]
) -> None:
    page = (
        f"<html><head><title>Rimborsi | Portale Assistenza</title></head>{body_tag}"
        '<div class="site-header"><h1 class="logo">Portale Assistenza</h1></div>'
        f"{wrapper[0]}<article><h1>Gestire i rimborsi</h1><p>Controllate sempre il numero "
        f"d'ordine prima di avviare il rimborso al cliente.</p></article>{wrapper[1]}</body></html>"
    )
    normalised, tips = cut_file(tmp_path, "it/rimborsi.html", page)
    assert normalised.article.title == "Gestire i rimborsi"
    assert [t.title for t in tips] == ["Gestire i rimborsi"]


@pytest.mark.parametrize(
    "chrome",
    [
        '<div id="sidebar"><h1>Altri articoli</h1></div>',
        '<div role="banner"><h1>Centro assistenza</h1></div>',
        '<div class="navbar"><div class="brand"><h1>Acme</h1></div></div>',
        '<div class="cookie-banner"><h1>Usiamo i cookie</h1></div>',
    ],
)
def test_an_h1_in_anything_read_as_chrome_is_never_the_title(tmp_path: Path, chrome: str) -> None:
    page = (
        "<html><head><title>Spedizioni</title></head><body>"
        f"{chrome}<div><p>Verificate sempre l'indirizzo di consegna con il cliente.</p></div>"
        "</body></html>"
    )
    normalised, tips = cut_file(tmp_path, "it/spedizioni.html", page)
    assert normalised.article.title == "Spedizioni"
    assert [t.text for t in tips] == ["Verificate sempre l'indirizzo di consegna con il cliente."]


@pytest.mark.parametrize(
    "page",
    [
        # text straight in <body>, as hand-written pages have it
        "<h1>Советы</h1>Всегда здоровайтесь первым.<br><br>Уточните, как обращаться к клиенту."
        "<br><br>Не используйте жаргон.",
        # in a <div>, with source line breaks, spaces and &nbsp; between the two <br>
        "<html><body><h1>Советы</h1><div class='content'>\n  Всегда здоровайтесь первым.<br>\n"
        "  <br />\n  Уточните, как обращаться к клиенту.<br>&nbsp;<br>Не используйте жаргон.\n"
        "</div></body></html>",
        # in the cell of a table that lays out an old portal page
        "<html><body><table width='100%'><tr><td><h1>Советы</h1>Всегда здоровайтесь первым."
        "<br><br><br>Уточните, как обращаться к клиенту.<br><br>Не используйте жаргон."
        "</td></tr></table></body></html>",
        # quoted from a policy: three quotes
        "<html><body><h1>Советы</h1><blockquote>Всегда здоровайтесь первым.<br><br>"
        "Уточните, как обращаться к клиенту.<br><br>Не используйте жаргон.</blockquote>"
        "</body></html>",
    ],
)
def test_a_blank_line_of_two_brs_separates_tips_as_in_plain_text(tmp_path: Path, page: str) -> None:
    _, tips = cut_file(tmp_path, "ru/sovety.html", page)
    assert [t.text for t in tips] == [
        "Всегда здоровайтесь первым.",
        "Уточните, как обращаться к клиенту.",
        "Не используйте жаргон.",
    ]


def test_one_br_breaks_a_line_and_two_in_a_paragraph_element_stay_in_it(tmp_path: Path) -> None:
    # A <p> is one paragraph by its markup: two <br> in it are spacing, as two Shift+Enter in
    # a Word paragraph are (an e-mail template must not fall apart into tips).
    page = (
        "<html><body><h1>Советы</h1><div>Оператор: Добрый день!<br>Клиент: Здравствуйте."
        "<br><br>Уточните имя клиента.</div>"
        "<p>Уважаемый клиент,<br><br>спасибо за обращение.</p></body></html>"
    )
    _, tips = cut_file(tmp_path, "ru/sovety.html", page)
    assert [t.text for t in tips] == [
        "Оператор: Добрый день!\nКлиент: Здравствуйте.",
        "Уточните имя клиента.",
        "Уважаемый клиент,\nспасибо за обращение.",
    ]


TERMINI_PAGE = """<article><h1>Termini</h1>
<p>Questa pagina raccoglie i termini da comunicare ai clienti.</p>
<table><tr><th>Caso</th><th colspan="2">Termini</th></tr>
<tr><td>Reso</td><td>14 giorni</td><td>gratis</td></tr>
<tr><td rowspan="2">Guasto</td><td>30 giorni</td><td>a pagamento</td></tr>
<tr><td>60 giorni</td><td>gratis</td></tr></table></article>"""


def test_html_rowspan_and_colspan_keep_each_cell_under_its_header(tmp_path: Path) -> None:
    _, (_, table) = cut_file(tmp_path, "it/termini.html", TERMINI_PAGE)
    # A merged cell's text stands in its first column, on every row it spans (as the Word
    # reader reads merged cells); the further columns it covers stay empty.
    assert table.table is not None
    assert table.table.header == ("Caso", "Termini", "")
    assert table.table.rows == (
        ("Reso", "14 giorni", "gratis"),
        ("Guasto", "30 giorni", "a pagamento"),
        ("Guasto", "60 giorni", "gratis"),
    )
    assert table.text.split("\n")[-1] == "Caso: Guasto; Termini: 60 giorni; gratis"


def test_a_table_with_merged_cells_gives_the_same_tip_in_word_and_html(tmp_path: Path) -> None:
    import docx

    spec = {
        "body": [
            ["Title", "Termini"],
            ["Normal", "Questa pagina raccoglie i termini da comunicare ai clienti."],
            {
                "table": [
                    ["Caso", "Termini", "", "Note"],
                    ["Reso", "14 giorni", "gratis", "con scontrino"],
                    ["Guasto", "30 giorni", "a pagamento", ""],
                    ["", "60 giorni", "gratis", "con garanzia"],
                ]
            },
        ]
    }
    path = build_docx(spec, tmp_path / "word" / "termini.docx")
    document = docx.Document(str(path))
    (table,) = document.tables
    table.cell(0, 1).merge(table.cell(0, 2))  # "Termini" over two columns
    table.cell(2, 0).merge(table.cell(3, 0))  # "Guasto" over two rows
    document.save(str(path))
    page = (
        "<article><h1>Termini</h1><p>Questa pagina raccoglie i termini da comunicare ai "
        "clienti.</p><table><tr><th>Caso</th><th colspan='2'>Termini</th><th>Note</th></tr>"
        "<tr><td>Reso</td><td>14 giorni</td><td>gratis</td><td>con scontrino</td></tr>"
        "<tr><td rowspan='2'>Guasto</td><td>30 giorni</td><td>a pagamento</td><td></td></tr>"
        "<tr><td>60 giorni</td><td>gratis</td><td>con garanzia</td></tr></table></article>"
    )
    _, (_, from_word) = cut_file(tmp_path / "word", "it/termini.docx", path.read_bytes())
    _, (_, from_html) = cut_file(tmp_path / "html", "it/termini.html", page)
    assert from_word.model_dump() == from_html.model_dump()
    assert from_word.text.split("\n")[1:] == [
        "Caso: Guasto; Termini: 30 giorni; a pagamento",
        "Caso: Guasto; Termini: 60 giorni; gratis; Note: con garanzia",
    ]


def test_cells_after_a_span_in_the_middle_keep_their_own_headers(tmp_path: Path) -> None:
    page = (
        "<html><body><article><h1>Resi</h1><table><thead><tr><th>Caso</th>"
        "<th colspan='2'>Termini</th><th>Note</th></tr></thead><tbody>"
        "<tr><td>Reso</td><td>14 giorni</td><td>gratis</td><td>con scontrino</td></tr>"
        "<tr><td>Saldi</td><td colspan='2'>non rimborsabile</td><td>solo cambio</td></tr>"
        "</tbody></table></article></body></html>"
    )
    _, (tip,) = cut_file(tmp_path, "it/resi.html", page)
    assert tip.text == (
        "Caso: Reso; Termini: 14 giorni; gratis; Note: con scontrino\n"
        "Caso: Saldi; Termini: non rimborsabile; Note: solo cambio"
    )


@pytest.mark.parametrize(
    ("spans", "rows"),
    [
        # HTML's own reading: rowspan="0" to the end of its row group, not into the <tfoot>;
        # no span reaches past the table; colspan="0" or not a number is 1; "2px" is 2.
        (("0", "1"), [("Tutti", "a"), ("Tutti", "b"), ("Tutti", "c"), ("Totale", "3")]),
        (("1000000", "1"), [("Tutti", "a"), ("Tutti", "b"), ("Tutti", "c"), ("Totale", "3")]),
        (("-1", "0"), [("Tutti", "a"), ("b",), ("c",), ("Totale", "3")]),
        (("abc", "2px"), [("Tutti", "", "a"), ("b",), ("c",), ("Totale", "3")]),
    ],
)
def test_odd_span_values_are_read_as_a_browser_reads_them(
    tmp_path: Path, spans: tuple[str, str], rows: list[tuple[str, ...]]
) -> None:
    rowspan, colspan = spans
    page = (
        "<html><body><article><h1>Ordini</h1><table><thead><tr><th>Gruppo</th><th>Ordine</th>"
        f"</tr></thead><tbody><tr><td rowspan='{rowspan}' colspan='{colspan}'>Tutti</td>"
        "<td>a</td></tr><tr><td>b</td></tr><tr><td>c</td></tr></tbody>"
        "<tfoot><tr><td>Totale</td><td>3</td></tr></tfoot></table></article></body></html>"
    )
    _, (tip,) = cut_file(tmp_path, "it/ordini.html", page)
    assert tip.table is not None
    assert tip.table.rows == tuple(rows)


def test_a_table_of_absurd_spans_is_read_quickly_and_stays_small(tmp_path: Path) -> None:
    # Spans a browser would lay out over millions of slots: the grid grows by a bounded
    # number of slots at most, and the rest of the table still reads.
    page = (
        "<html><body><article><h1>Ordini</h1><table>"
        + "<tr>" + "<td>x</td>" * 999 + "<td rowspan='0' colspan='1000'>z</td></tr>"
        + "<tr><td colspan='1000' rowspan='65534'>y</td></tr>" * 3000
        + "</table></article></body></html>"
    )  # fmt: skip
    started = time.perf_counter()
    _, (tip,) = cut_file(tmp_path, "it/ordini.html", page)
    assert time.perf_counter() - started < 10
    assert tip.table is not None
    assert len(tip.table.rows) == 3001
    assert sum(len(row) for row in tip.table.rows) <= 1000 + 3000 + 10_000


def test_a_page_of_many_tables_of_absurd_spans_shares_one_bound(tmp_path: Path) -> None:
    # The bound is the page's, not each table's: 2,000 one-cell tables of colspan=1000 would
    # otherwise lay out two million slots (24 s and 977 MB for a 1 MB page).
    page = (
        "<html><body><article><h1>Ordini</h1>"
        + "<table><tr><td colspan='1000'>x</td></tr></table>" * 2000
        + "</article></body></html>"
    )
    started = time.perf_counter()
    _, tips = cut_file(tmp_path, "it/ordini.html", page)
    assert time.perf_counter() - started < 10
    cells = sum(len(row) for tip in tips if tip.table for row in tip.table.rows)
    assert len(tips) == 2000 and cells <= 2000 + 10_000


def test_word_document_headings_lists_and_tables(tmp_path):
    path = build_docx(
        {
            "body": [
                ["Title", "Работа с жалобами"],
                ["Normal", "Вступление со **ссылкой** на [форму](https://intranet.example/f)."],
                ["Heading 1", "Первый звонок"],
                ["List Bullet", "Выслушайте клиента"],
                ["List Bullet 2", "не перебивайте"],
                ["List Number", "Извинитесь"],
                ["Heading 2", "Сроки"],
                {"table": [["Случай", "Срок"], ["Брак", "30 дней"]]},
            ]
        },
        tmp_path / "ru" / "zhaloby.docx",
    )
    normalised, tips = cut_file(tmp_path, "ru/zhaloby.docx", path.read_bytes())
    assert normalised.article.title == "Работа с жалобами"
    assert [(t.kind, t.title, t.context, t.text) for t in tips] == [
        (
            "paragraph",
            "Работа с жалобами",
            "Работа с жалобами",
            "Вступление со ссылкой на форму (https://intranet.example/f).",
        ),
        ("list_item", "Первый звонок", "Работа с жалобами", "Выслушайте клиента\n◦ не перебивайте"),
        ("list_item", "Первый звонок", "Работа с жалобами", "Извинитесь"),
        ("table", "Сроки", "Первый звонок", "Случай: Брак; Срок: 30 дней"),
    ]


def test_word_list_styles_read_like_word_numbering(tmp_path):
    spec = {"body": [["Title", "Titolo"], ["List Number", "Primo"], ["List Number 2", "dettaglio"]]}
    word = build_docx(spec, tmp_path / "a.docx")
    styles = build_docx(spec, tmp_path / "b.docx", word_lists=False)
    cuts = []
    for name, path in (("a", word), ("b", styles)):
        _, tips = cut_file(tmp_path / name, f"it/{name}.docx", path.read_bytes())
        cuts.append([(t.kind, t.text) for t in tips])
    assert cuts[0] == cuts[1] == [("list_item", "Primo\n◦ dettaglio")]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"Just some text, saved with the wrong name.",
            "not a Word .docx file (not a ZIP archive)",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "not a Word .docx file (an old Word .doc file: save it as .docx)",
        ),
        (_zip({"hello.txt": b"hi"}), "not a Word document: the archive has no word/document.xml"),
    ],
)
def test_a_file_that_is_not_a_docx_is_rejected_and_the_others_still_land(tmp_path, data, reason):
    from pipeline.ingest import run_ingest
    from pipeline.settings import Settings
    from tests.fakes import FakeTranslator

    content = tmp_path / "content"
    write_article(content, "it/rotto.docx", data)
    write_article(content, "it/buono.md", "# Buono\n\nRispondete entro tre squilli, sempre.\n")
    settings = Settings(content_dir=content, data_dir=tmp_path / "data")
    report = run_ingest(settings, translator=FakeTranslator())
    assert report.status == "partial"
    assert [(p.path, p.reason) for p in report.rejected] == [("it/rotto.docx", reason)]
    assert report.tip_count == 1


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    bomb = _zip({"word/document.xml": b"<w:document>" + b" " * (12 << 20)})
    assert len(bomb) < 1 << 20  # small on disk
    write_article(tmp_path, "lv/bumba.docx", bomb)
    (source,) = load_content(tmp_path, 1 << 20).files
    with pytest.raises(Exception, match="refused as a possible zip bomb"):
        normalise_article(source, 1 << 20)


def test_reading_in_parallel_gives_what_one_process_gives(tmp_path):
    """Enough articles to be read by forked processes: the same tips, and a warm re-ingest
    reads no file again (the bytes are unchanged)."""
    from pipeline.ingest import run_ingest
    from pipeline.read_articles import MIN_PARALLEL_ARTICLES
    from pipeline.settings import Settings
    from pipeline.state import load_state
    from tests.article_labels import install
    from tests.fakes import FakeTranslator

    content = tmp_path / "content"
    articles = ARTICLES + HELD_OUT_ARTICLES
    for copy in range(2):
        for article in articles:
            target = install(article, content)
            target.rename(target.with_name(f"{copy}-{target.name}"))
    assert 2 * len(articles) >= MIN_PARALLEL_ARTICLES
    states = []
    for workers in (1, 2):
        settings = Settings(
            content_dir=content, data_dir=tmp_path / f"var{workers}", index_workers=workers
        )
        report = run_ingest(settings, translator=FakeTranslator(pairs=[]))
        assert report.exit_code == 0 and report.articles_processed == 2 * len(articles)
        states.append(load_state(settings.data_dir).articles)
        warm = run_ingest(settings, translator=FakeTranslator(pairs=[]))
        assert (warm.status, warm.articles_unchanged) == ("up-to-date", 2 * len(articles))
    assert states[0] == states[1]


def test_word_text_in_content_controls_and_tracked_changes_reads_as_it_shows(tmp_path):
    """Corporate templates wrap text in content controls (w:sdt); a reviewed document holds
    tracked insertions (w:ins) and deletions (w:del). python-docx lists neither; the reader
    shows what Word shows."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    path = build_docx(
        {"body": [["Title", "Atzvanīšana"], ["Heading 1", "Kad zvanīt"]]},
        tmp_path / "lv" / "zvani.docx",
    )
    import docx

    document = docx.Document(str(path))
    body = document.element.body
    w = nsdecls("w")
    body.insert(
        len(body) - 1,  # before the section properties, as Word keeps them last
        parse_xml(
            f"<w:sdt {w}><w:sdtPr><w:alias w:val='Saturs'/></w:sdtPr><w:sdtContent>"
            "<w:p><w:r><w:t>Zvaniet klientam atpakaļ tajā pašā dienā.</w:t></w:r></w:p>"
            "</w:sdtContent></w:sdt>"
        ),
    )
    body.insert(
        len(body) - 1,
        parse_xml(
            f"<w:p {w}><w:r><w:t xml:space='preserve'>Ja nevarat, </w:t></w:r>"
            "<w:ins w:id='1' w:author='Redaktore' w:date='2026-11-01T10:00:00Z'>"
            "<w:r><w:t xml:space='preserve'>nosūtiet īsziņu un </w:t></w:r></w:ins>"
            "<w:del w:id='2' w:author='Redaktore' w:date='2026-11-01T10:00:00Z'>"
            "<w:r><w:delText xml:space='preserve'>aizmirstiet un </w:delText></w:r></w:del>"
            "<w:smartTag w:uri='urn:x' w:element='date'><w:r><w:t>paskaidrojiet</w:t></w:r></w:smartTag>"
            "<w:r><w:t>.</w:t></w:r></w:p>"
        ),
    )
    document.save(str(path))
    _, tips = cut_file(tmp_path, "lv/zvani.docx", path.read_bytes())
    assert [(t.title, t.text) for t in tips] == [
        ("Kad zvanīt", "Zvaniet klientam atpakaļ tajā pašā dienā."),
        ("Kad zvanīt", "Ja nevarat, nosūtiet īsziņu un paskaidrojiet."),
    ]


def test_an_old_portal_page_laid_out_with_tables_is_read_as_its_article(tmp_path):
    page = (
        "<html><head><title>Vecchio portale</title></head><body>"
        '<table width="100%"><tr><td class="sidebar"><a href="/">Home</a></td><td>'
        "<h1>Chiamate difficili</h1><p>Mantenete la calma anche quando il cliente alza la voce.</p>"
        '<h2>Tempi</h2><table border="1"><tr><th>Caso</th><th>Azione</th></tr>'
        "<tr><td><p>Cliente arrabbiato</p></td><td><ul><li>ascoltate</li><li>riassumete</li></ul>"
        "</td></tr></table></td></tr></table></body></html>"
    )
    normalised, tips = cut_file(tmp_path, "it/chiamate.html", page)
    assert normalised.article.title == "Chiamate difficili"
    assert [(t.kind, t.title, t.text) for t in tips] == [
        (
            "paragraph",
            "Chiamate difficili",
            "Mantenete la calma anche quando il cliente alza la voce.",
        ),
        ("table", "Tempi", "Caso: Cliente arrabbiato; Azione: ascoltate; riassumete"),
    ]
    assert tips[1].table.rows == (("Cliente arrabbiato", "ascoltate; riassumete"),)


@pytest.mark.parametrize(
    ("table", "header"),
    [
        ({"table": [["Kanāls", "Atbildes laiks"], ["Tālrunis", "3 minūtes"]]}, True),  # bold
        ({"table": [["Tālrunis", "3 minūtes"], ["Čats", "2 minūtes"]], "header": False}, False),
        (
            {
                "table": [["Kanāls", "Laiks"], ["E-pasts", "1 diena"]],
                "style": "Light Grid Accent 1",
            },
            True,  # the table style gives the first row a header look
        ),
    ],
)
def test_a_word_tables_first_row_is_a_header_only_when_it_looks_like_one(tmp_path, table, header):
    path = build_docx({"body": [["Title", "Kanāli"], table]}, tmp_path / "lv" / "kanali.docx")
    _, (tip,) = cut_file(tmp_path, "lv/kanali.docx", path.read_bytes())
    assert tip.kind == "table"
    assert bool(tip.table.header) is header
    assert len(tip.table.rows) == (1 if header else 2)
