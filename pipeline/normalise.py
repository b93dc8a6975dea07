"""Stage 2, normalise: clean an article for display, and fold text for indexing.

Two different things happen here, on purpose kept apart:

* :func:`normalise_article` produces the text users are shown: Unicode NFC, one line-break style,
  and the boilerplate of blog exports removed (table-of-contents and author stubs, date lines,
  comment footers). The words themselves stay exactly as the editor wrote them.
* :func:`fold_for_index` is applied by the analyzers at index *and* query time, so that variant
  spellings meet: traditional Chinese and full-width punctuation, Russian ё. It keeps the length
  of the text, so character offsets found in folded text still point into the original.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

from pipeline.blocks import Block, render_blocks
from pipeline.load import RejectedFile, SourceFile
from pipeline.readers import ReadResult, UnreadableArticle, read_blocks
from pipeline.schema import Article


@dataclass(frozen=True)
class BoilerplateRule:
    """A whole line that carries no content; ``pattern`` must match the stripped line entirely."""

    name: str
    pattern: re.Pattern[str]


def _rule(name: str, pattern: str) -> BoilerplateRule:
    return BoilerplateRule(name, re.compile(pattern, re.IGNORECASE))


_EN_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_EN_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_IT_DAYS = "lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica"
_IT_MONTHS = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre"
)
_RU_DAYS = "понедельник|вторник|среда|четверг|пятница|суббота|воскресенье"
_RU_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
_LV_DAYS = "pirmdiena|otrdiena|trešdiena|ceturtdiena|piektdiena|sestdiena|svētdiena"

#: Boilerplate per language; "*" applies to every language (blog platforms often keep an
#: English interface whatever the language of the post).
BOILERPLATE: dict[str, tuple[BoilerplateRule, ...]] = {
    "*": (
        _rule("blog date line", rf"(?:{_EN_DAYS}),\s+(?:{_EN_MONTHS})\s+\d{{1,2}},\s+\d{{4}}"),
        _rule("comment footer", r"(?:no|\d+)\s+comments?:?"),
        _rule("comment footer", r"post\s+a\s+comment"),
        _rule("blog navigation", r"(?:newer\s+post|older\s+post|home)"),
        _rule("blog navigation", r"subscribe\s+to:\s*post\s+comments\s*\(atom\)"),
        _rule("author stub", r"anonymous"),
        _rule("byline", r"posted\s+by\s+.{1,80}\s+at\s+\d{1,2}:\d{2}(?:\s*[ap]m)?"),
    ),
    "lv": (
        _rule("table-of-contents stub", r"satura\s+rādītājs\s*:?"),
        _rule("author stub", r"anonīms|anonim"),
        _rule("blog date line", rf"(?:{_LV_DAYS}),\s+\d{{4}}\.\s+gada\s+\d{{1,2}}\.\s+\w+"),
        _rule("comment footer", r"nav\s+komentāru\s*:?"),
        _rule("comment footer", r"ierakstīt\s+komentāru"),
    ),
    "it": (
        _rule("table-of-contents stub", r"(?:indice|sommario)\s*:?"),
        _rule("author stub", r"anonimo"),
        _rule("blog date line", rf"(?:{_IT_DAYS})\s+\d{{1,2}}\s+(?:{_IT_MONTHS})\s+\d{{4}}"),
        _rule("comment footer", r"nessun\s+commento\s*:?"),
        _rule("comment footer", r"posta\s+un\s+commento"),
    ),
    "zh": (
        _rule("table-of-contents stub", r"目[录錄]\s*[:：]?"),
        _rule("author stub", r"匿名"),
        _rule("blog date line", r"\d{4}年\d{1,2}月\d{1,2}日\s*(?:星期[一二三四五六日天])?"),
        _rule("comment footer", r"(?:没有评论|沒有評論)\s*[:：]?"),
        _rule("comment footer", r"(?:发表评论|發表評論)"),
    ),
    "ru": (
        _rule("table-of-contents stub", r"(?:содержание|оглавление)\s*:?"),
        _rule("author stub", r"аноним(?:ный)?"),
        _rule(
            "blog date line", rf"(?:{_RU_DAYS}),\s+\d{{1,2}}\s+(?:{_RU_MONTHS})\s+\d{{4}}\s*г?\.?"
        ),
        _rule("comment footer", r"комментариев\s+нет\s*:?"),
        _rule("comment footer", r"отправить\s+комментарий"),
    ),
}


def boilerplate_rule_for(lang: str, line: str) -> BoilerplateRule | None:
    """The rule that marks ``line`` as boilerplate in ``lang``, or None for content."""
    stripped = line.strip()
    if not stripped:
        return None
    for rule in (*BOILERPLATE["*"], *BOILERPLATE.get(lang, ())):
        if rule.pattern.fullmatch(stripped):
            return rule
    return None


# Soft hyphens and zero-width characters, pasted in from the web or word processors, are
# invisible but split words for the tokenizers ("apkal\u00adpošana" would never match).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def without_invisible(text: str) -> str:
    """``text`` without soft hyphens and zero-width characters."""
    return text.translate(_INVISIBLE)


@dataclass(frozen=True)
class Normalised:
    article: Article
    #: What was left out, for reports, ``csguide preview`` and tests: "line N: rule name" for
    #: boilerplate, and what a reader dropped ("script", "nav", …).
    removed: tuple[str, ...]


def normalise_article(source: SourceFile, max_bytes: int = 1 << 20) -> Normalised:
    """Read ``source`` into blocks and clean them for display; the title is the front
    matter's, the one the format gives, or the first line.

    Raises :class:`~pipeline.load.RejectedFile` when the file cannot be read or nothing but
    boilerplate is left. ``max_bytes`` bounds what a packed format (.docx) may unpack to.
    """
    removed: list[str] = []
    title = _clean(source.meta.title or "").strip() or None
    body = ""
    if source.format in ("text", "markdown"):
        # Whole-line boilerplate goes before reading, in the lines as the editor wrote them.
        lines = _without_boilerplate(source, removed)
        if source.format == "text":
            if title is None:
                if not lines:
                    raise RejectedFile("nothing left after removing boilerplate")
                title = lines.pop(0).strip()
            elif lines and _same_title(lines[0], title) and (len(lines) == 1 or not lines[1]):
                # The title repeated under the front matter, as in the README's example, on a
                # line of its own: no tip. (The first line of a paragraph it begins stays.)
                lines.pop(0)
            lines = _squeeze_blank_lines(lines)
        body = "\n".join(lines)
        if not body.strip():
            raise RejectedFile(
                "nothing left after removing boilerplate" if removed else "only a title, no text"
            )
    try:
        read = read_blocks(source.format, body or source.text, source.raw, max_bytes)
    except UnreadableArticle as exc:
        raise RejectedFile(str(exc)) from exc
    removed.extend(f"dropped: {what}" for what in read.dropped)
    blocks = _clean_blocks(
        source.lang, read, removed, whole_blocks=source.format in ("html", "docx")
    )
    if title is None and source.format != "text":
        title, blocks = _title_from(read, blocks)
    elif title is not None and source.format != "text":
        blocks = _without_repeated_title(blocks, title)
    if not blocks:
        raise RejectedFile(
            "nothing left after removing boilerplate" if removed else "only a title, no text"
        )
    if source.format != "text":
        body = render_blocks(blocks)
    meta_json = source.meta.model_dump_json()
    hashed = f"{source.lang}\n{title}\n{meta_json}\n{body}"
    if source.format != "text":  # levels, kinds and table cells are not all in the body
        hashed += "\n" + "\n".join(block.model_dump_json() for block in blocks)
    article = Article(
        id=source.id,
        lang=source.lang,
        path=source.path,
        title=title,
        body=body,
        blocks=tuple(blocks),
        format=source.format,
        meta=source.meta,
        hash=hashlib.sha256(hashed.encode()).hexdigest(),
    )
    return Normalised(article=article, removed=tuple(removed))


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE)


def _without_boilerplate(source: SourceFile, removed: list[str]) -> list[str]:
    # Two trailing spaces are a hard line break in Markdown: its parser must still see them.
    # Plain text has no such mark, and its title and body are these very lines: trimmed.
    keep_trailing = source.format == "markdown"
    kept: list[str] = []
    for number, line in enumerate(_clean(source.text).split("\n"), start=source.first_line):
        rule = boilerplate_rule_for(source.lang, line)
        if rule is not None:
            removed.append(f"line {number}: {rule.name}")
            continue
        kept.append(line if keep_trailing else line.rstrip())
    return _squeeze_blank_lines(kept)


def _clean_blocks(
    lang: str, read: ReadResult, removed: list[str], *, whole_blocks: bool
) -> list[Block]:
    """NFC and no invisible characters in every block; boilerplate paragraphs of formats read
    as a whole (HTML, Word) dropped."""
    blocks: list[Block] = []
    for block in read.blocks:
        cleaned = block.model_copy(
            update={
                "text": _clean(block.text),
                "header": tuple(_clean(cell) for cell in block.header),
                "rows": tuple(tuple(_clean(cell) for cell in row) for row in block.rows),
            }
        )
        if whole_blocks and cleaned.kind in ("paragraph", "heading"):
            rule = boilerplate_rule_for(lang, cleaned.text)
            if rule is not None:
                removed.append(f"{rule.name}: {cleaned.text[:60]}")
                continue
        if cleaned.kind == "table" or cleaned.text.strip():
            blocks.append(cleaned)
    return blocks


def _title_from(read: ReadResult, blocks: list[Block]) -> tuple[str, list[Block]]:
    """The title a format gives, else its first heading when it opens the article, else its
    first line (as in plain text)."""
    if read.title:
        return _clean(read.title).strip(), blocks
    if not blocks:
        raise RejectedFile("no text")
    first, rest = blocks[0], blocks[1:]
    if first.kind == "table":
        raise RejectedFile("no title: give one in front matter (title: …) or as a first heading")
    line, _, more = first.text.partition("\n")
    if more.strip():
        rest = [first.model_copy(update={"text": more.strip()}), *rest]
    return line.strip(), rest


def _same_title(line: str, title: str) -> bool:
    """``line`` says ``title``, whatever its case and spacing."""
    return " ".join(_clean(line).split()).casefold() == " ".join(_clean(title).split()).casefold()


def _without_repeated_title(blocks: list[Block], title: str) -> list[Block]:
    """``blocks`` without a first paragraph that only repeats the front matter's title, as the
    title line of a plain-text article would. (A first ``# heading`` saying the title stays:
    it heads its section as the title would, so no tip holds it alone; and a paragraph that
    goes on after the title's words is a paragraph.)"""
    if blocks and blocks[0].kind == "paragraph" and _same_title(blocks[0].text, title):
        return blocks[1:]
    return blocks


def _squeeze_blank_lines(lines: list[str]) -> list[str]:
    """Drop leading and trailing blank lines and keep at most one blank line in a row."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out


# Full-width ASCII forms (！ … ～) and the ideographic space map one-to-one onto ASCII.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_YO = str.maketrans({"ё": "е", "Ё": "Е"})


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold_for_index(lang: str, text: str) -> str:
    """Fold spelling variants for matching; the result has the same length as ``text``."""
    if lang == "zh":
        simplified = _traditional_to_simplified().convert(text)
        # t2s converts character by character for nearly everything; if a phrase rule ever
        # changed the length we keep the original so offsets stay valid.
        if len(simplified) == len(text):
            text = simplified
        return text.translate(_HALF_WIDTH)
    if lang == "ru":
        return text.translate(_YO)
    return text
