"""What earlier ingests already did, so unchanged articles are not processed again.

The state is a cache keyed by article id and the hash of the article's normalised text; it is
only ever a shortcut, so a missing or unreadable state file just means a full ingest.
"""

import os
import uuid
from pathlib import Path

from pydantic import BaseModel, ValidationError

from pipeline.schema import Article, Tip

STATE_FILE = Path("state") / "articles.json"


class ProcessedArticle(BaseModel):
    article: Article
    tips: list[Tip]


class IngestState(BaseModel):
    segmenter_version: int = 0
    articles: dict[str, ProcessedArticle] = {}


def load_state(data_dir: Path) -> IngestState:
    try:
        return IngestState.model_validate_json((data_dir / STATE_FILE).read_bytes())
    except (OSError, ValidationError, ValueError):
        return IngestState()


def save_state(data_dir: Path, state: IngestState) -> None:
    path = data_dir / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    temporary.write_text(state.model_dump_json(), encoding="utf-8")
    os.replace(temporary, path)
