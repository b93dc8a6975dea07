"""What a reader hands on, or the error it raises."""

from dataclasses import dataclass, field

from pipeline.blocks import Block


@dataclass
class ReadResult:
    blocks: list[Block]
    #: The title the format itself gives (an HTML page's <h1>, a Word Title paragraph), already
    #: taken out of ``blocks``; None: the first block is the title, as in plain text.
    title: str | None = None
    #: What was left out and why, for ``csguide preview``: "script", "navigation", ….
    dropped: list[str] = field(default_factory=list)


class UnreadableFormat(ValueError):
    """A reader's refusal of a file that is not what its format says (the message says why)."""
