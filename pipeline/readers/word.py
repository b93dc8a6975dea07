"""The Word reader: .docx files by python-docx, the kept library for them.

Headings come from heading styles (or an outline level), list items from list styles or
Word numbering, with their level; tables are read row by row. A .docx is a ZIP archive, so it
is checked before anything is unpacked: a valid archive with a document part, and no more
uncompressed bytes than the limit allows (a small file that inflates to gigabytes is refused).
"""

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import docx
from docx.document import Document
from docx.exceptions import InvalidXmlError
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.part import Part
from docx.oxml.exceptions import InvalidXmlError as InvalidOxml
from docx.oxml.table import CT_Tbl
from docx.oxml.text.paragraph import CT_P
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from pipeline.blocks import MAX_LIST_DEPTH, Block, minor_heading, table_block
from pipeline.readers.inline import link_text, tidy
from pipeline.readers.plain_text import is_marked_heading, typed_blocks
from pipeline.readers.result import ReadResult, UnreadableFormat

#: A .docx may unpack to this many times the article size limit: Word's XML is verbose (text
#: compresses 5–10×), but a file that inflates further is a zip bomb, not an article.
UNPACKED_FACTOR = 10

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_LIST_STYLE = re.compile(r"^list(?:\s+(bullet|number|paragraph|continue))?(?:\s+(\d))?$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class UnreadableWord(UnreadableFormat):
    pass


#: A password-protected .docx is no ZIP archive but an OLE compound file, like an old .doc;
#: its directory names this stream (in UTF-16).
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


def check_archive(raw: bytes, max_unpacked: int) -> set[str]:
    """Refuse what is not a .docx, or unpacks beyond ``max_unpacked`` bytes, before unpacking;
    the names of the archive's parts."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        if raw.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file
            if _ENCRYPTION_STREAM in raw:
                raise UnreadableWord(
                    "the document is password-protected; save it without a password"
                ) from exc
            raise UnreadableWord(
                "not a Word .docx file (an old Word .doc file: save it as .docx)"
            ) from exc
        raise UnreadableWord("not a Word .docx file (not a ZIP archive)") from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "word/document.xml" not in names:
            raise UnreadableWord("not a Word document: the archive has no word/document.xml")
        unpacked = sum(info.file_size for info in infos)
        if unpacked > max_unpacked:
            raise UnreadableWord(
                f"unpacks to {unpacked} bytes, over the limit of {max_unpacked} "
                f"({UNPACKED_FACTOR}× CSGUIDE_MAX_ARTICLE_BYTES): refused as a possible zip bomb"
            )
        if any(info.flag_bits & 0x1 for info in infos):
            raise UnreadableWord("the document is password-protected; save it without a password")
        return names


#: What a damaged or hand-made document raises inside python-docx and lxml: a value that is
#: not what the format allows (w:ilvl="x"), a relationship that is missing, broken XML.
_DAMAGED = (
    PackageNotFoundError,
    InvalidXmlError,
    InvalidOxml,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    etree.LxmlError,
    zipfile.BadZipFile,
)


def read_word(raw: bytes, max_unpacked: int) -> ReadResult:
    names = check_archive(raw, max_unpacked)
    try:
        document = docx.Document(io.BytesIO(raw))
        reader = _Reader(document)
        reader.read()
        # Without docProps/core.xml python-docx makes up the title "Word Document".
        core_title = document.core_properties.title if "docProps/core.xml" in names else ""
    except _DAMAGED as exc:
        raise UnreadableWord(
            f"not a readable Word document ({type(exc).__name__}: {exc}); open it in Word "
            "and save it again"
        ) from exc
    title = reader.title or (core_title or "").strip() or None
    return ReadResult(blocks=reader.blocks, title=title, dropped=reader.dropped)


@dataclass
class _Reader:
    document: Document
    blocks: list[Block] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    title: str | None = None
    section_level: int | None = None
    list_key: str = ""  # which Word list the last item belonged to
    #: Paragraph style id → (lowercased name, id of the style it is based on), read once
    #: straight from the styles part (python-docx searches it on every paragraph.style).
    styles: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    default_style: str | None = None
    lineages: dict[str | None, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for style in self.document.styles.element.iterchildren(f"{_W}style"):
            if style.get(f"{_W}type") != "paragraph":
                continue
            style_id = style.get(f"{_W}styleId") or ""
            name = style.find(f"{_W}name")
            based = style.find(f"{_W}basedOn")
            self.styles[style_id] = (
                (name.get(f"{_W}val") if name is not None else style_id).lower(),
                based.get(f"{_W}val") if based is not None else None,
            )
            if style.get(f"{_W}default") in ("1", "true", "on"):
                self.default_style = style_id

    def style_names(self, style_id: str | None) -> list[str]:
        """The style's name and the names of the styles it is based on, lowercased."""
        style_id = style_id or self.default_style
        if style_id not in self.lineages:
            names: list[str] = []
            current = style_id
            while current in self.styles and len(names) < 8:
                name, current = self.styles[current]
                names.append(name)
            self.lineages[style_id] = names
        return self.lineages[style_id]

    def read(self) -> None:
        body = self.document._body
        for element in _block_elements(self.document.element.body):
            # python-docx parses w:tbl and w:p into its own element classes
            if element.tag == f"{_W}tbl":
                self.table(Table(cast(CT_Tbl, element), body))
            else:
                self.paragraph(Paragraph(cast(CT_P, element), body))

    def paragraph(self, paragraph: Paragraph) -> None:
        text = tidy(_element_text(paragraph._p, paragraph.part))
        style = self.style_names(paragraph._p.style)
        if not text:
            return
        if any(name.startswith("toc") for name in style):
            _note(self.dropped, "table of contents")
            return
        if "title" in style and self.title is None and not self.blocks:
            self.title = " ".join(text.split())
            return
        level = _heading_level(paragraph, style)
        if level is not None:
            self.section_level = level
            self.blocks.append(Block(kind="heading", text=" ".join(text.split()), level=level))
            return
        listed = _list_item(self.document, paragraph, style)
        if listed is not None:
            depth, ordered, list_key = listed
            opens = not self.blocks or self.blocks[-1].kind != "list_item"
            opens = opens or (depth == 0 and list_key != self.list_key)
            self.list_key = list_key
            self.blocks.append(
                Block(kind="list_item", text=text, level=depth, ordered=ordered, opens_list=opens)
            )
            return
        if any("quote" in name for name in style):
            self.blocks.append(Block(kind="quote", text=text))
            return
        if _all_bold(paragraph) and is_marked_heading(text):
            self.blocks.append(minor_heading(text, self.section_level))
            return
        self.blocks.extend(typed_blocks(text))

    def table(self, table: Table) -> None:
        rows: list[list[str]] = []
        for row in table.rows:
            cells, seen = [], set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell repeats across the columns it spans:
                    cells.append("")  # its text in the first, so later cells keep their column
                    continue
                seen.add(id(cell._tc))
                lines = (_element_text(p, table.part) for p in cell._tc.iter(f"{_W}p"))
                cells.append("; ".join(" ".join(line.split()) for line in lines if line.strip()))
            if any(cells):
                rows.append(cells)
        if not rows:
            return
        block = table_block(rows, first_row_heads=len(rows) > 1 and self.has_header(table))
        if block is not None:
            self.blocks.append(block)

    def has_header(self, table: Table) -> bool:
        """Whether the first row heads the table: marked to repeat as a header, set in bold,
        or given a header look by the table's style (Word's built-in grid and list styles)."""
        first = table._tbl.tr_lst[0] if table._tbl.tr_lst else None
        if first is None:
            return False
        tr_pr = first.trPr
        if tr_pr is not None and tr_pr.find(f"{_W}tblHeader") is not None:
            return True
        runs = [r for r in first.iter(f"{_W}r") if "".join(map(str, r.itertext())).strip()]
        if runs and all(_is_bold(run) for run in runs):
            return True
        return self.styled_header(table)

    def styled_header(self, table: Table) -> bool:
        tbl_pr = table._tbl.tblPr
        if tbl_pr is None:
            return False
        look = tbl_pr.find(f"{_W}tblLook")
        first_row_on = look is not None and (
            look.get(f"{_W}firstRow") in ("1", "true", "on")
            or (
                int(look.get(f"{_W}val") or "0", 16) & 0x0020
                if _is_hex(look.get(f"{_W}val"))
                else 0
            )
        )
        style = tbl_pr.find(f"{_W}tblStyle")
        if not first_row_on or style is None:
            return False
        style_id = style.get(f"{_W}val")
        for found in self.document.styles.element.iterchildren(f"{_W}style"):
            if found.get(f"{_W}styleId") == style_id:
                conditions = found.iterchildren(f"{_W}tblStylePr")
                return any(c.get(f"{_W}type") == "firstRow" for c in conditions)
        return False


def _is_hex(value: str | None) -> bool:
    return bool(value) and all(c in "0123456789abcdefABCDEF" for c in value)  # type: ignore[union-attr]


def _is_bold(run: etree._Element) -> bool:
    bold = run.find(f"{_W}rPr/{_W}b")
    return bold is not None and bold.get(f"{_W}val", "1") not in ("0", "false", "off")


def _note(dropped: list[str], what: str) -> None:
    if what not in dropped:
        dropped.append(what)


#: Wrappers whose content is the document's text: content controls, tracked insertions and
#: moves, smart tags, custom XML, simple fields (their result shows).
_BLOCK_WRAPPERS = {f"{_W}{name}" for name in ("sdt", "sdtContent", "customXml", "ins", "moveTo")}
#: What is no text of the document as it reads now: deleted or moved-away text, field
#: instructions, properties, drawings and embedded objects.
_NOT_TEXT = {
    f"{_W}{name}"
    for name in (
        "del", "moveFrom", "delText", "instrText", "delInstrText", "rPr", "pPr", "sdtPr",
        "sdtEndPr", "drawing", "pict", "object", "footnoteReference", "endnoteReference",
    )
}  # fmt: skip


def _block_elements(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables in document order, also those inside content controls and other
    wrappers (python-docx lists only the direct children, and templates wrap text in them)."""
    for child in container:
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _block_elements(child)


def _element_text(element: etree._Element, part: Part) -> str:
    """A paragraph's text as it reads now: runs inside insertions, smart tags, content
    controls and fields included, deletions left out; tabs as spaces, breaks as line breaks;
    links with their address."""
    out: list[str] = []
    for child in element:
        tag = child.tag
        if tag in _NOT_TEXT:
            continue
        if tag == f"{_W}t":
            out.append(child.text or "")
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            out.append(" ")
        elif tag in (f"{_W}br", f"{_W}cr"):
            out.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            out.append("-")
        elif tag == f"{_W}hyperlink":
            relation = part.rels.get(child.get(f"{_R}id") or "")
            address = relation.target_ref if relation is not None and relation.is_external else None
            out.append(link_text(_element_text(child, part), address))
        else:  # w:r, w:ins, w:smartTag, w:sdt, w:sdtContent, w:fldSimple, w:customXml, …
            out.append(_element_text(child, part))
    return "".join(out)


def _heading_level(paragraph: Paragraph, style: list[str]) -> int | None:
    for name in style:
        match = _HEADING_STYLE.match(name)
        if match:
            return max(1, int(match[1]))
        if name == "title":
            return 1
    p_pr = paragraph._p.pPr
    outline = p_pr.find(f"{_W}outlineLvl") if p_pr is not None else None
    if outline is not None:
        raw_value = outline.get(f"{_W}val", "9")
        value = int(raw_value) if raw_value.isdigit() else 9
        if value < 9:  # 9 is "body text"
            return value + 1
    return None


def _list_item(
    document: Document, paragraph: Paragraph, style: list[str]
) -> tuple[int, bool, str] | None:
    """(depth, ordered, which list) when the paragraph is a list item."""
    p_pr = paragraph._p.pPr
    # python-docx types numPr as its descriptor class, not the element it returns
    num_pr: Any = p_pr.numPr if p_pr is not None else None
    if num_pr is not None and num_pr.numId is not None and num_pr.numId.val != 0:
        depth = min(num_pr.ilvl.val if num_pr.ilvl is not None else 0, MAX_LIST_DEPTH)
        num_id = num_pr.numId.val
        return depth, _numbering_is_ordered(document, num_id, depth), f"num {num_id}"
    for name in style:
        match = _LIST_STYLE.match(name)
        if match and match[1] != "continue":
            depth = int(match[2]) - 1 if match[2] else 0
            kind = (match[1] or "").lower()
            return max(depth, 0), kind == "number", f"style {kind}"
    return None


def _numbering_is_ordered(document: Document, num_id: int, level: int) -> bool:
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return False
    formats = numbering.xpath(
        f"w:abstractNum[@w:abstractNumId=string(../w:num[@w:numId='{num_id}']/"
        f"w:abstractNumId/@w:val)]/w:lvl[@w:ilvl='{level}']/w:numFmt/@w:val"
    )
    return bool(formats) and formats[0] not in ("bullet", "none")


def _all_bold(paragraph: Paragraph) -> bool:
    runs = [run for run in paragraph.runs if run.text.strip()]
    return bool(runs) and all(run.bold for run in runs)
