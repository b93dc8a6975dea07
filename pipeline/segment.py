"""Stage 4, segment: cut an article into tips.

A tip is one paragraph of prose or one list item (a bullet, a lettered or numbered rule). Its
title is the heading of the section it stands in, or the article title before the first heading;
the article title travels with every tip as its context.

Layout is read the way editors write it: paragraphs are separated by blank lines, or, in a file
with no blank lines at all (common in Chinese), each line is a paragraph. Hard-wrapped lines of
one paragraph are joined again.
"""

import hashlib
import re
from dataclasses import dataclass

from pipeline.schema import Article, Tip, TipKind

# The em dash is left out: in Russian it opens dialogue lines, not list items.
_BULLET = re.compile(r"^\s*(?:[●•◦▪‣∙·]\s*|[-–*]\s+)")
_LETTERED = re.compile(r"^\s*\(?[a-zA-Zа-яА-ЯёЁ]\)\s+")
_NUMBERED = re.compile(
    r"^\s*[(（]?(?:\d{1,2}|[一二三四五六七八九十]{1,3})(?P<dot>\.)?(?:(?(dot)\s+|[)、．）]\s*))"
)
#: How Chinese documents number their sections: 一、 （一） 第一条 / 第二章 / 第三节 / 第四部分.
#: Such a line with a short title after it is a heading, not a list item.
_CJK_SECTION = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）]"
    r"|第[一二三四五六七八九十百\d]{1,4}(?:条|章|节|部分|篇))\s*"
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: What may stand on either side of a break in wrapped CJK text: ideographs, and the CJK and
#: full-width punctuation around them (。，、：；！？（）「」…), none of which takes a space.
_CJK_WRAP = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_CLAUSE_PUNCTUATION = re.compile(r"[,;，；、。:：]")
#: How a CJK sentence ends; a heading may still ask a question (如何处理投诉？).
_SENTENCE_ENDS = ("。", "！", "；", "…")

#: Bump when the rules below change what tips an article gives; cached tips are then redone.
SEGMENTER_VERSION = 4

#: A heading is short: at most this many words (scripts with spaces) or characters (CJK).
MAX_HEADING_WORDS = 10
MAX_HEADING_CJK_CHARS = 25
MAX_HEADING_CHARS = 90


@dataclass
class _Unit:
    kind: TipKind
    lines: list[str]

    @property
    def text(self) -> str:
        joined = self.lines[0]
        for line in self.lines[1:]:
            # Wrapped CJK text has no space at the break, after its punctuation either
            # (…姓名。如果…); other scripts do.
            glue = "" if _CJK_WRAP.match(joined[-1:]) and _CJK_WRAP.match(line[:1]) else " "
            joined = f"{joined}{glue}{line}"
        return " ".join(joined.split())


def list_marker_end(line: str) -> int:
    """Length of the list marker that starts ``line`` (0 when it is not a list item)."""
    for pattern in (_BULLET, _LETTERED, _NUMBERED):
        match = pattern.match(line)
        if match:
            following = line[match.end() : match.end() + 1]
            if match.groupdict().get("dot") and following.islower():
                return 0  # "15. martā" is a Latvian date; "15. Marts" or "1. Rispondere" a list
            return match.end()
    return 0


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
    if _CJK.search(text):
        return (
            len(text) <= MAX_HEADING_CJK_CHARS
            and not _CLAUSE_PUNCTUATION.search(text[:-1])
            and not text.endswith(_SENTENCE_ENDS)  # a sentence, not a heading
        )
    first_letter = next((char for char in text if char.isalpha()), "")
    if first_letter.islower():
        return False  # the continuation of a wrapped line
    words = text.split()
    if len(words) > MAX_HEADING_WORDS or _CLAUSE_PUNCTUATION.search(text[:-1]):
        return False
    if text.endswith((":", "：", ";", ",")):
        return False
    if text.endswith(".") and not text.endswith("..."):
        return len(words) <= 5
    return True


def _units(body: str) -> list[_Unit]:
    lines = body.split("\n")
    paragraphs_by_blank_lines = any(not line.strip() for line in lines)
    units: list[_Unit] = []
    current: _Unit | None = None
    for raw in lines:
        line = raw.strip()
        if not line:
            current = None
            continue
        if _CJK_SECTION.match(line) and is_heading_like(line):  # 一、开场白: a heading
            current = _Unit("paragraph", [line])
            units.append(current)
            continue
        marker = list_marker_end(line)
        if marker:
            item = line[marker:].strip()
            current = _Unit("list_item", [item]) if item else None
            if current:
                units.append(current)
            continue
        continues = (
            current is not None
            and paragraphs_by_blank_lines
            and not (current.kind == "paragraph" and _single_heading_line(current))
            and not line.startswith(("»", "«"))
        )
        if continues and current is not None:
            current.lines.append(line)
        else:
            current = _Unit("paragraph", [line])
            units.append(current)
    return units


def _single_heading_line(unit: _Unit) -> bool:
    return len(unit.lines) == 1 and is_heading_like(unit.lines[0])


#: Tip ids end with this many hex digits of the text's sha256 (editor files quote them).
TIP_HASH_CHARS = 10


def _tip_id(article_id: str, digest: str, seen: dict[str, int]) -> str:
    base = f"{article_id}/{digest[:TIP_HASH_CHARS]}"
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"  # the same text again


def segment_article(article: Article) -> list[Tip]:
    units = _units(article.body)
    # A heading-like paragraph heads a section only when content comes right after it; one
    # followed by another short line, or standing last, is content itself, so nothing is lost.
    texts = [unit.text for unit in units]
    heading_like = [
        unit.kind == "paragraph" and is_heading_like(t)
        for unit, t in zip(units, texts, strict=True)
    ]
    tips: list[Tip] = []
    seen: dict[str, int] = {}
    section = article.title
    for index, (unit, text) in enumerate(zip(units, texts, strict=True)):
        next_is_content = index + 1 < len(units) and not heading_like[index + 1]
        # A numbered Chinese section (二、处理投诉) heads one even when a subsection (（一）…)
        # comes right after it.
        numbered = heading_like[index] and bool(_CJK_SECTION.match(text)) and index + 1 < len(units)
        if heading_like[index] and (next_is_content or numbered):
            section = text.rstrip(".")
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()
        tips.append(
            Tip(
                id=_tip_id(article.id, digest, seen),
                article=article.id,
                lang=article.lang,
                position=len(tips),
                kind=unit.kind,
                title=section,
                context=article.title,
                text=text,
                hash=digest,
            )
        )
    return tips
