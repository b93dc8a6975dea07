"""Inline markup reduced to text, the same way for every format."""

import re

_SHOWN_SCHEMES = ("http://", "https://", "mailto:")


def link_text(text: str, href: str | None) -> str:
    """A link as an agent can read and copy it: its text, then its address in parentheses
    when that says more than the text. Only web and mail addresses are shown; others
    (javascript:, file:, in-page anchors) are dropped."""
    text = text.strip()
    href = (href or "").strip()
    if not href.lower().startswith(_SHOWN_SCHEMES):
        return text
    shown = href[len("mailto:") :] if href.lower().startswith("mailto:") else href
    if not text:
        return shown
    if _comparable(text) == _comparable(shown):
        return text
    return f"{text} ({shown})"


def _comparable(address: str) -> str:
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", address.lower()).rstrip("/")


#: Alt text that describes nothing an agent needs: decoration, not content.
_DECORATIVE_ALT = re.compile(
    r"^(?:logo|icon|image|img|picture|photo|spacer|banner|avatar|bullet|arrow)\b|"
    r"\.(?:png|jpe?g|gif|svg|webp|bmp)$",
    re.IGNORECASE,
)


def content_alt(alt: str | None) -> str:
    """An image's alt text when it carries content, else ''."""
    alt = " ".join((alt or "").split())
    return "" if not alt or _DECORATIVE_ALT.search(alt) else alt


_ALT_OPEN, _ALT_CLOSE = "\u2063\u2062", "\u2062\u2063"  # around alt text, until checked
_MARKED_ALT = re.compile(f"{_ALT_OPEN}.*?{_ALT_CLOSE}", re.DOTALL)


def marked_alt(alt: str | None) -> str:
    """An image's content alt text (see :func:`content_alt`), marked for
    :func:`checked_alt`, which can only tell once its paragraph is read whether it is text."""
    alt = content_alt(alt)
    return f"{_ALT_OPEN}{alt}{_ALT_CLOSE}" if alt else ""


def checked_alt(text: str, dropped: list[str]) -> str:
    """Alt text is content inside text (an icon named in a sentence); an image alone in its
    paragraph (paragraphs parted by a blank line) is an illustration, and its alt text no tip."""
    if _ALT_OPEN not in text:
        return text
    kept = []
    for paragraph in text.split("\n\n"):
        if not _MARKED_ALT.sub("", paragraph).strip():
            dropped.append("an image on its own (its alt text is no tip)")
            continue
        kept.append(tidy(without_alt_marks(paragraph)))
    return "\n\n".join(kept)


def without_alt_marks(text: str) -> str:
    """``text`` with any alt text kept as it is, unmarked (where no tip is cut: a heading)."""
    return text.replace(_ALT_OPEN, "").replace(_ALT_CLOSE, "")


def tidy(text: str, *, blank_lines: bool = False) -> str:
    """Runs of spaces collapsed and each line trimmed; line breaks kept, empty lines dropped
    (with ``blank_lines``, empty lines between text kept as one blank line)."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    if not blank_lines:
        return "\n".join(line for line in lines if line)
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip("\n")
