"""The HTML reader: help-centre and Confluence exports and hand-written pages, parsed by lxml
(libxml2's forgiving HTML parser; python-docx needs lxml anyway, so it costs nothing more).

Only content reaches blocks: scripts, styles, forms and embedded objects are dropped with
everything in them, and so is page chrome (nav, header, footer, breadcrumbs, cookie banners,
Confluence page metadata). No attribute is ever copied into text, so event handlers cannot
reach a tip; a link keeps its text and, for web and mail addresses, the address.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

from pipeline.blocks import Block, minor_heading, table_block
from pipeline.readers.inline import checked_alt, link_text, marked_alt, tidy
from pipeline.readers.plain_text import is_marked_heading, typed_blocks
from pipeline.readers.result import ReadResult, UnreadableFormat


class UnreadableHtml(UnreadableFormat):
    pass


#: Elements dropped with everything inside them, by what they are.
_CODE = {"script", "style", "noscript", "template", "object", "embed", "applet", "iframe",
         "frame", "frameset", "svg", "math", "canvas", "video", "audio", "map"}  # fmt: skip
_FORM = {"form", "button", "input", "select", "textarea", "label", "option", "dialog"}
_CHROME = {"nav", "header", "footer", "aside", "menu"}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "menu",
                 "menubar", "toolbar", "dialog", "alertdialog"}  # fmt: skip
#: ids and class names that mark chrome in help-centre and wiki exports.
_CHROME_NAME = re.compile(
    r"(?:^|[-_ ])(?:breadcrumbs?|breadcrumb-section|cookies?|cookie-banner|consent|footer|"
    r"copyright|site-header|main-header|page-metadata|sidebar|navbar|navigation|nav|menu|skip-link|"
    r"share-buttons|social-share|sharing|comments?|article-votes|article-subscribe|"
    r"related-articles|"
    r"recent-articles|attachments?|labels-section|likes-and-labels-container|print-only|"
    r"meta|article-meta|byline|author-info|last-updated|reading-time|toc)"
    r"(?:$|[-_ ])",
    re.IGNORECASE,
)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCK_TAGS = {"p", "pre", "ul", "ol", "table", "blockquote", "div", "section", "article",
               "main", "figure", "figcaption", "dl", "dt", "dd", "hr", "address", "details",
               "summary", "center", "body", "li", "tr", "td", "th"} | set(_HEADINGS)  # fmt: skip
#: Where the article itself is, most specific first; of several matches, the one with the
#: most text (a page may hold teaser <article>s beside the real one).
_CONTENT_ROOTS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-body ')]",  # Zendesk
    "//*[@id='main-content']",  # Confluence
    "//article",
    "//main",
    "//*[@role='main']",
)
#: Where the export marks its article's title: trusted wherever it stands (Confluence puts it
#: in #main-header, which is chrome to the article's content).
_MARKED_TITLES = (
    "//*[@id='title-text']",  # Confluence: "Space : Page title"
    "//h1[contains(concat(' ', normalize-space(@class), ' '), ' article-title ')]",  # Zendesk
)
#: Else the title is an <h1>, most specific first, but never one in chrome: a site's own
#: header, a sidebar, a footer all hold <h1>s that are no article's title.
_HEADING_TITLES = ("//article//h1", "//main//h1", "//h1")
#: Chrome by element only outside the article: an <article>'s own <header> holds its lead,
#: an <aside> inside it a callout.
_CHROME_OUTSIDE_ARTICLE = {"header", "aside"}
#: Elements whose id or class never marks chrome: Confluence ids headings after their text
#: ("Atmaksa-Cookies"), and text itself is no chrome.
_NAMED_CONTENT = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "tr", "a", "span"}
#: Least text a content root must hold beyond its title, else the whole page is read.
_MIN_ROOT_TEXT = 40
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_BREAK = "\u2028"  # a <br>, until lines are split


#: libxml2 stops reading at 256 nested elements unless told otherwise, silently dropping the
#: rest; read it all, and let a page nested beyond Python's recursion be refused by name.
_PARSER = lxml_html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)


def read_html(text: str) -> ReadResult:
    """A whole HTML page: its article's title and content, without the page around it."""
    try:
        # lxml refuses a decoded string that still declares its encoding (XHTML exports).
        document = lxml_html.document_fromstring(_XML_DECLARATION.sub("", text), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableHtml(f"not readable as HTML: {exc}") from exc
    title = _title(document)
    root = _content_root(document, title[0] if title else "")
    walker = _Walker(title_element=title[1] if title else None)
    if root.tag not in ("body", "html"):
        where = root.get("id") or root.get("class") or root.tag
        walker.dropped.append(f"the page around the article ({where.split()[0]})")
    walker.walk(root)
    return ReadResult(
        blocks=walker.blocks, title=title[0] if title else None, dropped=walker.dropped
    )


def _content_root(document: lxml_html.HtmlElement, title: str) -> lxml_html.HtmlElement:
    for path in _CONTENT_ROOTS:
        found = document.xpath(path)
        if not found:
            continue
        best = max(found, key=lambda element: len(element.text_content()))
        if len(" ".join(best.text_content().split())) - len(title) >= _MIN_ROOT_TEXT:
            return best
    body = document.find("body")
    return body if body is not None else document


def read_html_fragment(text: str) -> ReadResult:
    """HTML inside another format (a Markdown file's raw HTML blocks)."""
    try:
        fragment = lxml_html.fragment_fromstring(text, create_parent="div", parser=_PARSER)
    except (etree.ParserError, ValueError):
        return ReadResult(blocks=[], dropped=["HTML that could not be read"])
    walker = _Walker(title_element=None)
    walker.walk(fragment)
    return ReadResult(blocks=walker.blocks, dropped=walker.dropped)


def _title(document: lxml_html.HtmlElement) -> tuple[str, lxml_html.HtmlElement | None] | None:
    for path in (*_MARKED_TITLES, *_HEADING_TITLES):
        for element in document.xpath(path):
            if path in _HEADING_TITLES and _in_chrome(element):
                continue
            text = " ".join(element.text_content().split())
            if path.startswith("//*[@id='title-text']") and " : " in text:
                text = text.split(" : ", 1)[1].strip()  # drop the space name
            if text:
                heading = element if element.tag in _HEADINGS else element.getparent()
                return text, heading
    title = document.find(".//title")
    if title is not None and title.text and title.text.strip():
        return " ".join(title.text.split()), None
    return None


def _chrome_reason(element: lxml_html.HtmlElement) -> str | None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _CODE:
        return tag
    if tag == "button" and _inside(element, set(_HEADINGS) | {"summary", "dt"}):
        return None  # an accordion's question: <h2><button>Kā atmaksāt?</button></h2>
    if tag in _FORM:
        return "form"
    if tag in _CHROME_OUTSIDE_ARTICLE and _inside(element, {"article", "main"}):
        return None
    if tag in _CHROME:
        return tag
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return "hidden element"
    if (element.get("role") or "").lower() in _CHROME_ROLES:
        return f"{element.get('role')} region"
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    if tag not in _NAMED_CONTENT and names.strip() and _CHROME_NAME.search(names):
        return f"page chrome ({names.strip()[:40]})"
    return None


def _in_chrome(element: lxml_html.HtmlElement) -> bool:
    """Whether the element is dropped as chrome, or stands inside something that is, up to
    the page's <body> or the article's own container: a class on those (WordPress's
    ``has-sidebar`` body, a ``toc-enabled`` layout) says nothing of the article's <h1>, as
    the walker, which starts inside them, never asks them."""
    for each in (element, *element.iterancestors()):
        if each.tag in ("body", "html"):
            return False
        if _chrome_reason(each) is not None:
            return True
        if each.tag in ("article", "main") or each.get("role") == "main":
            return False
    return False


def _inside(element: lxml_html.HtmlElement, tags: set[str]) -> bool:
    return any(ancestor.tag in tags for ancestor in element.iterancestors())


@dataclass
class _Walker:
    title_element: lxml_html.HtmlElement | None
    blocks: list[Block] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    buffer: list[str] = field(default_factory=list)
    quote: int = 0
    section_level: int | None = None  # of the last real heading (<h2> …)
    spans: "_SpanBudget" = field(default_factory=lambda: _SpanBudget())

    def walk(self, element: lxml_html.HtmlElement) -> None:
        self.container(element)
        self.flush()

    def skip(self, element: lxml_html.HtmlElement) -> bool:
        if not isinstance(element.tag, str):  # comments, processing instructions
            return True
        if element is self.title_element:
            return True
        reason = _chrome_reason(element)
        if reason is not None:
            if reason not in self.dropped:
                self.dropped.append(reason)
            return True
        return False

    def container(self, element: lxml_html.HtmlElement) -> None:
        self.buffer.append(element.text or "")
        for child in element:
            if not self.skip(child):
                if child.tag in _BLOCK_TAGS:
                    self.block(child)
                else:
                    self.buffer.append(self.inline(child))
            self.buffer.append(child.tail or "")

    def block(self, element: lxml_html.HtmlElement) -> None:
        self.flush()
        tag = element.tag
        if tag in _HEADINGS:
            text = _one_line(self.inline_children(element))
            if text:
                self.section_level = _HEADINGS[tag]
                self.blocks.append(Block(kind="heading", text=text, level=_HEADINGS[tag]))
        elif tag == "summary" or _has_class(element, "expand-control"):
            # The title of a collapsible section (<details>, Confluence's expand macro).
            text = _one_line(self.inline_children(element))
            if is_marked_heading(text):
                self.blocks.append(minor_heading(text, self.section_level))
            elif text:
                self.buffer.append(text)
                self.flush(paragraphs=False)
        elif tag in ("p", "div") and _only_bold(element):
            # A bold line on its own is how many editors write a minor heading.
            text = _one_line(self.inline_children(element))
            if is_marked_heading(text):
                self.blocks.append(minor_heading(text, self.section_level))
            else:
                self.buffer.append(self.inline_children(element))
                self.flush(paragraphs=False)
        elif tag in ("ul", "ol"):
            self.list(element, level=0)
        elif tag == "table":
            self.table(element)
        elif tag == "blockquote":
            self.quote += 1
            self.container(element)
            self.flush()
            self.quote -= 1
        elif tag == "pre":  # preformatted: its line breaks are the writer's
            self.buffer.append(self.inline_children(element).replace("\n", _BREAK))
            self.flush(paragraphs=False)  # an e-mail template stays whole
        elif tag in ("p", "dt", "dd", "figcaption", "summary", "li", "td", "th", "tr"):
            self.buffer.append(self.inline_children(element))
            self.flush(paragraphs=False)
        elif tag == "dl":
            self.definitions(element)
        elif tag == "hr":
            pass
        else:  # div, section, article, …
            self.container(element)
            self.flush()

    def definitions(self, element: lxml_html.HtmlElement) -> None:
        """A term and its definition are one piece of advice: 'term: definition'."""
        term: str | None = None
        for child in element:
            if self.skip(child):
                continue
            text = _one_line(self.inline_children(child))
            if child.tag == "dt":
                if term:
                    self.blocks.append(Block(kind="paragraph", text=term))
                term = text
            elif child.tag == "dd" and text:
                self.blocks.append(
                    Block(kind="paragraph", text=f"{term}: {text}" if term else text)
                )
                term = None
            elif child.tag not in ("dt", "dd"):
                self.block(child)
        if term:
            self.blocks.append(Block(kind="paragraph", text=term))

    def flush(self, *, paragraphs: bool = True) -> None:
        """The buffered text as blocks. ``paragraphs``: the text stands outside any paragraph
        element (straight in <body>, a <div>, a cell), where a blank line — two <br> in a row —
        is all that ends a paragraph, as in plain text; inside a <p> it is one paragraph's
        spacing, as two Shift+Enter are in Word."""
        raw = "".join(self.buffer)
        self.buffer = []
        text = checked_alt(_lines(raw, paragraphs=paragraphs), self.dropped)
        if not text:
            return
        if self.quote:
            self.blocks.extend(Block(kind="quote", text=part) for part in text.split("\n\n"))
        else:
            self.blocks.extend(typed_blocks(text))

    def inline(self, element: lxml_html.HtmlElement) -> str:
        tag = element.tag
        if tag == "br":
            return _BREAK
        if tag == "img":
            return marked_alt(element.get("alt"))
        if tag == "a":
            text = _one_line(self.inline_children(element))
            return link_text(text, element.get("href"))
        if tag in _BLOCK_TAGS:  # a paragraph or list item inside a table cell: its own line
            return f"{_BREAK}{self.inline_children(element)}{_BREAK}"
        return self.inline_children(element)

    def inline_children(self, element: lxml_html.HtmlElement) -> str:
        parts = [element.text or ""]
        for child in element:
            if not self.skip(child):
                parts.append(self.inline(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def list(self, element: lxml_html.HtmlElement, level: int) -> None:
        ordered = element.tag == "ol"
        start = element.get("start") or "1"
        number = int(start) if start.isdigit() else 1
        first = True
        for item in element:
            if self.skip(item) or item.tag != "li":
                continue
            own: list[str] = [item.text or ""]
            nested: list[lxml_html.HtmlElement] = []
            for child in item:
                if not self.skip(child):
                    if child.tag in ("ul", "ol"):
                        nested.append(child)
                    elif child.tag in ("p", "div"):
                        own.append(_BREAK + self.inline_children(child) + _BREAK)
                    else:
                        own.append(self.inline(child))
                own.append(child.tail or "")
            text = checked_alt(_lines("".join(own)), self.dropped)
            if text:
                self.blocks.append(
                    Block(
                        kind="list_item",
                        text=text,
                        level=level,
                        ordered=ordered,
                        opens_list=first,
                        marker=f"{number}." if ordered else "",
                    )
                )
                first = False
                number += 1
            for sub in nested:
                self.list(sub, level + 1)

    def table(self, element: lxml_html.HtmlElement) -> None:
        if _is_layout(element):
            # A table that lays out a page (headings or tables in its cells) holds the article:
            # read its cells as any container.
            for row in _rows(element):
                for cell in row:
                    if (
                        isinstance(cell.tag, str)
                        and cell.tag in ("td", "th")
                        and not self.skip(cell)
                    ):
                        self.container(cell)
                        self.flush()
            return
        rows: list[list[str]] = []
        header = False
        texts: dict[lxml_html.HtmlElement, str] = {}
        for row, cells, slots in _grid(element, self.spans):
            if not rows:
                parent = row.getparent()
                in_head = parent is not None and parent.tag == "thead"
                header = in_head or (bool(cells) and all(c.tag == "th" for c in cells))
            for cell in cells:
                lines = checked_alt(_lines(self.inline_children(cell)), [])
                texts[cell] = "; ".join(lines.split("\n"))
            # A cell's text stands in its first column, on every row it spans (as Word reads a
            # vertical merge); the further columns it spans stay empty, so the cells after it
            # keep their own headers.
            row_texts = [texts[slot.cell] if slot and slot.first else "" for slot in slots]
            if any(row_texts):
                rows.append(row_texts)
        if not rows:
            return
        block = table_block(rows, first_row_heads=header)
        if block is not None:
            self.blocks.append(block)


def _is_layout(table: lxml_html.HtmlElement) -> bool:
    """Headings, tables or several paragraphs in a cell: the table lays out a page."""
    for row in _rows(table):
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            if any(True for _ in cell.iter("h1", "h2", "h3", "h4", "h5", "h6", "table")):
                return True
            if sum(1 for _ in cell.iter("p")) > 3:
                return True
    return False


def _has_class(element: lxml_html.HtmlElement, name: str) -> bool:
    return name in (element.get("class") or "").split()


def _only_bold(element: lxml_html.HtmlElement) -> bool:
    """The element holds one <b> or <strong> and no other text."""
    children = [child for child in element if isinstance(child.tag, str)]
    if len(children) != 1 or children[0].tag not in ("b", "strong"):
        return False
    return not (element.text or "").strip() and not (children[0].tail or "").strip()


def _rows(table: lxml_html.HtmlElement) -> Iterator[lxml_html.HtmlElement]:
    """The table's own rows, in order (not those of a table nested in a cell)."""
    for group in _row_groups(table):
        yield from group


def _row_groups(table: lxml_html.HtmlElement) -> Iterator[list[lxml_html.HtmlElement]]:
    """The table's own rows by row group (<thead>, <tbody>, <tfoot>; rows straight in the
    <table> between them make one), the extent of a rowspan."""
    loose: list[lxml_html.HtmlElement] = []
    for child in table:
        if child.tag == "tr":
            loose.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            if loose:
                yield loose
                loose = []
            yield [row for row in child if row.tag == "tr"]
    if loose:
        yield loose


@dataclass(frozen=True)
class _Slot:
    """One column of one row of a table's grid, and the cell covering it."""

    cell: lxml_html.HtmlElement
    first: bool  # the first column the cell covers (not one its colspan reaches)


#: HTML's own limits on spans (a larger colspan reads as 1000, rowspan as 65534).
_MAX_COLSPAN, _MAX_ROWSPAN = 1000, 65534
#: Slots the spans of a page's tables may add beyond their own cells (columns a colspan
#: reaches, rows a rowspan reaches, and columns left empty before them): real tables need a
#: few dozen, and a page of absurd spans (thousands of tables of colspan=1000) must not grow
#: without bound. Spans past it are read as 1.
_MAX_SPANNED_SLOTS = 10_000


@dataclass
class _SpanBudget:
    """What is left of a page's :data:`_MAX_SPANNED_SLOTS`."""

    left: int = _MAX_SPANNED_SLOTS


def _grid(
    table: lxml_html.HtmlElement, budget: _SpanBudget
) -> Iterator[tuple[lxml_html.HtmlElement, list[lxml_html.HtmlElement], list[_Slot | None]]]:
    """Each row of the table, its own cells, and its slots in column order with rowspans and
    colspans laid out as a browser lays them out (None: a column no cell covers). Every slot
    but a cell's own first one is taken from the page's ``budget``."""
    for group in _row_groups(table):
        carried: dict[int, tuple[_Slot, int]] = {}  # column → slot from above, rows it covers
        for index, row in enumerate(group):
            cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            slots: list[_Slot | None] = []
            below: dict[int, tuple[_Slot, int]] = {}
            reach = max(carried, default=-1)
            own = iter(cells)
            cell = next(own, None)
            while cell is not None or (carried and len(slots) <= reach):
                column = len(slots)
                if column in carried or cell is None:  # from above, or a gap before one
                    if budget.left <= 0:
                        carried.clear()  # rowspans read as 1 from here on
                        continue
                    budget.left -= 1
                    slot, rows = carried.pop(column, (None, 0))
                    slots.append(slot)
                    if slot is not None and rows > 1:
                        below[column] = (slot, rows - 1)
                    continue
                rows_left = len(group) - index  # a rowspan ends with its row group
                colspan = _span(cell.get("colspan"), _MAX_COLSPAN, zero=1)
                rowspan = min(_span(cell.get("rowspan"), _MAX_ROWSPAN, zero=rows_left), rows_left)
                for offset in range(colspan):
                    if offset and (column + offset in carried or budget.left <= 0):
                        break  # overlapping cells: the one from above keeps its column
                    if offset:
                        budget.left -= 1
                    slot = _Slot(cell, first=offset == 0)
                    slots.append(slot)
                    if rowspan > 1:
                        below[column + offset] = (slot, rowspan - 1)
                cell = next(own, None)
            carried = below
            yield row, cells, slots


def _span(value: str | None, most: int, *, zero: int) -> int:
    """A colspan or rowspan as HTML reads it: its leading digits ("2px" is 2), else 1; 0 is
    ``zero``; at most ``most``."""
    digits = re.match(r"\s*\+?0*(\d+)", value or "")
    if digits is None:
        return 1
    number = int(digits[1][:7])  # more digits are past the limit all the same
    return zero if number == 0 else min(number, most)


def _lines(raw: str, *, paragraphs: bool = False) -> str:
    """HTML whitespace collapsed; only <br> breaks a line. ``paragraphs``: two <br> in a row
    (with only whitespace or &nbsp; between) leave a blank line, which ends a paragraph."""
    return tidy(re.sub(r"[\n\r\t]", " ", raw).replace(_BREAK, "\n"), blank_lines=paragraphs)


def _one_line(text: str) -> str:
    return " ".join(text.replace(_BREAK, " ").split())
