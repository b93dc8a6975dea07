"""The block model: what every reader makes of an article, whatever its format.

A reader (``pipeline.readers``) turns a plain-text, Markdown, HTML or Word file into one flat
sequence of blocks; segmentation (``pipeline.segment``) cuts tips from blocks and never learns
which format they came from. Inline markup is already reduced to text here: a block's ``text``
is what an agent reads.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

BlockKind = Literal["heading", "paragraph", "list_item", "table", "quote"]

#: Deeper list levels are read as this one: nothing an agent reads nests further, and a level
#: is a count of indentation in the tip's text.
MAX_LIST_DEPTH = 8


class Block(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: BlockKind
    text: str = ""
    #: heading: 1 (the article title in most formats) to 6; list_item: nesting depth from 0.
    level: int = 0
    #: list_item: numbered (1. 2. / a) b)) rather than bulleted.
    ordered: bool = False
    #: list_item: the first item of a list (two lists in a row are two lists).
    opens_list: bool = False
    #: list_item: the number or letter as written ("3.", "b)", "（2）"); empty: count from 1.
    marker: str = ""
    #: table: the header row (empty when the table has none) and the body rows.
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @field_validator("level")
    @classmethod
    def _bounded(cls, level: int) -> int:
        return max(0, min(level, MAX_LIST_DEPTH))


def table_block(rows: list[list[str]], *, first_row_heads: bool) -> Block | None:
    """A table from its rows (empty rows left out); the first row becomes the header when it
    heads the table and something follows it."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return None
    header = tuple(rows[0]) if first_row_heads and len(rows) > 1 else ()
    body = rows[1:] if header else rows
    return Block(kind="table", header=header, rows=tuple(tuple(row) for row in body))


def minor_heading(text: str, section_level: int | None) -> Block:
    """A bold line standing alone, which many editors write for a heading: one level below the
    section it stands in (a section of its own before any heading)."""
    level = min(section_level + 1, 6) if section_level else 2
    return Block(kind="heading", text=text.rstrip().rstrip(":：").rstrip(), level=level)


def render_blocks(blocks: list[Block] | tuple[Block, ...]) -> str:
    """The blocks as plain text, one block per paragraph: what language checks and article
    hashes read, and what ``csguide preview`` shows for an article's body."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "table":
            rows = [block.header, *block.rows] if block.header else list(block.rows)
            out.append("\n".join(" | ".join(row) for row in rows))
        elif block.kind == "list_item":
            out.append("  " * block.level + ("1. " if block.ordered else "- ") + block.text)
        else:
            out.append(block.text)
    return "\n\n".join(out)
