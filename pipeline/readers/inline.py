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


def tidy(text: str) -> str:
    """Runs of spaces collapsed and each line trimmed; line breaks kept, empty lines dropped."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
