"""Sentence splitting for machine translation: models translate sentences far better than
paragraphs, and every sentence is translated on its own, so a wrong cut damages a translation.

The cuts come from sentencex (Wikimedia's rule-based segmenter), with thin guard rules on top
for what it gets wrong in customer-service text in lv, it, zh, ru and en. Where a rule cannot
tell, it leaves the text uncut: two sentences together translate better than one cut in two.

* a line break is a hard boundary (lists pasted as lines, lines without a stop);
* cuts it misses are added: before a capital, after an ellipsis, a list-closing abbreviation
  ("ecc.", "т.д."), or a unit or a month after a number ("500 руб.", "2 kg.", "2 мин.",
  "31 дек."), and in Italian, whose sentencex list holds everyday words ("so", "fa", "file",
  "app"), after a word ending in a vowel or following an article ("l'app.", "il pdf.");
  after "." before a name like "iPhone"; after "。！？" before a Latin letter or digit;
* cuts that are no boundary are undone: a piece starting in lowercase continues (an
  abbreviation or an ordinal such as "15. martā" ended it); so does whatever follows an
  abbreviation that never ends a sentence ("piem.", "т.е.", "Mr.", "il sig."); a number
  continues after an abbreviation that takes it ("n. 12"), a month after a day ("31 дек.
  2024"), or any short lowercase word ending as no full word does ("apm. 3", "ок. 10"; not
  "dopo. 3", "viss. 3") that closes no list and is no unit ("2 kg. 3"); whatever is not
  capitalised continues after an ellipsis, or after a quotation that opens the sentence
  ("「等等！」她喊道。"); none inside 『…』, which sentencex does not know;
* a piece of no letters ("3.", "—", "1)") goes with its neighbour: the abbreviation before it
  ("sk. 3."), or else the sentence after it ("2. Nospiediet …").
"""

import re
from collections.abc import Sequence

from sentencex import segment

#: Bumped whenever these rules change where text is cut: every machine translation is made
#: sentence by sentence, so the translation memory redoes what an older revision cut.
REVISION = 1

#: Abbreviations that never end a sentence: whatever follows them continues it. Italian titles
#: follow an article ("il dr. Rossi"), which before a capital otherwise ends one ("il pdf.").
_NON_TERMINAL: dict[str, frozenset[str]] = {
    "lv": frozenset({"piem.", "t.i.", "t.sk.", "sk.", "nr.", "plkst.", "tālr.", "resp."}),
    "it": frozenset(
        {"sig.", "sig.ra", "sig.na", "sigg.", "dott.", "dott.ssa", "dr.", "dr.ssa", "prof."}
        | {"prof.ssa", "avv.", "ing.", "arch.", "geom.", "rag.", "on.", "sen.", "cav.", "comm."}
        | {"gen.", "col.", "mons.", "spett."}  # "gen." after a day is a month: "6 gen."
        | {"es.", "cfr.", "ca."}
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
#: Final letters no abbreviation has (they are cut before a vowel, and a Latvian noun ends in
#: -s or -š): a short word ending in one is a word, so a number after it may start a sentence.
_WORD_FINALS: dict[str, str] = {
    "lv": "aāeēiīoōuūsš",
    "it": "aàeèéiìíoòóuù",
    "ru": "аеёиоуыэюяйьъ",
    "en": "aeiouy",
}
#: A short word and its stop: lowercase, and not ending as above, it takes a number ("apm. 3").
_SHORT_WORD_RE = re.compile(r"[^\W\d_]{1,5}\.")
#: Units after a number in every language; a sentence may end on one.
_UNITS = r"kg|g|mg|km|m|cm|mm|l|ml|min|h|s|€|\$|%"
#: Abbreviations that close a list, and units after a number ("2024 г.", "500 руб.", "2 kg.";
#: but not "г. Москва"): they can end a sentence, and before a capital they do.
_ENDING: dict[str, tuple[str, str]] = {
    "lv": (r"utt|u\.\s?c|u\.\s?tml", r"gab|st|sek"),
    "it": (r"ecc|etc", r"gg|sec|pz|mq"),
    "ru": (r"т\.\s?д|т\.\s?п|др", r"г|гг|руб|коп|тыс|млн|млрд|кг|км|м|см|мм|л|мл|мин|ч|сек|с|шт"),
    "en": (r"etc", r"pcs|min|mins|hr|hrs|sec|secs|lb|lbs|oz|ft"),
}
_ENDING_PATTERN = {
    lang: rf"(?:(?<![\w.])(?:{words})|(?<=\d)\s?(?:{units}|{_UNITS}))\."
    for lang, (words, units) in _ENDING.items()
}
_ENDING_RE = {lang: re.compile(rf"{pattern}(?=\s)") for lang, pattern in _ENDING_PATTERN.items()}
_ENDING_END_RE = {lang: re.compile(rf"{pattern}$") for lang, pattern in _ENDING_PATTERN.items()}
#: Month abbreviations: after a day ("31 дек.", "31. dec.") they take a year, and can end a
#: sentence.
_MONTHS: dict[str, str] = {
    "lv": r"janv?|febr?|apr|jūn|jūl|aug|sept?|okt|nov|dec",
    "it": r"genn?|febb?r?|mar|apr|magg?|giu|lug|ago|sett?|ott|nov|dic",
    "ru": r"янв|февр?|мар|апр|июн|июл|авг|сент?|окт|нояб?|дек",
    "en": r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec",
}
_MONTH_RE = {
    lang: re.compile(rf"(?<=\d)\.?\s(?:{months})\.(?=\s)", re.IGNORECASE)
    for lang, months in _MONTHS.items()
}
_MONTH_END_RE = {
    lang: re.compile(rf"\d\.?\s(?:{months})\.$", re.IGNORECASE) for lang, months in _MONTHS.items()
}
#: Words that sentencex takes for abbreviations but that end a sentence before a capital:
#: Italian ones ending in a vowel (its abbreviations never do: "so.", "fa.", "file.") or after
#: an article ("l'app.", "il pdf."), unless _NON_TERMINAL has them ("il sig. Rossi").
_IT_ARTICLE = r"il|lo|la|i|gli|le|un|uno|una|(?:de|a|da|ne|su)(?:l|llo|lla|i|gli|lle)"
_IT_ELIDED = r"l|(?:de|a|da|ne|su)ll|un|quell"
_WORD_END_RE: dict[str, re.Pattern[str]] = {
    "it": re.compile(
        rf"(?:(?<![\w.])[^\W\d_]+[{_WORD_FINALS['it']}]"
        rf"|(?<![\w.])(?:(?:{_IT_ARTICLE})\s+|(?:{_IT_ELIDED})['’])[^\W\d_]+)\.(?=\s)",
        re.IGNORECASE,
    ),
}
_ELLIPSIS_RE = re.compile(r"(?:…+|\.{3,})(?=\s)")
# sentencex never cuts before a lowercase ASCII letter, nor after "。" before an ASCII letter or
# a digit. After "." it does cut before a digit, unless its own list has the word ("ок. 10").
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
_ELISION_RE = re.compile(r"['’]")


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
    ending = [_ENDING_RE[tables], _MONTH_RE[tables], _ELLIPSIS_RE]
    if tables in _WORD_END_RE:
        ending.append(_WORD_END_RE[tables])
    for regex in ending:
        for m in regex.finditer(line):
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
    # The word without an elided article: "l'avv." is "avv.".
    raw = _ELISION_RE.split(m.group(1).lstrip(_OPENERS))[-1] if m else ""
    word = raw.lower()
    after_number = m is not None and before[: m.start()].rstrip()[-1:].isdigit()
    number = piece.lstrip(_OPENERS + " ")[:1].isdigit()
    if word and not after_number:  # after a number an abbreviation is a unit: "5 см."
        if word in _NON_TERMINAL[tables]:
            return True
        if word in _BEFORE_NUMBER[tables] and number:
            return True
    if number and _takes_number(raw, before.rstrip(), tables):
        return True
    if letterless:
        return False
    if first.islower():
        return not _CAMEL_RE.match(piece.lstrip(_OPENERS + " —–-"))
    # After an ellipsis only a capital starts a new sentence ("请稍等...我帮您查一下").
    return bool(_ELLIPSIS_END_RE.search(head)) and not first.isupper()


def _takes_number(word: str, head: str, tables: str) -> bool:
    """Whether `word`, which ends `head` (the text before a number), is an abbreviation the
    number goes with: a month after a day, or a short lowercase word that ends as no full word
    does ("apm.", "ок.", "num.") and closes no list and is no unit ("2 kg.")."""
    if _MONTH_END_RE[tables].search(head):
        return True
    return (
        _SHORT_WORD_RE.fullmatch(word) is not None
        and word.islower()
        and word[-2] not in _WORD_FINALS[tables]
        and not _ENDING_END_RE[tables].search(head)
    )


def _starts_upper(tail: str) -> bool:
    first = next((ch for ch in tail if ch.isalnum()), "")
    return first.isupper()
