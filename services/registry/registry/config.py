"""Settings of the registry service (environment variables prefixed ``REGISTRY_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from jointcheck.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/jc_registry"
    # Bulk imports of CSV files at least this large are validated by this many processes.
    import_workers: int = 2
    import_parallel_min_bytes: int = 16 << 20
    # The largest import upload; the import route gets it instead of max_body_bytes (1 MiB).
    import_max_bytes: int = 4 << 30

    def body_limit_for(self, path: str) -> int:
        if path == "/v1/entities/import":
            return self.import_max_bytes
        return super().body_limit_for(path)


@lru_cache
def get_settings() -> Settings:
    return Settings()
