"""Settings of the registry service (environment variables prefixed ``REGISTRY_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from jointcheck.settings import ServiceSettings
from registry.entities.importer import ImportLimits


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/jc_registry"
    # Bulk imports of CSV files at least this large are validated by this many processes.
    import_workers: int = 2
    import_parallel_min_bytes: int = 16 << 20
    # Bulk import limits: the upload (streamed to disk), and what reading it may cost.
    import_max_bytes: int = 4 << 30
    import_max_errors: int = 1000
    import_max_rows: int = 20_000_000
    import_max_cell_chars: int = 32_767
    import_max_record_chars: int = 1 << 20
    import_max_seconds: float = 3600.0
    import_xlsx_max_uncompressed_bytes: int = 2 << 30
    import_xlsx_max_shared_strings: int = 4 << 20
    import_xlsx_max_shared_string_chars: int = 64 << 20

    # The collaborative supervision platform's change feed (the GSXT emulator in development):
    # where it lives, which division the registry follows, how it pulls.
    # Unset: the GSXT URL (``REGISTRY_GSXT_URL`` / ``JC_GSXT_URL``; the emulator in development).
    platform_url: str | None = None
    platform_division: str = Field("411523", pattern=r"^[0-9]{2,6}$")
    platform_page_size: int = Field(5000, ge=1, le=10_000)
    platform_timeout: float = Field(30.0, gt=0)
    # Pull every this many seconds in the background (every replica may; they take turns); 0: on demand only.
    platform_sync_interval: float = Field(0.0, ge=0)
    platform_max_pages_per_run: int = Field(1000, ge=1)
    # Rejected events listed per run (all are counted).
    platform_max_rejects_listed: int = Field(1000, ge=0)

    # Credit-class syncs are JSON read whole by the request guard: their own, larger limit.
    credit_sync_max_bytes: int = 32 << 20

    def body_limit_for(self, path: str) -> int:
        """Request-body limits per route (read by the platform's request guard): imports
        stream their upload to disk under ``import_max_bytes`` (plus the multipart
        envelope); the route enforces that limit itself as well."""
        if path == "/v1/entities/import":
            return self.import_max_bytes + (1 << 20)
        if path == "/v1/entities/credit-classes":
            return self.credit_sync_max_bytes
        return super().body_limit_for(path)

    @model_validator(mode="after")
    def _platform_defaults_to_gsxt(self) -> Settings:
        if self.platform_url is None:
            self.platform_url = self.gsxt_url
        return self

    @property
    def platform_feed(self) -> str:
        """The feed's name in ``platform_sync_state``: one cursor per platform division."""
        return f"platform:{self.platform_division}"

    def import_limits(self) -> ImportLimits:
        return ImportLimits(
            max_rows=self.import_max_rows,
            max_cell_chars=self.import_max_cell_chars,
            max_record_chars=self.import_max_record_chars,
            max_seconds=self.import_max_seconds,
            max_errors=self.import_max_errors,
            xlsx_max_uncompressed_bytes=self.import_xlsx_max_uncompressed_bytes,
            xlsx_max_shared_strings=self.import_xlsx_max_shared_strings,
            xlsx_max_shared_string_chars=self.import_xlsx_max_shared_string_chars,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
