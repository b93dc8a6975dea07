"""Paths and small builders shared by tests."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUNDLED_CONTENT = REPO / "content"


def write_article(content_dir: Path, rel: str, text: str | bytes) -> Path:
    """Write an article file (text as UTF-8, bytes as they are) under ``content_dir``."""
    path = content_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
