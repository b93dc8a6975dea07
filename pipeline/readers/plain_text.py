"""The plain-text reader: the layout editors type without markup, read into blocks.

Paragraphs are separated by blank lines, or, in a file with no blank lines at all (common in
Chinese), each line is a paragraph; hard-wrapped lines of one paragraph are joined again. A
line is a list item when it starts with a bullet (- * • ●), a letter (a) б)) or a number
(1. 1) （1） 一、); a more indented item belongs to the one above it. A short line on its own,
followed by text, is a heading, as are Chinese numbered sections (一、 （一） 第一条).

The same line rules read the paragraphs of the other formats, where editors type such lists
and headings by hand (``lines_to_blocks``).
"""

import itertools
import re
from dataclasses import dataclass

from pipeline.blocks import Block
from pipeline.readers.inline import link_text

# The em dash is left out: in Russian it opens dialogue lines, not list items.
_BULLET = re.compile(r"^\s*(?:[●•◦▪‣∙·]\s*|[-–*]\s+)")
_LETTERED = re.compile(r"^\s*\(?[a-zA-Zа-яА-ЯёЁ]\)\s+")
_NUMBERED = re.compile(
    r"^\s*[(（]?(?P<number>\d{1,2}|[一二三四五六七八九十]{1,3})(?P<dot>\.)?"
    r"(?:(?(dot)\s+|[)、．）]\s*))"
)
#: How Chinese documents number their sections: 一、 （一） 第一条 / 第二章 / 第三节 / 第四部分.
#: Such a line with a short title after it is a heading, not a list item.
_CJK_SECTION = re.compile(
    r"^\s*(?:(?P<top>[一二三四五六七八九十]{1,3}、|第[一二三四五六七八九十百\d]{1,4}(?:章|部分|篇))"
    r"|(?P<sub>[(（][一二三四五六七八九十]{1,3}[)）]|第[一二三四五六七八九十百\d]{1,4}节)"
    r"|(?P<clause>第[一二三四五六七八九十百\d]{1,4}条))\s*"
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: What may stand on either side of a break in wrapped CJK text: ideographs, and the CJK and
#: full-width punctuation around them (。，、：；！？（）「」…), none of which takes a space.
_CJK_WRAP = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_CLAUSE_PUNCTUATION = re.compile(r"[,;，；、。:：]")
_CJK_COMMAS = re.compile(r"[,，、]")
#: How a CJK sentence ends; a heading may still ask a question (如何处理投诉？).
_SENTENCE_ENDS = ("。", "！", "；", "…")
_COLONS = (":", "：")

#: A heading is short: at most this many words (scripts with spaces) or characters (CJK).
MAX_HEADING_WORDS = 10
MAX_HEADING_CJK_CHARS = 25
MAX_HEADING_CHARS = 90
#: A CJK heading may hold one comma when it is this short (先道歉，再解释).
MAX_CJK_HEADING_WITH_COMMA = 15
#: Heading levels of plain text: the article title is 1, a section under it 2.
SECTION_LEVEL = 2


#: A line of dialogue: a speaker's name and a colon (Agent: …, Клиент: …, 客服：…), or a dash.
_SPEAKER = re.compile(r"^(?:[—–]\s*\S|[^\W\d][\w.-]*(?: [^\W\d][\w.-]*)?\s?[:：]\s*\S)")


@dataclass
class _Unit:
    kind: str  # "paragraph" | "list_item"
    lines: list[str]
    indent: int = 0
    ordered: bool = False
    level: int = 0
    opens_list: bool = False
    marker: str = ""
    keep_breaks: bool = False
    #: Every line so far opens with a speaker or a dash: a conversation, kept as lines.
    speaking: bool = False

    def __post_init__(self) -> None:
        self.speaking = all(_SPEAKER.match(line) for line in self.lines)

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.speaking = self.speaking and bool(_SPEAKER.match(line))

    @property
    def text(self) -> str:
        if len(self.lines) > 1 and (self.keep_breaks or self.speaking):
            return "\n".join(" ".join(line.split()) for line in self.lines)
        return join_wrapped(self.lines)


def join_wrapped(lines: list[str]) -> str:
    """Hard-wrapped lines joined again: wrapped CJK text has no space at the break, after its
    punctuation either (…姓名。如果…); other scripts do."""
    parts = [lines[0]]
    for previous, line in itertools.pairwise(lines):
        glue = "" if _CJK_WRAP.match(previous[-1:]) and _CJK_WRAP.match(line[:1]) else " "
        parts += [glue, line]
    return " ".join("".join(parts).split())


def list_marker_end(line: str) -> int:
    """Length of the list marker that starts ``line`` (0 when it is not a list item on its own:
    "15. martā" is a Latvian date, "15. Marts" or "1. Rispondere" a list item)."""
    end, _ordered = _marker(line, allow_lowercase=False)
    return end


def _marker(line: str, *, allow_lowercase: bool) -> tuple[int, bool]:
    for pattern, ordered in ((_BULLET, False), (_LETTERED, True), (_NUMBERED, True)):
        match = pattern.match(line)
        if match:
            following = line[match.end() : match.end() + 1]
            if match.groupdict().get("dot") and following.islower() and not allow_lowercase:
                return 0, False
            return match.end(), ordered
    return 0, False


def _arabic_number(line: str) -> int | None:
    match = _NUMBERED.match(line)
    if match and match["dot"] and match["number"].isdigit():
        return int(match["number"])
    return None


def _numbered_in_sequence(lines: list[str], index: int) -> bool:
    """``1. uzmanīgi …`` is a list item when the numbered line before or after it continues
    the count; a lone ``15. martā …`` is a date."""
    number = _arabic_number(lines[index])
    if number is None:
        return False
    neighbours = [
        (_neighbour(lines, index, -1), number - 1),
        (_neighbour(lines, index, +1), number + 1),
    ]
    return any(line is not None and _arabic_number(line) == want for line, want in neighbours)


def _neighbour(lines: list[str], index: int, step: int) -> str | None:
    index += step
    while 0 <= index < len(lines):
        if lines[index].strip():
            return lines[index]
        index += step
    return None


def cjk_section_level(text: str) -> int | None:
    """The heading level a Chinese section number gives (一、 2, （一） 3, 第一条 4), if any."""
    match = _CJK_SECTION.match(text)
    if not match:
        return None
    return (
        SECTION_LEVEL if match["top"] else SECTION_LEVEL + 1 if match["sub"] else SECTION_LEVEL + 2
    )


def is_heading_like(text: str) -> bool:
    """Short, one clause, not ending like a sentence (a lone '.' after a few words is allowed).
    A Chinese section number (一、 （一） 第一条) may lead it."""
    text = text.strip()
    section = _CJK_SECTION.match(text)
    if section and text[section.end() :]:
        # A numbered section title may hold a comma (（二）先道歉，再解释); it is still short
        # and does not end like a sentence.
        title = text[section.end() :]
        return len(title) <= MAX_HEADING_CJK_CHARS and not title.endswith(_SENTENCE_ENDS)
    if not text or len(text) > MAX_HEADING_CHARS or list_marker_end(text):
        return False
    if text.startswith(("—", "–", "«", "„", '"', "“", "「", "『")):
        return False  # a line of dialogue or a quotation
    if _CJK.search(text):
        if text.endswith((*_SENTENCE_ENDS, *_COLONS)):  # a sentence or a lead-in
            return False
        inner = text[:-1]
        if len(text) <= MAX_CJK_HEADING_WITH_COMMA and len(_CJK_COMMAS.findall(inner)) == 1:
            return not re.search(r"[;；。:：]", inner)  # 先道歉，再解释
        return len(text) <= MAX_HEADING_CJK_CHARS and not _CLAUSE_PUNCTUATION.search(inner)
    first_letter = next((char for char in text if char.isalpha()), "")
    if first_letter.islower():
        return False  # the continuation of a wrapped line
    words = text.split()
    # One colon may stand inside a title ("Обслуживание клиента: что нужно знать?").
    inner = re.sub(r"(?<=\w)[:：] (?=\w)", " ", text[:-1], count=1)
    if len(words) > MAX_HEADING_WORDS or _CLAUSE_PUNCTUATION.search(inner):
        return False
    if text.endswith((":", "：", ";", ",")):
        return False
    if text.endswith(".") and not text.endswith("..."):
        return len(words) <= 5
    return True


def is_colon_heading(text: str) -> bool:
    """``Kā rīkoties:`` or ``Kā rīkoties, ja kolēģis kļūdās:`` before a paragraph is a
    heading; before a list, its lead-in. Short, one clause, no sentence inside."""
    if not text.endswith(_COLONS):
        return False
    title = text[:-1].strip()
    if is_heading_like(title):
        return True
    return (
        bool(title)
        and len(title.split()) <= MAX_HEADING_WORDS
        and len(title) <= MAX_HEADING_CHARS
        and not _CJK.search(title)
        and not next((c for c in title if c.isalpha()), "").islower()
        and not re.search(r"[.!?;:…]", title)
    )


def is_marked_heading(text: str) -> bool:
    """A line set in bold on its own (**Svarīgi**, <p><b>Al telefono</b></p>, a bold Word
    paragraph) is a minor heading when it is short and no sentence; a colon may end it, or
    stand inside it (Prima di tutto: le foto)."""
    text = text.strip()
    if not text or "\n" in text or len(text) > MAX_HEADING_CHARS or list_marker_end(text):
        return False
    if text.endswith((".", "。", ";", "；", ",", "，", "!", "！")) and not text.endswith("..."):
        return False
    if _CJK.search(text):
        return len(text) <= MAX_HEADING_CJK_CHARS
    return len(text.split()) <= MAX_HEADING_WORDS


def _units(
    lines: list[str], *, paragraphs_by_blank_lines: bool, keep_breaks: bool, guess_headings: bool
) -> list[_Unit]:
    units: list[_Unit] = []
    current: _Unit | None = None
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            current = None
            continue
        if _CJK_SECTION.match(line) and is_heading_like(line):  # 一、开场白: a heading
            current = _Unit("paragraph", [line])
            units.append(current)
            continue
        marker, ordered = _marker(line, allow_lowercase=_numbered_in_sequence(lines, index))
        if marker:
            item = line[marker:].strip()
            indent = len(raw) - len(raw.lstrip())
            typed = line[:marker].strip() if ordered else ""
            current = (
                _Unit("list_item", [item], indent=indent, ordered=ordered, marker=typed)
                if item
                else None
            )
            if current:
                units.append(current)
            continue
        # A line starting in lowercase continues a wrapped sentence, even after a line short
        # enough to be a heading ("… šā gada" / "15. martā, tāpēc …").
        lowercase = next((char for char in line if char.isalpha()), "").islower()
        continues = (
            current is not None
            and paragraphs_by_blank_lines
            and (
                lowercase
                or not guess_headings
                or not (current.kind == "paragraph" and _single_heading_line(current))
            )
            and not line.startswith(("»", "«"))
        )
        if (
            current is not None
            and current.kind == "paragraph"
            and paragraphs_by_blank_lines
            and current.speaking
            and _SPEAKER.match(line)
        ):
            continues = True  # the next line of a conversation, even after a short first one
        if continues and current is not None:
            current.add(line)
        else:
            current = _Unit("paragraph", [line], keep_breaks=keep_breaks)
            units.append(current)
    _nest(units)
    return units


def _nest(units: list[_Unit]) -> None:
    """A list item indented deeper than the item above it is a sub-item of that item."""
    indents: list[int] = []  # indentation of the open items, outermost first
    previous_was_item = False
    for unit in units:
        if unit.kind != "list_item":
            indents, previous_was_item = [], False
            continue
        if not previous_was_item:
            indents = [unit.indent]
            unit.opens_list = True
        else:
            while indents and unit.indent < indents[-1]:
                indents.pop()
            if not indents or unit.indent > indents[-1] + 1:
                indents.append(unit.indent)
        unit.level = len(indents) - 1
        previous_was_item = True


def _single_heading_line(unit: _Unit) -> bool:
    return len(unit.lines) == 1 and is_heading_like(unit.lines[0])


def lines_to_blocks(
    lines: list[str],
    *,
    paragraphs_by_blank_lines: bool,
    keep_breaks: bool = False,
    guess_headings: bool = True,
) -> list[Block]:
    """Blocks from lines of text laid out as in a plain-text file. ``keep_breaks``: the line
    breaks are the writer's own (<br> in HTML, Shift+Enter in Word), not wrapping.
    ``guess_headings``: a short line before text is a heading, as plain text has no other way
    to make one; formats with headings of their own only take Chinese numbered sections."""
    units = _units(
        lines,
        paragraphs_by_blank_lines=paragraphs_by_blank_lines,
        keep_breaks=keep_breaks,
        guess_headings=guess_headings,
    )
    texts = [unit.text for unit in units]
    heading_like = [
        unit.kind == "paragraph"
        and is_heading_like(text)
        and (guess_headings or cjk_section_level(text) is not None)
        for unit, text in zip(units, texts, strict=True)
    ]
    blocks: list[Block] = []
    for index, (unit, text) in enumerate(zip(units, texts, strict=True)):
        following = units[index + 1] if index + 1 < len(units) else None
        # A heading-like paragraph heads a section only when content comes right after it; one
        # followed by another short line, or standing last, is content itself, so nothing is
        # lost. A numbered Chinese section (二、处理投诉) heads one even when a subsection
        # (（一）…) comes right after it.
        next_is_content = following is not None and not heading_like[index + 1]
        section_level = cjk_section_level(text) if heading_like[index] else None
        if heading_like[index] and (next_is_content or (section_level and following)):
            level = section_level or SECTION_LEVEL
            blocks.append(Block(kind="heading", text=text.rstrip("."), level=level))
        elif (
            guess_headings
            and unit.kind == "paragraph"
            and following is not None
            and following.kind == "paragraph"
            and not heading_like[index + 1]
            and is_colon_heading(text)
        ):
            blocks.append(Block(kind="heading", text=text[:-1].rstrip(), level=SECTION_LEVEL))
        elif unit.kind == "list_item":
            blocks.append(
                Block(
                    kind="list_item",
                    text=text,
                    level=unit.level,
                    ordered=unit.ordered,
                    opens_list=unit.opens_list,
                    marker=unit.marker,
                )
            )
        else:
            blocks.append(Block(kind="paragraph", text=text))
    return blocks


def typed_blocks(text: str, *, keep_breaks: bool = True) -> list[Block]:
    """The blocks of one paragraph of a format with structure of its own (Markdown, HTML,
    Word), where lists and Chinese numbered headings are still often typed by hand (● …,
    a) …, （1）…, 一、…): read with the plain-text line rules, but no heading is guessed from
    a short line. ``keep_breaks``: its line breaks are the writer's (<br>, Shift+Enter)."""
    return lines_to_blocks(
        text.split("\n"),
        paragraphs_by_blank_lines=True,
        keep_breaks=keep_breaks,
        guess_headings=False,
    )


#: Markdown's inline marks, as editors type them in plain text too: **bold**, __bold__,
#: `code`, [text](address).
_INLINE_MARKS = re.compile(
    r"\*\*(?P<bold>[^*\n]+?)\*\*|__(?P<under>[^_\n]+?)__|`(?P<code>[^`\n]+)`"
    r"|\[(?P<text>[^\]\n]+)\]\((?P<href>(?:https?://|mailto:)[^)\s]+)\)"
)


def _without_marks(text: str) -> str:
    def plain(match: re.Match[str]) -> str:
        if match["text"] is not None:
            return link_text(match["text"], match["href"])
        return match["bold"] or match["under"] or match["code"]

    return _INLINE_MARKS.sub(plain, text)


def read_plain_text(body: str) -> list[Block]:
    """The blocks of a plain-text article body (title and front matter already taken off)."""
    lines = body.split("\n")
    blocks = lines_to_blocks(
        lines, paragraphs_by_blank_lines=any(not line.strip() for line in lines)
    )
    return [
        block.model_copy(update={"text": _without_marks(block.text)})
        if _INLINE_MARKS.search(block.text)
        else block
        for block in blocks
    ]
