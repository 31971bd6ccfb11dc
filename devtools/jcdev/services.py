"""The services of this repository as the development tools see them.

The platform library knows none of this: each service package names its own Alembic tree
(``<service>.MIGRATIONS``) and builds its own app (``<service>.main:create_app``).
"""

from __future__ import annotations

import importlib
from pathlib import Path

#: The five services with a database, in start order.
SERVICE_NAMES: tuple[str, ...] = ("registry", "planning", "sampling", "results", "audit")

#: Development ports (``make run``); the GSXT emulator is ``gsxt``, the development gateway
#: (the portal and every service on one origin, :mod:`jcdev.gateway`) ``gateway``.
DEFAULT_PORTS: dict[str, int] = {
    "gateway": 8000,
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
    if service == "gateway":
        return "jcdev.gateway:create_app"
    return "gsxt_emulator.main:create_app" if service == "gsxt" else f"{service}.main:create_app"


#: The one layout of the gateway (``deploy/nginx`` in deployment, the development gateway of
#: ``make run``): ``/<service>/…`` reaches that service with the prefix stripped (its docs at
#: ``/<service>/docs``); the public routes of every service share ``/public/…`` and reach the
#: service that owns them; ``/portal/`` is the public portal's static pages.
GATEWAY_SERVICE_PREFIXES: dict[str, str] = {f"/{name}/": name for name in SERVICE_NAMES}
GATEWAY_PUBLIC_ROUTES: dict[str, str] = {
    "/public/plans": "planning",
    "/public/draws": "sampling",
    "/public/announcements": "audit",
    "/public/results": "results",
}
GATEWAY_PORTAL_PREFIX = "/portal/"
#: Development port of the gateway (``make run``).
GATEWAY_DEFAULT_PORT = DEFAULT_PORTS["gateway"]
