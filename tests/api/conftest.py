"""The apps whose OpenAPI documents and docs pages these tests read (built without a database:
the engine is lazy), and the services' documents as served."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from jcdev.services import SERVICE_NAMES
from jcdev.testing import TEST_JWT_SECRET, service_settings

#: The five services and the GSXT emulator: every app whose pages someone opens.
DOCUMENTED = (*SERVICE_NAMES, "gsxt_emulator")
UNUSED_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/unused"


@cache
def built_app(service: str) -> Any:
    if service == "gsxt_emulator":
        from gsxt_emulator.main import EmulatorSettings, create_app

        return create_app(EmulatorSettings(environment="test", jwt_secret=TEST_JWT_SECRET, log_level="WARNING"))
    return importlib.import_module(f"{service}.main").create_app(service_settings(service, UNUSED_DB))


def document(service: str) -> dict[str, Any]:
    return built_app(service).openapi()
