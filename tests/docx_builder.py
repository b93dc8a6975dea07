"""Word files for tests, built with python-docx the way Word itself writes them.

A spec is a list of ``[style, text]`` paragraphs and ``{"table": rows}`` tables (the first row
set in bold, as people mark a header row; ``"header": false`` for a table without one, and
``"style"`` for one of Word's table styles, whose own look may head the table). Lists are
written as Word writes them: style "List Paragraph" with a numbering reference (w:numPr) to a
bullet or decimal list definition in word/numbering.xml, the level in w:ilvl — not with the
"List Bullet" styles few people use (``word_lists=False`` writes those instead). Inline marks:
``**bold**``, ``*italic*``, ``[text](url)`` (a real w:hyperlink with an external relationship),
and ``\\n`` for a line break inside the paragraph.
"""

import re
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph

_INLINE = re.compile(
    r"\*\*(?P<bold>.+?)\*\*|\*(?P<italic>[^*]+?)\*|\[(?P<text>[^\]]+)\]\((?P<url>[^)]+)\)"
)
_LIST_STYLE = re.compile(r"^List (Bullet|Number)(?: (\d))?$")
_BULLET_NUM_ID, _DECIMAL_NUM_ID = 90, 91


def _abstract_num(abstract_id: int, fmt: str) -> str:
    levels = "".join(
        f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{"•" if fmt == "bullet" else f"%{level + 1}."}"/>'
        f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{720 * (level + 1)}" w:hanging="360"/>'
        "</w:pPr></w:lvl>"
        for level in range(3)
    )
    return (
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="hybridMultilevel"/>{levels}</w:abstractNum>'
    )


def _add_numbering(document: docx.document.Document) -> None:
    numbering = document.part.numbering_part.element
    first_num = numbering.find(qn("w:num"))
    for num_id, fmt in ((_BULLET_NUM_ID, "bullet"), (_DECIMAL_NUM_ID, "decimal")):
        abstract = parse_xml(_abstract_num(num_id, fmt))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            numbering.append(abstract)
        numbering.append(
            parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{num_id}">'
                f'<w:abstractNumId w:val="{num_id}"/></w:num>'
            )
        )


def _add_runs(paragraph: Paragraph, text: str) -> None:
    position = 0
    for match in _INLINE.finditer(text):
        _add_plain(paragraph, text[position : match.start()])
        if match["bold"]:
            _add_plain(paragraph, match["bold"], bold=True)
        elif match["italic"]:
            _add_plain(paragraph, match["italic"], italic=True)
        else:
            _add_hyperlink(paragraph, match["text"], match["url"])
        position = match.end()
    _add_plain(paragraph, text[position:])


def _add_plain(paragraph: Paragraph, text: str, **marks: bool) -> None:
    for index, line in enumerate(text.split("\n")):
        if index:
            paragraph.add_run().add_break()
        if line:
            run = paragraph.add_run(line)
            run.bold = marks.get("bold") or None
            run.italic = marks.get("italic") or None


def _add_hyperlink(paragraph: Paragraph, text: str, url: str) -> None:
    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = parse_xml(
        f'<w:hyperlink {nsdecls("w", "r")} r:id="{r_id}" w:history="1">'
        f'<w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t xml:space="preserve">{_xml(text)}</w:t></w:r>'
        "</w:hyperlink>"
    )
    paragraph._p.append(link)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_docx(spec: dict, path: Path, *, word_lists: bool = True) -> Path:
    document = docx.Document()
    if spec.get("core_title"):
        document.core_properties.title = spec["core_title"]
    if word_lists:
        _add_numbering(document)
    for entry in spec["body"]:
        if isinstance(entry, dict):
            rows = entry["table"]
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            table.style = entry.get("style", "Table Grid")
            bold_header = entry.get("header", True) and "style" not in entry
            for number, (row, cells) in enumerate(zip(table.rows, rows, strict=True)):
                for cell, text in zip(row.cells, cells, strict=False):
                    cell.text = ""
                    marked = f"**{text}**" if number == 0 and bold_header and text else str(text)
                    _add_runs(cell.paragraphs[0], marked)
            continue
        style, text = entry
        listed = _LIST_STYLE.match(style)
        if listed and word_lists:
            paragraph = document.add_paragraph(style="List Paragraph")
            level = int(listed[2]) - 1 if listed[2] else 0
            num_id = _BULLET_NUM_ID if listed[1] == "Bullet" else _DECIMAL_NUM_ID
            p_pr = paragraph._p.get_or_add_pPr()
            p_pr.append(
                parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
                    f'<w:numId w:val="{num_id}"/></w:numPr>'
                )
            )
        else:
            paragraph = document.add_paragraph(style=style)
        _add_runs(paragraph, str(text))
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
