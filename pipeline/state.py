"""What earlier ingests already did, so unchanged articles are not processed again.

The state is keyed by article id and the hash of the article's normalised text. It is a
shortcut for processing (a missing or unreadable state file means a full ingest), and it is
where the last good version of an article is found when its file is later rejected: without
the state such an article drops out of the next version instead.
"""

from pathlib import Path

from pydantic import BaseModel, ValidationError

from pipeline.editor_translations import EditorTranslationFile
from pipeline.files import atomic_write_text
from pipeline.schema import Article, Tip

STATE_FILE = Path("state") / "articles.json"


class ProcessedArticle(BaseModel):
    article: Article
    tips: list[Tip]
    #: sha256 of the file it was read from: the same bytes need not be read again.
    source_digest: str = ""


class IngestState(BaseModel):
    segmenter_version: int = 0
    articles: dict[str, ProcessedArticle] = {}
    #: The editor translation files in use, by path: a file broken later keeps serving its
    #: last good version, as an article does.
    translations: dict[str, EditorTranslationFile] = {}


def load_state(data_dir: Path) -> IngestState:
    try:
        return IngestState.model_validate_json((data_dir / STATE_FILE).read_bytes())
    except (OSError, ValidationError, ValueError):
        return IngestState()


def save_state(data_dir: Path, state: IngestState) -> None:
    atomic_write_text(data_dir / STATE_FILE, state.model_dump_json())
