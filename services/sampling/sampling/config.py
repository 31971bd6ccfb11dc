"""Settings of the sampling service (environment variables prefixed ``SAMPLING_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from jointcheck.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SAMPLING_", extra="ignore")

    service_name: str = "sampling"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/jc_sampling"
    # Processes used to compute tickets of large frames (results are identical for any count).
    draw_workers: int = 2
    # A deployment may allow internal draws with no public entropy (announced as "none").
    allow_draws_without_entropy: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
