"""The services of this repository as the development tools see them.

The platform library knows none of this: each service package names its own Alembic tree
(``<service>.MIGRATIONS``) and builds its own app (``<service>.main:create_app``).
"""

from __future__ import annotations

import importlib
from pathlib import Path

#: The five services with a database, in start order.
SERVICE_NAMES: tuple[str, ...] = ("registry", "planning", "sampling", "results", "audit")

#: Development ports (``make run``); the GSXT emulator is ``gsxt``.
DEFAULT_PORTS: dict[str, int] = {
    "registry": 8001,
    "planning": 8002,
    "sampling": 8003,
    "results": 8004,
    "audit": 8005,
    "gsxt": 8009,
}


def migrations_location(service: str) -> Path:
    """The service's own Alembic tree, as its package ships it."""
    return Path(importlib.import_module(service).MIGRATIONS)


def app_factory(service: str) -> str:
    """The ``module:function`` uvicorn builds the service's app with (``--factory``)."""
    return "gsxt_emulator.main:create_app" if service == "gsxt" else f"{service}.main:create_app"
