"""Stage 4, segment: cut an article's blocks into tips.

A tip is one piece of advice: a paragraph, a list item with any sub-items under it, a table, or
a short lead-in ending in ':' together with the list it introduces. Its title is the nearest
heading above it and its context that heading's parent heading; before any heading, or under a
top-level one, the context is the article title. Blocks come from a reader
(``pipeline.readers``); nothing here knows which format they were written in.
"""

import hashlib
import re
from dataclasses import dataclass

from pipeline.blocks import Block
from pipeline.readers.plain_text import is_colon_heading
from pipeline.schema import Article, Tip, TipKind, TipTable

#: Bump when the rules below, or a reader's (pipeline/readers), change what tips an article
#: gives: cached articles are then read and cut again.
SEGMENTER_VERSION = 6

#: Tip ids end with this many hex digits of the text's sha256 (editor files quote them).
TIP_HASH_CHARS = 10

#: A lead-in joins its list only while the whole stays one readable piece of advice; a longer
#: list keeps one tip per item, titled with the lead-in.
MAX_JOINED_ITEMS = 8
MAX_JOINED_CHARS = 1200
MAX_LEAD_IN_CHARS = 200
_COLONS = (":", "：")
#: A sentence break inside a lead-in: then it is a paragraph that happens to end in ':'. A
#: stop before a lowercase word or after a number is no break ("Līdz 1. decembrim …:").
_INNER_SENTENCE_END = re.compile(r"(?<!\d)[.!?…]\s+(\w)|[。！？]")
_SUB_BULLET = "◦"
_BULLET = "•"


@dataclass
class _Section:
    level: int
    title: str


@dataclass(frozen=True)
class _Piece:
    kind: TipKind
    text: str
    title: str
    context: str
    table: TipTable | None = None


def _is_lead_in(block: Block) -> bool:
    text = block.text.rstrip()
    if block.kind != "paragraph" or not text.endswith(_COLONS) or len(text) > MAX_LEAD_IN_CHARS:
        return False
    return not any(
        match.group(1) is None or match.group(1).isupper()
        for match in _INNER_SENTENCE_END.finditer(text[:-1])
    )


def _relative(items: list[Block]) -> list[Block]:
    """Levels counted from the list's own first level: a list indented as a whole (every item
    at Word level 1) is no list of sub-items."""
    base = min(item.level for item in items)
    if not base:
        return items
    return [item.model_copy(update={"level": item.level - base}) for item in items]


def _list_run(blocks: list[Block], start: int) -> int:
    """The index after the run of list items that starts at ``start``."""
    end = start + 1
    while end < len(blocks) and blocks[end].kind == "list_item":
        if blocks[end].opens_list and blocks[end].level == 0:
            break  # the next list
        end += 1
    return end


def _item_lines(items: list[Block], *, numbered_from: int | None) -> list[str]:
    """Top-level items with their sub-items, one per line, with markers a reader expects."""
    lines = []
    number = numbered_from or 1
    for item in items:
        if item.level == 0:
            marker = (item.marker or f"{number}.") if item.ordered else _BULLET
            number += 1
            lines.append(f"{marker} {item.text}")
        else:
            lines.append(f"{'  ' * (item.level - 1)}{_SUB_BULLET} {item.text}")
    return lines


def _table_text(table: TipTable) -> str:
    """A table as searchable, translatable lines: 'Header: cell; Header: cell' per row."""
    lines = []
    for row in table.rows:
        if table.header:
            heads = (*table.header, *[""] * (len(row) - len(table.header)))
            cells = [
                f"{head}: {cell}" if head else cell
                for head, cell in zip(heads, row, strict=False)
                if cell
            ]
        else:
            cells = [cell for cell in row if cell]
        lines.append("; ".join(cells))
    if not table.rows:  # a header alone
        lines.append("; ".join(table.header))
    return "\n".join(line for line in lines if line)


def _pieces(article: Article) -> list[_Piece]:
    blocks = list(article.blocks)
    sections: list[_Section] = []
    pieces: list[_Piece] = []

    def title_and_context() -> tuple[str, str]:
        title = sections[-1].title if sections else article.title
        context = sections[-2].title if len(sections) > 1 else article.title
        return title, context

    index = 0
    while index < len(blocks):
        block = blocks[index]
        if block.kind == "heading":
            while sections and sections[-1].level >= block.level:
                sections.pop()
            sections.append(_Section(block.level, block.text))
            index += 1
            continue
        title, context = title_and_context()
        if block.kind == "table":
            table = TipTable(header=block.header, rows=block.rows)
            text = _table_text(table)
            if text:
                pieces.append(_Piece("table", text, title, context, table))
            index += 1
            continue
        if _is_lead_in(block) and index + 1 < len(blocks) and blocks[index + 1].kind == "list_item":
            end = _list_run(blocks, index + 1)
            items = _relative(blocks[index + 1 : end])
            top = [item for item in items if item.level == 0]
            lines = [block.text, *_item_lines(items, numbered_from=1)]
            if len(top) <= MAX_JOINED_ITEMS and sum(map(len, lines)) <= MAX_JOINED_CHARS:
                pieces.append(_Piece("list", "\n".join(lines), title, context))
            else:  # too long for one tip: the lead-in titles each item
                lead_in = block.text.rstrip().rstrip(":：").rstrip()
                pieces.extend(_item_pieces(items, lead_in, title))
            index = end
            continue
        if block.kind == "list_item":
            end = _list_run(blocks, index)
            pieces.extend(_item_pieces(_relative(blocks[index:end]), title, context))
            index = end
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if (
            block.kind == "paragraph"
            and following is not None
            and following.kind in ("paragraph", "quote", "table")
            and is_colon_heading(block.text)
        ):
            # "Kā rīkoties:" alone before text heads it, one level below the section it is in.
            level = min(sections[-1].level + 1, 6) if sections else 2
            sections.append(_Section(level, block.text.rstrip().rstrip(":：").rstrip()))
            index += 1
            continue
        pieces.append(_Piece("paragraph", block.text, title, context))
        index += 1
    return [piece for piece in pieces if piece.text.strip()]


def _item_pieces(items: list[Block], title: str, context: str) -> list[_Piece]:
    """One tip per top-level item; sub-items stay with the item above them."""
    pieces: list[_Piece] = []
    group: list[Block] = []
    for item in [*items, None]:
        if item is None or item.level == 0 or not group:
            if group:
                text = group[0].text
                if len(group) > 1:
                    text = "\n".join([text, *_item_lines(group[1:], numbered_from=None)])
                pieces.append(_Piece("list_item", text, title, context))
            group = [item] if item is not None else []
        else:
            group.append(item)
    return pieces


def _tip_id(article_id: str, digest: str, seen: dict[str, int]) -> str:
    base = f"{article_id}/{digest[:TIP_HASH_CHARS]}"
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"  # the same text again


def segment_article(article: Article) -> list[Tip]:
    tips: list[Tip] = []
    seen: dict[str, int] = {}
    for piece in _pieces(article):
        digest = hashlib.sha256(piece.text.encode()).hexdigest()
        tips.append(
            Tip(
                id=_tip_id(article.id, digest, seen),
                article=article.id,
                lang=article.lang,
                position=len(tips),
                kind=piece.kind,
                title=piece.title,
                context=piece.context,
                text=piece.text,
                hash=digest,
                table=piece.table,
            )
        )
    return tips
