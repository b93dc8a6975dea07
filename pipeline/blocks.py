"""The block model: what every reader makes of an article, whatever its format.

A reader (``pipeline.readers``) turns a plain-text, Markdown, HTML or Word file into one flat
sequence of blocks; segmentation (``pipeline.segment``) cuts tips from blocks and never learns
which format they came from. Inline markup is already reduced to text here: a block's ``text``
is what an agent reads.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

BlockKind = Literal["heading", "paragraph", "list_item", "table", "quote"]


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
    #: table: the header row (empty when the table has none) and the body rows.
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


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
