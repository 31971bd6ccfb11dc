"""RS256 tokens verified through a JWKS URL; the inter-service client's retry rules."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request, Response

import registry
from jcdev.testing import TEST_JWT_SECRET, LiveServer, service_settings
from jointcheck.app import create_service_app
from jointcheck.errors import UpstreamUnavailable
from jointcheck.http import ServiceClient, ServiceTokenSource
from jointcheck.observability import reset_request_id, set_request_id

from .conftest import probe


@pytest.fixture(scope="module")
def jwks():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "test-key", "use": "sig", "alg": "RS256"})
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield key, f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()


def _rs256(key, **claims) -> str:
    base = {"sub": "idp-user", "roles": ["admin"], "iss": "jointcheck", "exp": int(time.time()) + 300}
    return jwt.encode(base | claims, key, algorithm="RS256", headers={"kid": "test-key"})


async def test_rs256_tokens_are_verified_against_the_jwks(jwks, service_database_urls, clean_databases):
    key, url = jwks
    settings = service_settings("registry", service_database_urls["registry"], jwt_algorithms=["RS256"], jwks_url=url)
    app = create_service_app(
        settings, migrations_location=registry.MIGRATIONS, title="t", description="t", routers=[probe]
    )
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        body = {"name": "ok", "count": 1}
        good = await c.post("/v1/probe", json=body, headers={"Authorization": f"Bearer {_rs256(key)}"})
        assert good.status_code == 201, good.text
        forged = await c.post("/v1/probe", json=body, headers={"Authorization": f"Bearer {_rs256(other)}"})
        assert forged.status_code == 401
        hs = jwt.encode(
            {"sub": "x", "roles": ["admin"], "iss": "jointcheck", "exp": int(time.time()) + 60},
            TEST_JWT_SECRET,
            algorithm="HS256",
        )
        downgraded = await c.post("/v1/probe", json=body, headers={"Authorization": f"Bearer {hs}"})
        assert downgraded.status_code == 401  # an RS256 deployment accepts no shared-secret tokens
    await app.state.db.dispose()


def test_rs256_needs_a_jwks_url():
    from registry.config import Settings

    with pytest.raises(ValueError, match="jwks_url"):
        Settings(jwt_algorithms=["RS256"])


@pytest.fixture
def flaky():
    """A stand-in upstream that fails twice with 503, then answers; it counts calls and headers."""
    app = FastAPI()
    state = {"calls": 0, "headers": []}

    @app.api_route("/thing", methods=["GET", "POST"])
    async def thing(request: Request) -> Response:
        state["calls"] += 1
        state["headers"].append(dict(request.headers))
        if state["calls"] <= 2:
            return Response(status_code=503)
        return Response(json.dumps({"ok": True}), media_type="application/json")

    server = LiveServer(app).start()
    yield server, state
    server.stop()


def _client(server) -> ServiceClient:
    settings = service_settings(
        "planning", "postgresql+asyncpg://x@127.0.0.1/x", registry_url=server.url, http_retries=3
    )
    return ServiceClient(settings, service="registry", http=httpx.AsyncClient(timeout=5))


async def test_idempotent_calls_are_retried_with_token_and_request_id(flaky):
    server, state = flaky
    client = _client(server)
    token = set_request_id("rid-123")
    try:
        assert (await client.get_json("/thing")) == {"ok": True}
    finally:
        reset_request_id(token)
    assert state["calls"] == 3
    assert all(h["x-request-id"] == "rid-123" for h in state["headers"])
    claims = jwt.decode(
        state["headers"][0]["authorization"].split()[1], TEST_JWT_SECRET, algorithms=["HS256"], issuer="jointcheck"
    )
    assert claims["roles"] == ["service"] and claims["sub"] == "service:planning"


async def test_non_idempotent_posts_are_not_retried(flaky):
    server, state = flaky
    with pytest.raises(Exception) as info:
        await _client(server).post_json("/thing", {"x": 1})
    assert state["calls"] == 1
    assert getattr(info.value, "status", None) == 502


async def test_posts_with_an_idempotency_key_are_retried(flaky):
    server, state = flaky
    assert await _client(server).post_json("/thing", {"x": 1}, headers={"Idempotency-Key": "k1"}) == {"ok": True}
    assert state["calls"] == 3


async def test_unreachable_upstream_is_a_503_problem():
    settings = service_settings(
        "planning", "postgresql+asyncpg://x@127.0.0.1/x", registry_url="http://127.0.0.1:1", http_retries=1
    )
    with pytest.raises(UpstreamUnavailable):
        await ServiceClient(settings, service="registry").get_json("/anything")


def test_service_token_source_prefers_a_configured_token():
    settings = service_settings("sampling", "postgresql+asyncpg://x@127.0.0.1/x", service_token="preissued")
    assert ServiceTokenSource(settings).token() == "preissued"
