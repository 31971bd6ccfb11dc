"""Settings of the results service (environment variables prefixed ``RESULTS_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from jointcheck.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESULTS_", extra="ignore")

    service_name: str = "results"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/jc_results"
    # Results are due this many working days after a task's inspection window ends.
    results_due_working_days: int = Field(20, ge=1, le=250)
    # Holiday schedules of years the chinesecalendar package does not know, loaded at startup:
    # JSON files of {"year", "days_off", "makeup_workdays", "source"} (or lists of them),
    # e.g. RESULTS_CALENDAR_FILES='["/etc/jointcheck/holidays-2027.json"]'.
    calendar_files: list[Path] = Field(default_factory=list)


@lru_cache
def get_settings() -> Settings:
    return Settings()
