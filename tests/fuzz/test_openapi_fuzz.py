"""Property-based fuzzing of every operation of every service's OpenAPI: never a 5xx.

Schemathesis generates valid (positive) and invalid (negative) requests from each
service's published schema — NUL bytes, huge integers, odd unicode, wrong types — and
sends them with an admin token over real HTTP to the services wired to each other on
real PostgreSQL. Whatever the input, the answer is a deliberate 2xx/3xx/4xx.

Short and derandomized by default (part of ``make test``; ``JC_FUZZ_EXAMPLES`` examples
per operation and mode); ``make fuzz`` runs many more with fresh randomness.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from jcdev.services import SERVICE_NAMES
from jcdev.testing import Tokens, service_settings

EXAMPLES = int(os.environ.get("JC_FUZZ_EXAMPLES", "4"))
#: The short run is reproducible; the long one (``make fuzz``) explores.
DERANDOMIZE = os.environ.get("JC_FUZZ_RANDOM", "") != "1"
TARGETS = (*SERVICE_NAMES, "gsxt")


def _openapi(target: str) -> dict[str, Any]:
    """The published schema, built without a database (the engine is lazy)."""
    if target == "gsxt":
        from gsxt_emulator.main import create_app

        return create_app().openapi()
    app = importlib.import_module(f"{target}.main").create_app(
        service_settings(target, "postgresql+asyncpg://postgres@127.0.0.1:5432/unused")
    )
    return app.openapi()


def _operations() -> list[Any]:
    params = []
    for target in TARGETS:
        schema = schemathesis.openapi.from_dict(_openapi(target))
        for result in schema.get_all_operations():
            operation = result.ok()
            params.append(pytest.param(target, operation, id=f"{target}:{operation.method.upper()} {operation.path}"))
    return params


@pytest.fixture(scope="module")
def http() -> Any:
    with requests.Session() as session:
        yield session


@pytest.mark.parametrize("target, operation", _operations())
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_server_error(target, operation, mode, fuzz_servers, http, fuzz_cleanup) -> None:
    admin = Tokens().admin

    @settings(
        max_examples=EXAMPLES,
        derandomize=DERANDOMIZE,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        headers = {**(case.headers or {}), **admin}
        try:
            response = case.call(base_url=fuzz_servers[target], session=http, headers=headers, timeout=30)
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeError, ValueError):
            reject()  # the client itself refuses to send it (e.g. a NUL in a header)
        if target == "gsxt" and case.path == "/emulator/faults":
            # Faults the fuzzer sets (an hour of failures, a ten-minute hang) would turn the
            # emulator's later cases into 5xx by design: every case starts with none.
            http.put(f"{fuzz_servers[target]}/emulator/faults", json={}, headers=admin, timeout=30)
        status = response.status_code

        def where() -> str:
            text = response.content[:800].decode("utf-8", errors="replace")
            return f"{case.method} {case.formatted_path} → {status}\nquery={case.query!r} body={str(case.body)[:500]!r}\n{text}"

        assert status < 500, where()
        if status >= 400 and case.method.upper() != "HEAD":
            # Every refusal is a problem document with a stable code, never a bare framework error.
            content_type = response.headers.get("content-type") or [""]
            content_type = content_type[0] if isinstance(content_type, list) else content_type
            assert content_type.startswith("application/problem+json") and response.json().get("code"), where()

    try:
        fuzz()
    except Unsatisfiable:
        # No parameter can be made invalid (e.g. /healthz, or a free-text path segment).
        assert mode == GenerationMode.NEGATIVE
