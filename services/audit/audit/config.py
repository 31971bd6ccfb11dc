"""Settings of the audit service (environment variables prefixed ``AUDIT_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from jointcheck.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIT_", extra="ignore")

    service_name: str = "audit"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/jc_audit"

    # The independent witness: every executed draw is replayed, and replayed again weekly.
    scheduler_enabled: bool = True
    scheduler_poll_seconds: float = Field(15.0, gt=0, description="how often each replica looks for due jobs")
    replay_interval_seconds: float = Field(300.0, gt=0, description="between two passes over sampling's draws")
    replay_max_age_seconds: float = Field(7 * 86400.0, gt=0, description="a draw is replayed again after this long")
    chain_verify_interval_seconds: float = Field(3600.0, gt=0, description="between two verifications of the chain")
    scheduler_lease_seconds: float = Field(1800.0, gt=0, description="a replica that died mid-job frees it after this")
    replay_workers: int = Field(1, ge=1, le=64, description="processes draw-v1 may use to recompute a result")


@lru_cache
def get_settings() -> Settings:
    return Settings()
