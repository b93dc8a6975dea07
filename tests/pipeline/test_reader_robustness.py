"""What real and damaged files do to the readers: every bad file is refused by name with its
reason (never a crash of the ingest), and no markup, script or chrome reaches a tip."""

import io
import re
import time
import zipfile
from pathlib import Path

import pytest

from pipeline.ingest import run_ingest
from pipeline.load import RejectedFile, load_content
from pipeline.normalise import normalise_article
from pipeline.settings import Settings
from tests.docx_builder import build_docx
from tests.fakes import FakeTranslator
from tests.helpers import cut_file, write_article


def _docx_with(tmp_path: Path, document_xml_edit) -> bytes:
    """A real .docx whose word/document.xml is edited as a damaged or hand-made file would be."""
    path = build_docx(
        {"body": [["Title", "Zvani"], ["List Bullet", "Atzvaniet"], ["Normal", "Teksts te."]]},
        tmp_path / "source.docx",
    )
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = document_xml_edit(data.decode()).encode()
            dst.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "edit",
    [
        lambda xml: xml.replace('<w:ilvl w:val="0"/>', '<w:ilvl w:val="x"/>'),
        lambda xml: xml.replace(
            "<w:t>Teksts te.</w:t>",
            '<w:t>Teksts</w:t></w:r><w:hyperlink r:id="rId999"><w:r><w:t>saite</w:t>',
        ),
        lambda xml: xml.replace(
            "<w:rPr/><w:t>Teksts te.</w:t>",
            '<w:rPr><w:b w:val="maybe"/></w:rPr><w:t>Teksts te.</w:t>',
        ),
    ],
    ids=["ilvl", "missing-relationship", "bold-value"],
)
def test_a_damaged_word_file_is_refused_and_the_others_publish(tmp_path, edit):
    content = tmp_path / "content"
    write_article(content, "lv/bojats.docx", _docx_with(tmp_path, edit))
    write_article(content, "lv/labs.md", "# Labs\n\nAtbildiet uz zvanu trīs signālu laikā.\n")
    report = run_ingest(
        Settings(content_dir=content, data_dir=tmp_path / "data"),
        translator=FakeTranslator(pairs=[]),
    )
    assert report.status == "partial", report.message
    ((path, reason),) = [(p.path, p.reason) for p in report.rejected]
    assert path == "lv/bojats.docx"
    assert reason.startswith("not a readable Word document (")
    assert reason.endswith("open it in Word and save it again")


def test_an_absurd_list_level_is_read_as_a_deep_one_quickly(tmp_path):
    data = _docx_with(
        tmp_path, lambda xml: xml.replace('<w:ilvl w:val="0"/>', '<w:ilvl w:val="1000000000"/>')
    )
    start = time.perf_counter()
    _, tips = cut_file(tmp_path, "lv/dzils.docx", data)
    assert time.perf_counter() - start < 5
    assert [t.text for t in tips] == ["Atzvaniet", "Teksts te."]


def test_a_password_protected_word_file_is_named_as_such(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le")
    write_article(tmp_path, "lv/slepens.docx", ole)
    (source,) = load_content(tmp_path, 1 << 20).files
    with pytest.raises(RejectedFile, match="password-protected; save it without a password"):
        normalise_article(source, 1 << 20)


def test_a_word_file_without_document_properties_takes_its_first_heading_as_title(tmp_path):
    path = build_docx(
        {"body": [["Heading 1", "Atzvanīšana"], ["Normal", "Zvaniet atpakaļ."]]},
        tmp_path / "a.docx",
    )
    out = io.BytesIO()  # as some generators write it: no core properties part at all
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                continue
            if info.filename in ("_rels/.rels", "[Content_Types].xml"):
                data = re.sub(rb"<(Relationship|Override)[^>]*core\.xml\"/>", b"", data)
            dst.writestr(info, data)
    normalised, _ = cut_file(tmp_path / "c", "lv/bez.docx", out.getvalue())
    assert normalised.article.title == "Atzvanīšana"


def test_a_list_indented_as_a_whole_in_word_is_still_one_tip_per_item(tmp_path):
    path = build_docx(
        {"body": [["Title", "Zvani"], ["List Bullet 2", "Pirmais"], ["List Bullet 2", "Otrais"]]},
        tmp_path / "a.docx",
    )
    _, tips = cut_file(tmp_path / "c", "lv/atkape.docx", path.read_bytes())
    assert [(t.kind, t.text) for t in tips] == [("list_item", "Pirmais"), ("list_item", "Otrais")]


def test_scripts_styles_and_comments_in_markdown_never_reach_a_tip(tmp_path):
    text = (
        "# Titolo\n\nRispondi sempre <script>alert('x')</script> con calma.\n\n"
        "Testo <style>.a{color:red}</style> normale. <!-- nota interna -->\n\n"
        "<div><script>\nvar cfg = {};\n\ntrackPageView(cfg);\n</script></div>\n\n- [ ] richiamare il cliente\n"
    )
    normalised, tips = cut_file(tmp_path, "it/note.md", text)
    assert [t.text for t in tips] == [
        "Rispondi sempre con calma.",
        "Testo normale.",
        "richiamare il cliente",
    ]
    assert {"dropped: script", "dropped: style", "dropped: comment"} <= set(normalised.removed)


def test_html_title_and_content_are_the_articles_not_the_sites(tmp_path):
    page = (
        '<?xml version="1.0" encoding="UTF-8"?><html><head><title>Atmaksa – Acme</title></head><body>'
        '<header><h1 class="logo">Acme palīdzības centrs</h1><nav><a href="/">Sākums</a></nav></header>'
        "<article class='teaser'><h2>Līdzīgi raksti</h2></article>"
        "<article><header><h1>Atmaksas kārtība</h1><p>Īsumā: naudu atmaksājam 14 dienās.</p></header>"
        '<h2 id="Atmaksa-Cookies">Sīkdatnes</h2><p>Sīkdatņu piekrišana atmaksu neietekmē.</p>'
        '<div id="social-media"><p>Sociālajos tīklos atbildiet stundas laikā.</p></div>'
        "<aside class='note'><p>Piezīme: čeks nav obligāts.</p></aside>"
        "<h2><button class='accordion-button'>Kā atmaksāt uz karti?</button></h2>"
        "<div class='accordion-body'><p>Izmantojiet sākotnējo karti.</p></div>"
        "<dl><dt>Termiņš</dt><dd>14 dienas no pieprasījuma.</dd></dl>"
        "</article><footer>© Acme</footer></body></html>"
    )
    normalised, tips = cut_file(tmp_path, "lv/atmaksa.html", page)
    assert normalised.article.title == "Atmaksas kārtība"
    assert [(t.title, t.text) for t in tips] == [
        ("Atmaksas kārtība", "Īsumā: naudu atmaksājam 14 dienās."),
        ("Sīkdatnes", "Sīkdatņu piekrišana atmaksu neietekmē."),
        ("Sīkdatnes", "Sociālajos tīklos atbildiet stundas laikā."),
        ("Sīkdatnes", "Piezīme: čeks nav obligāts."),
        ("Kā atmaksāt uz karti?", "Izmantojiet sākotnējo karti."),
        ("Kā atmaksāt uz karti?", "Termiņš: 14 dienas no pieprasījuma."),
    ]


def test_line_breaks_in_an_html_paragraph_make_no_heading(tmp_path):
    page = (
        "<html><body><article><h1>Zvani</h1><h2>Sākums</h2>"
        "<p>Zvaniet klientam.<br>Pierakstiet zvana iemeslu un laiku.</p>"
        "<p>Pēc tam atjauniniet pieteikumu sistēmā.</p></article></body></html>"
    )
    _, tips = cut_file(tmp_path, "lv/zvani.html", page)
    assert [(t.title, t.text) for t in tips] == [
        ("Sākums", "Zvaniet klientam.\nPierakstiet zvana iemeslu un laiku."),
        ("Sākums", "Pēc tam atjauniniet pieteikumu sistēmā."),
    ]


def test_a_lead_in_with_a_date_still_joins_its_list_and_keeps_its_numbers(tmp_path):
    _, tips = cut_file(
        tmp_path,
        "lv/decembris.md",
        "# Decembris\n\nLīdz 1. decembrim pārbaudiet:\n\n3. rindas garumu;\n4. atvaļinājumus.\n",
    )
    assert [(t.kind, t.text) for t in tips] == [
        ("list", "Līdz 1. decembrim pārbaudiet:\n3. rindas garumu;\n4. atvaļinājumus.")
    ]


def test_cells_beyond_the_header_stay_in_a_tables_text(tmp_path):
    page = (
        "<html><body><article><h1>Kontakti</h1><table><tr><th colspan='2'>Nodaļa</th></tr>"
        "<tr><td>Finanses</td><td>finanses@acme.example</td></tr>"
        "<tr><td>Piegāde</td><td>piegade@acme.example</td></tr></table></article></body></html>"
    )
    _, (tip,) = cut_file(tmp_path, "lv/kontakti.html", page)
    assert tip.text == (
        "Nodaļa: Finanses; finanses@acme.example\nNodaļa: Piegāde; piegade@acme.example"
    )


def test_bold_in_a_plain_text_file_is_reduced_without_reading_it_as_markdown(tmp_path):
    text = "投诉处理\n记录**客户姓名**和电话。\n保留[模板](https://intranet.example/t)。\n三天内回复。\n"
    normalised, tips = cut_file(tmp_path, "zh/tousu.txt", text)
    assert normalised.article.format == "text"
    assert [t.text for t in tips] == [
        "记录客户姓名和电话。",
        "保留模板 (https://intranet.example/t)。",
        "三天内回复。",
    ]


def test_a_long_conversation_is_read_in_linear_time(tmp_path):
    lines = "\n".join(f"{'Aģents' if n % 2 else 'Klients'}: rinda {n}." for n in range(20000))
    start = time.perf_counter()
    intro = "Šī saruna rāda, kā aģents atbild klientam, kurš gaida jau ilgi."
    _, tips = cut_file(tmp_path, "lv/saruna.txt", f"Saruna\n\n{intro}\n\n{lines}\n")
    assert time.perf_counter() - start < 10
    assert len(tips) == 2 and tips[1].text.count("\n") == 19999


def test_a_collapsible_sections_title_heads_its_content(tmp_path):
    page = (
        "<html><body><h1 id='title-heading'><span id='title-text'>Supporto : Chiusura</span></h1>"
        "<div id='main-content'><p>Chiudere bene una chiamata vale quanto aprirla.</p>"
        "<div class='expand-container'><div class='expand-control'>"
        "<span class='expand-control-text'>Esempio di riepilogo</span></div>"
        "<div class='expand-content'><p>Operatore: Riassumendo, spediamo domani.<br/>"
        "Cliente: Perfetto.</p></div></div>"
        "<details><summary>Se il cliente insiste</summary><p>Proponete un richiamo.</p></details>"
        "</div></body></html>"
    )
    _, tips = cut_file(tmp_path, "it/chiusura.html", page)
    assert [(t.title, t.text) for t in tips][1:] == [
        ("Esempio di riepilogo", "Operatore: Riassumendo, spediamo domani.\nCliente: Perfetto."),
        ("Se il cliente insiste", "Proponete un richiamo."),
    ]
