"""Settings base shared by every service (pydantic-settings).

Each service subclasses :class:`ServiceSettings` with its own ``env_prefix``
(``REGISTRY_``, ``PLANNING_``…); ``JC_<SETTING>`` is a fallback shared by all of them
(so ``JC_JWT_SECRET`` sets every service's secret, ``REGISTRY_JWT_SECRET`` one). Secrets have development defaults so that
``make run`` works out of the box, and those defaults are refused in any other
environment.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class ServiceSettings(BaseSettings):
    """Configuration common to all five services."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    # Connections per process: db_pool_size for the ORM (requests' sessions, jobs), db_read_pool_size
    # (default: the same) for the hot reads' read-only pool; db_pool_overflow more ORM connections
    # under a burst, each closed when returned (0: none — no backend forked per request). Every
    # worker and replica holds its own pools: size them against PostgreSQL's max_connections.
    db_pool_size: int = Field(10, ge=1)
    db_read_pool_size: int | None = Field(None, ge=1)
    db_pool_overflow: int = Field(0, ge=0)
    db_echo: bool = False

    # Auth. HS256 with a shared secret in development; RS256 via JWKS in production.
    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    jwks_url: str | None = None
    jwt_issuer: str = "jointcheck"
    jwt_audience: str | None = None
    # A pre-issued token this service presents to others; minted from jwt_secret if unset.
    service_token: str | None = None

    # Where the other services live (used by inter-service clients and the outbox).
    registry_url: str = "http://127.0.0.1:8001"
    planning_url: str = "http://127.0.0.1:8002"
    sampling_url: str = "http://127.0.0.1:8003"
    results_url: str = "http://127.0.0.1:8004"
    audit_url: str = "http://127.0.0.1:8005"
    gsxt_url: str = "http://127.0.0.1:8009"
    # GSXT (the publicity system; the emulator in development): how long a publication may
    # take before it counts as failed (and is retried), and the credential GSXT issued us —
    # never our own service token, which stays inside the platform.
    gsxt_timeout: float = Field(10.0, gt=0)
    gsxt_token: str | None = None

    http_connect_timeout: float = 3.0
    http_read_timeout: float = 30.0
    http_retries: int = 3

    # Transactional outbox.
    outbox_enabled: bool = True
    outbox_poll_interval: float = 0.5
    outbox_batch_size: int = 50
    outbox_max_attempts: int = 12
    outbox_backoff_base: float = 0.5
    outbox_backoff_max: float = 300.0
    # A delivery's time limit (HTTP to a service, or a transport), and how long a dispatcher's
    # claim on the events of a round lasts: a dispatcher that dies mid-round leaves its events
    # to others once the lease runs out. The lease must outlast a delivery (plus 2 s in hand).
    outbox_delivery_timeout: float = Field(10.0, gt=0)
    outbox_lease_seconds: float = Field(60.0, gt=0)

    # Request bodies: every body is limited to max_body_bytes (JSON bodies are read whole,
    # so this is also the memory a request may take), unless body_limit_for grants a route
    # more. body_limit_overrides maps a path — exact, or a prefix ending in "*" — to its limit.
    max_body_bytes: int = Field(1 << 20, ge=1)
    body_limit_overrides: dict[str, int] = Field(default_factory=dict)

    # /metrics: open by default (scraped inside the cluster). Set metrics_token to require
    # "Authorization: Bearer <metrics_token>", and/or metrics_allow_from to the client
    # addresses or networks (CIDR) that may scrape; anyone else gets 404.
    metrics_token: str | None = None
    metrics_allow_from: list[str] = Field(default_factory=list)

    # CORS: off unless origins are listed (e.g. the public pages' origin).
    cors_allow_origins: list[str] = Field(default_factory=list)

    # Behind the gateway (deploy/nginx), a service is reached at /<service>/… with the prefix
    # stripped; the gateway says so in X-Forwarded-Prefix, which becomes the ASGI root_path
    # (the docs pages and OpenAPI "servers" then name /<service>/…). Off: the header is ignored.
    trust_forwarded_prefix: bool = True

    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> ServiceSettings:
        if self.environment != "development":
            uses_hs = any(a.startswith("HS") for a in self.jwt_algorithms)
            if uses_hs and self.jwt_secret == DEV_JWT_SECRET:
                raise ValueError(
                    f"{self.service_name}: the development JWT secret may not be used in "
                    f"the {self.environment!r} environment; set a real secret or use RS256 with a JWKS URL"
                )
            if uses_hs and len(self.jwt_secret) < 32:
                raise ValueError(f"{self.service_name}: jwt_secret must be at least 32 characters")
        if self.outbox_lease_seconds < self.outbox_delivery_timeout + 4:
            raise ValueError(
                f"{self.service_name}: outbox_lease_seconds ({self.outbox_lease_seconds}) must exceed "
                f"outbox_delivery_timeout ({self.outbox_delivery_timeout}) by at least 4 seconds"
            )
        if any(a.startswith("RS") for a in self.jwt_algorithms) and not self.jwks_url:
            raise ValueError(f"{self.service_name}: RS256 needs jwks_url")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """``<SERVICE>_X`` wins; ``JC_X`` is the fallback every service shares."""
        shared_env = EnvSettingsSource(settings_cls, env_prefix="JC_", case_sensitive=False)
        return (init_settings, env_settings, shared_env, dotenv_settings, file_secret_settings)

    def body_limit_for(self, path: str) -> int:
        """The largest body a request to ``path`` may send, in bytes.

        A service may override this (the registry grants its import routes their own
        setting); ``body_limit_overrides`` covers the configured cases.
        """
        exact = self.body_limit_overrides.get(path)
        if exact is not None:
            return exact
        for pattern, limit in self.body_limit_overrides.items():
            if pattern.endswith("*") and path.startswith(pattern[:-1]):
                return limit
        return self.max_body_bytes

    def service_url(self, name: str) -> str:
        """Base URL of a sibling service by name."""
        try:
            return getattr(self, f"{name}_url").rstrip("/")
        except AttributeError as exc:  # pragma: no cover - programming error
            raise KeyError(f"unknown service {name!r}") from exc


async def app_settings(request: Request) -> ServiceSettings:
    """The settings the running app was built with (``create_service_app``)."""
    return request.app.state.settings


#: The running service's settings, as a route dependency.
Settings = Annotated[ServiceSettings, Depends(app_settings)]
