"""All of csguide's settings, read once from ``CSGUIDE_*`` environment variables (or ``.env``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


@lru_cache
def get_settings() -> Settings:
    return Settings()
