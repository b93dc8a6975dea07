"""Sentence splitting for machine translation: models translate sentences far better than
paragraphs, and every sentence is translated on its own, so a wrong cut damages a translation.

The cuts come from sentencex (Wikimedia's rule-based segmenter), with thin guard rules on top
for what it gets wrong in customer-service text in lv, it, zh, ru and en:

* a line break is a hard boundary (lists pasted as lines, lines without a stop);
* cuts it misses are added: after an ellipsis or a list-closing abbreviation ("ecc.", "т.д.",
  "500 руб.") before a capital; after "." before a name like "iPhone"; after "。！？" before a
  Latin letter or digit;
* cuts that are no boundary are undone: a piece starting in lowercase continues (an
  abbreviation or an ordinal such as "15. martā" ended it); so does whatever follows an
  abbreviation that never ends a sentence ("piem.", "т.е.", "Mr.") or a number after one that
  takes it ("n. 12"); and whatever is not capitalised after an ellipsis, or after a quotation
  that opens the sentence ("「等等！」她喊道。"); none inside 『…』, which sentencex does not know;
* a piece of no letters ("3.", "—", "1)") goes with its neighbour: the abbreviation before it
  ("sk. 3."), or else the sentence after it ("2. Nospiediet …").
"""

import re
from collections.abc import Sequence

from sentencex import segment

#: Abbreviations that never end a sentence: whatever follows them continues it.
_NON_TERMINAL: dict[str, frozenset[str]] = {
    "lv": frozenset({"piem.", "t.i.", "t.sk.", "sk.", "nr.", "plkst.", "tālr.", "resp."}),
    "it": frozenset(
        {"sig.", "sig.ra", "sigg.", "dott.", "dott.ssa", "prof.", "es.", "cfr.", "ca."}
    ),
    "ru": frozenset({"т.е.", "т.к.", "см.", "напр.", "г.", "ул.", "им."}),
    "en": frozenset({"e.g.", "i.e.", "mr.", "mrs.", "ms.", "dr.", "cf.", "vs.", "approx."}),
}
#: Abbreviations that take a number ("n. 12", "No. 5"); short enough to be words or initials
#: otherwise, so they hold only before a digit.
_BEFORE_NUMBER: dict[str, frozenset[str]] = {
    "lv": frozenset({"p.", "lpp.", "tel."}),
    "it": frozenset({"n.", "nr.", "pag.", "p.", "art.", "tel."}),
    "ru": frozenset({"п.", "пп.", "стр.", "ст.", "тел.", "№"}),
    "en": frozenset({"no.", "nr.", "p.", "pp.", "tel."}),
}
#: Abbreviations that close a list, and units after a number ("2024 г.", "500 руб."; but not
#: "г. Москва"): they can end a sentence, and before a capital they do.
_ENDING: dict[str, tuple[str, str]] = {
    "lv": (r"utt|u\.\s?c|u\.\s?tml", r"gab"),
    "it": (r"ecc|etc", r"gg"),
    "ru": (r"т\.\s?д|т\.\s?п|др", r"г|гг|руб|коп|тыс|млн|млрд|см"),
    "en": (r"etc", r"pcs"),
}
_ENDING_RE = {
    lang: re.compile(rf"(?:(?<![\w.])(?:{words})|(?<=\d)\s?(?:{units}))\.(?=\s)")
    for lang, (words, units) in _ENDING.items()
}
_ELLIPSIS_RE = re.compile(r"(?:…+|\.{3,})(?=\s)")
# sentencex never cuts before a lowercase ASCII letter or a digit, not even after "。".
_CAMEL_AFTER_STOP_RE = re.compile(r"(?<=[^\W\d_]{2}\.)(?=\s+[a-z]+[A-Z])")
_FULLWIDTH_THEN_LATIN_RE = re.compile(r"[。！？]+[」』”’）》】]*(?=\s*[0-9A-Za-z])")
#: Quotation marks sentencex does not know: nothing inside them is cut.
_EXTRA_QUOTES_RE = re.compile(r"『[^』]*』|【[^】]*】")

_OPENERS = "\"'«„“‘(（[「『《【"
_CLOSERS = "\"'»”’)）]」』》】"
_FULLWIDTH_STOPS = ("。", "！", "？")
_LINE_BREAK_RE = re.compile(r"\r\n|[\n\r\u2028\u2029]")
_CAMEL_RE = re.compile(r"[a-z]+[A-Z]")
_ELLIPSIS_END_RE = re.compile(r"(?:…|\.\.\.)$")
_LAST_WORD_RE = re.compile(r"(\S+)\s*$")


def _base_lang(lang: str) -> str:
    """The base code ("zh-Hans" → "zh"); sentencex falls back by itself for unknown ones."""
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0] or "en"


def split_sentences(text: str, lang: str) -> list[list[str]]:
    """The text's lines (split at line breaks), each the list of its sentences, stripped.
    A blank line is an empty list, so the layout survives translation."""
    if not text:
        return []
    code = _base_lang(lang)
    tables = code if code in _NON_TERMINAL else "en"
    return [_split_line(line, code, tables) for line in _LINE_BREAK_RE.split(text)]


def join_sentences(lines: Sequence[Sequence[str]], lang: str) -> str:
    """Inverse for translated sentences in language `lang`: sentences of a line joined with
    "" for zh and " " otherwise; lines joined with "\n"."""
    sep = "" if _base_lang(lang) == "zh" else " "
    return "\n".join(sep.join(s.strip() for s in line if s.strip()) for line in lines)


# `code` is the language for sentencex, `tables` the key into the abbreviation tables above.
def _split_line(line: str, code: str, tables: str) -> list[str]:
    if not line.strip():
        return []
    cuts = _cuts(line, code, tables)
    spans = [(a, b) for a, b in zip([0, *cuts], [*cuts, len(line)], strict=True)]
    return _merge(line, [s for s in spans if line[s[0] : s[1]].strip()], tables)


def _cuts(line: str, code: str, tables: str) -> list[int]:
    """Candidate boundaries: sentencex's, plus the ones it misses."""
    cuts: set[int] = set()
    pos = 0
    for piece in segment(code, line):
        pos += len(piece)
        cuts.add(pos)
    for m in _ENDING_RE[tables].finditer(line):
        if _starts_upper(line[m.end() :]):
            cuts.add(m.end())
    for m in _ELLIPSIS_RE.finditer(line):
        if _starts_upper(line[m.end() :]):
            cuts.add(m.end())
    cuts.update(m.end() for m in _CAMEL_AFTER_STOP_RE.finditer(line))
    cuts.update(m.end() for m in _FULLWIDTH_THEN_LATIN_RE.finditer(line))
    # A closing quote or bracket right after the stop belongs to the sentence before the cut
    # (after a space, a quote opens the next one).
    moved = set()
    for cut in cuts:
        while cut < len(line) and line[cut] in _CLOSERS and not line[cut - 1].isspace():
            cut += 1
        moved.add(cut)
    quoted = [m.span() for m in _EXTRA_QUOTES_RE.finditer(line)]
    return sorted(c for c in moved if 0 < c < len(line) and not any(a < c < b for a, b in quoted))


def _merge(line: str, spans: list[tuple[int, int]], tables: str) -> list[str]:
    """Undo the cuts that are no boundary; see the module docstring."""
    merged: list[list[int]] = []
    pending: int | None = None  # start of letterless pieces waiting for a neighbour
    for start, end in spans:
        piece = line[start:end]
        if not any(ch.isalpha() for ch in piece):
            if pending is not None:
                continue
            if merged and _continues(line[merged[-1][0] : merged[-1][1]], piece, tables, True):
                merged[-1][1] = end  # "tālr. 67000000."
            else:
                pending = start
            continue
        if pending is not None:  # "3. punkts …": the ordinal starts a sentence after a stop
            merged.append([pending, end])
        elif merged and _continues(line[merged[-1][0] : start], piece, tables, False):
            merged[-1][1] = end
        else:
            merged.append([start, end])
        pending = None
    if pending is not None:
        if merged:
            merged[-1][1] = len(line)
        else:
            merged.append([pending, len(line)])
    return [line[a:b].strip() for a, b in merged]


def _continues(before: str, piece: str, tables: str, letterless: bool) -> bool:
    """Whether `piece` continues the sentence that `before` (the text up to it) has begun."""
    head = before.rstrip().rstrip(_CLOSERS + " ")
    first = next((ch for ch in piece if ch.isalnum()), "")
    quote = before.strip()
    if not letterless and quote and quote[0] in _OPENERS and quote[-1] in _CLOSERS:
        # A quotation alone goes on uncapitalised: "「等等！」她喊道。", "«Да!» — сказал он."
        return first.isalpha() and not first.isupper()
    if head.endswith(_FULLWIDTH_STOPS):  # unambiguous, whatever follows
        return False
    m = _LAST_WORD_RE.search(before)
    word = m.group(1).lstrip(_OPENERS).lower() if m else ""
    after_number = m is not None and before[: m.start()].rstrip()[-1:].isdigit()
    if word and not after_number:  # after a number an abbreviation is a unit: "5 см."
        if word in _NON_TERMINAL[tables]:
            return True
        if word in _BEFORE_NUMBER[tables] and piece.lstrip(_OPENERS + " ")[:1].isdigit():
            return True
    if letterless:
        return False
    if first.islower():
        return not _CAMEL_RE.match(piece.lstrip(_OPENERS + " —–-"))
    # After an ellipsis only a capital starts a new sentence ("请稍等...我帮您查一下").
    return bool(_ELLIPSIS_END_RE.search(head)) and not first.isupper()


def _starts_upper(tail: str) -> bool:
    first = next((ch for ch in tail if ch.isalnum()), "")
    return first.isupper()
