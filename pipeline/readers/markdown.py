"""The Markdown reader: CommonMark with GFM tables, by markdown-it-py (already installed with
rich, and the reference CommonMark implementation's Python port)."""

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.blocks import Block, minor_heading, table_block
from pipeline.readers.html import read_html_fragment
from pipeline.readers.inline import checked_alt, link_text, marked_alt, tidy, without_alt_marks
from pipeline.readers.plain_text import is_marked_heading, typed_blocks
from pipeline.readers.result import ReadResult

_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
#: Raw HTML that is code or a note to other editors, never text for agents: removed from the
#: source before parsing, since Markdown reads the inside of an inline <script> as text and
#: ends an HTML block at the first blank line, even inside a <script>.
_HIDDEN_HTML = re.compile(
    r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
#: A GitHub task list's box: "[ ] call back", "[x] logged".
_TASK_BOX = re.compile(r"^\[[ xX]\]\s+")


def read_markdown(text: str) -> ReadResult:
    dropped: list[str] = []

    def hide(match: re.Match[str]) -> str:
        what = (match.group(1) or "comment").lower()
        if what not in dropped:
            dropped.append(what)
        return ""

    source = _HIDDEN_HTML.sub(hide, text)
    reader = _Reader(dropped=dropped)
    return reader.read(_PARSER.parse(source))


@dataclass
class _Item:
    level: int
    ordered: bool
    first: bool
    marker: str = ""
    index: int | None = None  # of its block, once its first paragraph is read


@dataclass
class _Reader:
    blocks: list[Block] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    #: Open lists: [ordered, no item yet, next number, delimiter ("." or ")")].
    lists: list[list[Any]] = field(default_factory=list)
    items: list[_Item] = field(default_factory=list)
    quote_depth: int = 0
    heading_level: int | None = None
    section_level: int | None = None  # of the last real (#) heading
    table: list[list[str]] | None = None
    table_header_rows: int = 0
    in_thead: bool = False

    def read(self, tokens: list[Token]) -> ReadResult:
        for token in tokens:
            self.token(token)
        return ReadResult(blocks=self.blocks, dropped=self.dropped)

    def token(self, token: Token) -> None:
        kind = token.type
        if kind == "heading_open":
            self.heading_level = self.section_level = int(token.tag[1])
        elif kind == "heading_close":
            self.heading_level = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrs.get("start") or 1) if kind == "ordered_list_open" else 1
            self.lists.append([kind == "ordered_list_open", True, start, token.markup or "."])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "list_item_open":
            ordered, first, number, delimiter = self.lists[-1]
            self.lists[-1][1] = False
            self.lists[-1][2] = number + 1
            marker = f"{number}{delimiter}" if ordered else ""
            self.items.append(
                _Item(level=len(self.lists) - 1, ordered=ordered, first=first, marker=marker)
            )
        elif kind == "list_item_close":
            self.items.pop()
        elif kind == "blockquote_open":
            self.quote_depth += 1
        elif kind == "blockquote_close":
            self.quote_depth -= 1
        elif kind == "table_open":
            self.table, self.table_header_rows = [], 0
        elif kind == "thead_open":
            self.in_thead = True
        elif kind == "thead_close":
            self.in_thead = False
        elif kind == "tr_open" and self.table is not None:
            self.table.append([])
            self.table_header_rows += self.in_thead
        elif kind == "table_close" and self.table is not None:
            self.table_block(self.table, self.table_header_rows)
            self.table = None
        elif kind == "inline":
            self.inline(token)
        elif kind in ("fence", "code_block"):
            self.text_block(tidy(token.content), keep_breaks=True)
        elif kind == "html_block":
            fragment = read_html_fragment(token.content)
            self.blocks.extend(fragment.blocks)
            self.dropped.extend(fragment.dropped)

    def inline(self, token: Token) -> None:
        children = token.children or []
        marked = tidy(_inline_text(children))  # alt text still marked: see checked_alt
        hard_breaks = any(
            c.type == "hardbreak"
            or (c.type == "html_inline" and c.content.lower().startswith("<br"))
            for c in children
        )
        if self.table is not None:  # as the HTML reader: an image alone in a cell says nothing
            self.table[-1].append(" ".join(checked_alt(marked, []).split()))
            return
        if self.heading_level is not None:  # a heading is no tip: its images' alt text stays
            heading = tidy(without_alt_marks(marked))
            if heading:
                self.blocks.append(Block(kind="heading", text=heading, level=self.heading_level))
            else:
                self.dropped.append("an empty heading")
            return
        text = checked_alt(marked, self.dropped)
        if self.items:
            self.item_text(self.items[-1], text)
        elif not text:
            if children and not marked:
                self.dropped.append("an image without content alt text")
        elif _only_strong(children) and is_marked_heading(text):
            self.blocks.append(minor_heading(text, self.section_level))
        else:
            self.text_block(text, keep_breaks=hard_breaks)

    def item_text(self, item: _Item, text: str) -> None:
        text = _TASK_BOX.sub("", text)
        if not text:
            return
        if item.index is None:
            item.index = len(self.blocks)
            block = Block(
                kind="list_item",
                text=text,
                level=item.level,
                ordered=item.ordered,
                opens_list=item.first,
                marker=item.marker,
            )
            self.blocks.append(block)
        else:  # a later paragraph of the same item
            block = self.blocks[item.index]
            self.blocks[item.index] = block.model_copy(update={"text": f"{block.text}\n{text}"})

    def text_block(self, text: str, *, keep_breaks: bool = False) -> None:
        if not text:
            return
        if self.quote_depth:
            self.blocks.append(Block(kind="quote", text=text))
            return
        self.blocks.extend(typed_blocks(text, keep_breaks=keep_breaks))

    def table_block(self, rows: list[list[str]], header_rows: int) -> None:
        block = table_block(rows, first_row_heads=bool(header_rows and rows and any(rows[0])))
        if block is not None:
            self.blocks.append(block)


def _only_strong(children: list[Token]) -> bool:
    meaningful = [c for c in children if not (c.type == "text" and not c.content.strip())]
    return (
        len(meaningful) >= 3
        and meaningful[0].type == "strong_open"
        and meaningful[-1].type == "strong_close"
        and not any(c.type == "strong_open" for c in meaningful[1:-1])
    )


def _inline_text(children: list[Token]) -> str:
    out: list[str] = []
    link: list[str] | None = None  # the text of an open link
    href: str | None = None
    for child in children:
        piece = ""
        if child.type in ("text", "code_inline"):
            piece = child.content
        elif child.type in ("softbreak", "hardbreak"):
            piece = "\n"
        elif child.type == "image":
            piece = marked_alt(child.content)
        elif child.type == "html_inline":
            piece = "\n" if child.content.lower().startswith("<br") else ""
        elif child.type == "link_open":
            link, href = [], str(child.attrs.get("href") or "")
            continue
        elif child.type == "link_close" and link is not None:
            piece, link = link_text("".join(link), href), None
        if link is not None:
            link.append(piece)
        else:
            out.append(piece)
    return "".join(out)
