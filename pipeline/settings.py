"""All of csguide's settings, read once from ``CSGUIDE_*`` environment variables (or ``.env``)."""

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.languages import Lang

#: Argos Translate's public package index; used only by ``csguide models install --online``.
ARGOS_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"


class ApiKey(BaseModel):
    """An API key as configured: never the key itself, only its sha256 (``csguide keys new``)."""

    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    lang: Lang | None = Field(None, description="Default answer language for this key's callers.")
    rate_per_minute: int | None = Field(None, ge=1, description="Overrides the default limit.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSGUIDE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path("var"), description="Where indexes, their versions and the ingest state live."
    )
    content_dir: Path = Field(
        Path("content"), description="Editors' articles, one folder per language."
    )
    max_article_bytes: int = Field(
        1024 * 1024, gt=0, description="Larger article files are rejected by ingest."
    )
    keep_versions: int = Field(
        3, ge=2, description="Published index versions kept on disk (for rollback)."
    )
    index_workers: int = Field(
        0, ge=0, description="Processes building the language indexes; 0: one per core (max 5)."
    )
    models_dir: Path | None = Field(
        None, description="Installed translation models; default: <data dir>/models."
    )
    translation_threads: int = Field(
        0,
        ge=0,
        description="CPU threads per translation model; 0: all cores but one (at least 1, "
        "at most 4), leaving a core to the API while ingest translates.",
    )
    translation_beam_size: int = Field(
        4, ge=1, le=8, description="Beam size for translation (Argos Translate uses 4)."
    )
    translation_batch_size: int = Field(32, ge=1, description="Sentences per CTranslate2 batch.")
    argos_index_url: str = Field(
        ARGOS_INDEX_URL, description="Package index for 'csguide models install --online'."
    )
    default_lang: Lang = Field("en", description="Answer language when nothing else decides.")
    api_keys: list[ApiKey] = Field(
        default_factory=list,
        description="JSON list; when any is configured, every /v1 request needs X-API-Key.",
    )
    admin_keys: list[str] = Field(
        default_factory=list,
        description="JSON list of sha256 hashes of the keys that open /admin/report "
        "('csguide keys new NAME --admin').",
    )
    rate_limit_per_minute: int = Field(
        120, ge=0, description="Requests per minute per API key (0: no limit)."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="JSON list of origins allowed to call the API."
    )
    frame_ancestors: list[str] = Field(
        default_factory=lambda: ["'self'"],
        description="JSON list of the pages that may frame the demo page and docs (CSP "
        'frame-ancestors), e.g. ["\'self\'", "https://intranet.example"].',
    )
    max_query_chars: int = Field(500, ge=1, description="Longer queries are refused.")
    header_timeout: float = Field(
        10.0,
        gt=0,
        le=600,
        description="Seconds a client has to send a whole request head before the server "
        "closes the connection (idle or dribbling clients).",
    )
    max_connections: int = Field(
        1000,
        ge=1,
        description="Open client connections per worker process (never more than its file "
        "descriptors allow); past it the longest-idle one is closed.",
    )
    analytics: bool = Field(
        True,
        description="Record searches and agents' events for 'csguide report' (0: record nothing).",
    )
    analytics_days: int = Field(90, ge=1, description="Days analytics records are kept.")
    database_url: str | None = Field(
        None,
        description="postgresql://… : keep analytics in PostgreSQL, shared by several hosts "
        "(default: analytics.sqlite in the data dir).",
    )
    search_cache: int = Field(
        1024,
        ge=0,
        description="Search responses kept per server process for repeated queries (0: off).",
    )
    detect_min_confidence: float = Field(
        0.5, ge=0, le=1, description="Below this, a query's detected language is not used."
    )

    @property
    def models_path(self) -> Path:
        return self.models_dir if self.models_dir is not None else self.data_dir / "models"

    @property
    def translation_memory_path(self) -> Path:
        return self.data_dir / "translation-memory.sqlite"

    @property
    def index_processes(self) -> int:
        return self.index_workers or max(1, min(os.cpu_count() or 1, 5))

    @property
    def threads(self) -> int:
        return self.translation_threads or max(1, min((os.cpu_count() or 1) - 1, 4))


@lru_cache
def get_settings() -> Settings:
    return Settings()
