"""Readers: one per article format, each turning a file into the same blocks
(:mod:`pipeline.blocks`).

=========  ==========================  ==========================================
format     files                       read by
=========  ==========================  ==========================================
text       ``.txt``                    :mod:`pipeline.readers.plain_text`
markdown   ``.md``, ``.markdown``,     :mod:`pipeline.readers.markdown`
           and a ``.txt`` that is
           Markdown
html       ``.html``, ``.htm``         :mod:`pipeline.readers.html`
docx       ``.docx``                   :mod:`pipeline.readers.word`
=========  ==========================  ==========================================
"""

import re

from pipeline.readers.plain_text import read_plain_text
from pipeline.readers.result import ReadResult, UnreadableFormat

FORMAT_BY_SUFFIX = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}

#: What gives a .txt away as Markdown: ATX headings, a table's |---| row, a code fence. (Bold
#: and links alone do not: the plain-text reader reduces those itself, and keeps its own rules
#: for files without blank lines.)
_MARKDOWN_SIGNS = re.compile(
    r"^#{1,6}[ \t]+\S|^\s*\|?\s*:?-{3,}:?\s*\|[\s|:-]*$|^```", re.MULTILINE
)


def looks_like_markdown(text: str) -> bool:
    """Editors paste Markdown into .txt files; read as text, its marks would reach agents."""
    return bool(_MARKDOWN_SIGNS.search(text))


class UnreadableArticle(ValueError):
    """The file is not what its name says, or cannot be read safely; the message says why."""


def read_blocks(article_format: str, text: str, raw: bytes, max_bytes: int) -> ReadResult:
    """The blocks of one article body (after front matter), by its format.

    The Markdown, HTML and Word readers (markdown-it, lxml, python-docx) are imported when a
    file of theirs is read: the server imports this package for its text folding and never
    reads an article, and they were about 5 MiB of every worker's memory."""
    try:
        if article_format == "markdown":
            from pipeline.readers.markdown import read_markdown

            return read_markdown(text)
        if article_format == "html":
            from pipeline.readers.html import read_html

            return read_html(text)
        if article_format == "docx":
            from pipeline.readers.word import UNPACKED_FACTOR, read_word

            return read_word(raw, max_bytes * UNPACKED_FACTOR)
    except UnreadableFormat as exc:  # UnreadableHtml, UnreadableWord
        raise UnreadableArticle(str(exc)) from exc
    except RecursionError as exc:
        raise UnreadableArticle("nested too deeply to read") from exc
    return ReadResult(blocks=read_plain_text(text))


__all__ = [
    "FORMAT_BY_SUFFIX",
    "ReadResult",
    "UnreadableArticle",
    "looks_like_markdown",
    "read_blocks",
]
