"""Errors as problem+json, auth, roles, request ids, metrics, health and readiness."""

from __future__ import annotations

import time

import jwt
import pytest
from sqlalchemy import text

import registry
from jcdev.services import SERVICE_NAMES
from jcdev.testing import TEST_JWT_SECRET
from jointcheck.auth import mint_token
from jointcheck.settings import DEV_JWT_SECRET

PROBLEM = "application/problem+json"


async def test_unauthenticated_write_is_401_problem(probe_client):
    r = await probe_client.post("/v1/probe", json={"name": "ok", "count": 1})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["code"] == "unauthorized" and body["status"] == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert body["request_id"] == r.headers["x-request-id"]


async def test_wrong_role_is_403(probe_client, tokens):
    r = await probe_client.post("/v1/probe", json={"name": "ok", "count": 1}, headers=tokens.auditor)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == "role_not_allowed"


async def test_malformed_body_is_422_listing_every_field(probe_client, tokens):
    r = await probe_client.post("/v1/probe", json={"name": "x", "count": -1, "fail": "perhaps"}, headers=tokens.admin)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["code"] == "request_validation_failed"
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"body.name", "body.count", "body.fail"}


async def test_missing_fields_are_all_listed(probe_client, tokens):
    r = await probe_client.post("/v1/probe", json={}, headers=tokens.admin)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"body.name", "body.count"}


async def test_non_json_body_is_422_problem(probe_client, tokens):
    r = await probe_client.post(
        "/v1/probe", content=b"{not json", headers=tokens.admin | {"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)


async def test_titles_follow_accept_language_codes_do_not(probe_client):
    zh = await probe_client.post("/v1/probe", json={}, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    en = await probe_client.post("/v1/probe", json={}, headers={"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"})
    assert zh.json()["title"] == "需要身份认证"
    assert en.json()["title"] == "Authentication required"
    assert zh.json()["code"] == en.json()["code"] == "unauthorized"


async def test_unhandled_error_is_500_with_request_id_and_no_trace(probe_client):
    r = await probe_client.get("/v1/probe/boom", headers={"X-Request-ID": "trace-me-42"})
    assert r.status_code == 500
    body = r.json()
    assert body["code"] == "internal_error"
    assert body["request_id"] == "trace-me-42"
    assert "secret internals" not in r.text and "Traceback" not in r.text


async def test_unknown_route_is_404_problem(probe_client):
    r = await probe_client.get("/v1/nowhere")
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)


async def test_request_id_is_echoed_or_generated(probe_client):
    r = await probe_client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    generated = (await probe_client.get("/healthz")).headers["x-request-id"]
    assert len(generated) == 32
    hostile = (await probe_client.get("/healthz", headers={"X-Request-ID": "bad id\twith junk"})).headers[
        "x-request-id"
    ]
    assert hostile != "bad id\twith junk" and len(hostile) == 32


@pytest.mark.parametrize(
    "make_token, code",
    [
        (lambda: mint_token(TEST_JWT_SECRET, subject="u", roles=["admin"], ttl_seconds=-120), "token_expired"),
        (
            lambda: mint_token("another-secret-of-sufficient-length-000000", subject="u", roles=["admin"]),
            "invalid_token",
        ),
        (lambda: mint_token(TEST_JWT_SECRET, subject="u", roles=["officer"]), "invalid_token"),
        (lambda: mint_token(TEST_JWT_SECRET, subject="u", roles=["superuser"]), "invalid_token"),
        (lambda: mint_token(TEST_JWT_SECRET, subject="u", roles=["admin"], issuer="someone-else"), "invalid_token"),
        (
            lambda: jwt.encode(
                {"sub": "u", "roles": ["admin"], "exp": int(time.time()) + 60, "iss": "jointcheck"},
                None,
                algorithm="none",
            ),
            "unauthorized",
        ),
        (lambda: "not-a-jwt", "invalid_token"),
    ],
    ids=["expired", "wrong-secret", "officer-without-dept", "unknown-role", "wrong-issuer", "alg-none", "garbage"],
)
async def test_bad_tokens_are_401(probe_client, make_token, code):
    r = await probe_client.post(
        "/v1/probe", json={"name": "ok", "count": 1}, headers={"Authorization": f"Bearer {make_token()}"}
    )
    assert r.status_code == 401
    assert r.json()["code"] == code


async def test_failed_request_leaves_no_rows(probe_client, tokens, probe_app):
    ok = await probe_client.post("/v1/probe", json={"name": "kept", "count": 1}, headers=tokens.officer("SCJG"))
    assert ok.status_code == 201
    bad = await probe_client.post("/v1/probe", json={"name": "dropped", "count": 2, "fail": True}, headers=tokens.admin)
    assert bad.status_code == 409 and bad.json()["code"] == "probe_failed"
    async with probe_app.state.db.transaction() as s:
        names = (await s.execute(text("SELECT payload->>'name' FROM outbox_events"))).scalars().all()
    assert names == ["kept"]


async def test_metrics_count_requests(probe_client):
    await probe_client.get("/healthz")
    r = await probe_client.get("/metrics")
    assert r.status_code == 200
    assert 'http_requests_total{method="GET",route="/healthz",service="registry",status="200"}' in r.text


async def test_readyz_at_head(probe_client):
    r = await probe_client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["migration"] == r.json()["head"]


async def test_readyz_503_when_migrations_pending(pg_server_url):
    import httpx

    from jcdev.stack import drop_databases, ensure_databases
    from jcdev.testing import TEST_DB_PREFIX, database_url_for, service_settings
    from jointcheck.app import create_service_app

    await drop_databases(pg_server_url, [f"{TEST_DB_PREFIX}unmigrated"])
    await ensure_databases(pg_server_url, [f"{TEST_DB_PREFIX}unmigrated"])
    app = create_service_app(
        service_settings("registry", database_url_for(pg_server_url, "unmigrated")),
        migrations_location=registry.MIGRATIONS,
        title="t",
        description="t",
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/readyz")
    await app.state.db.dispose()
    await drop_databases(pg_server_url, [f"{TEST_DB_PREFIX}unmigrated"])
    assert r.status_code == 503
    assert r.json()["code"] == "migrations_pending"
    assert r.json()["migration"] is None


async def test_readyz_503_when_database_unreachable():
    import httpx

    from jcdev.testing import service_settings
    from jointcheck.app import create_service_app

    app = create_service_app(
        service_settings("registry", "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"),
        migrations_location=registry.MIGRATIONS,
        title="t",
        description="t",
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/readyz")
    assert r.status_code == 503 and r.json()["code"] == "database_unreachable"


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_every_service_serves_health_and_documented_openapi(clients, service):
    c = clients[service]
    assert (await c.get("/healthz")).json() == {"status": "ok", "service": service}
    spec = (await c.get("/openapi.json")).json()
    assert "Problem" in spec["components"]["schemas"]
    assert "/ops/outbox" in spec["paths"] and "/internal/events" in spec["paths"]


def test_settings_refuse_the_dev_secret_outside_development():
    from registry.config import Settings

    with pytest.raises(ValueError, match="development JWT secret"):
        Settings(environment="production", jwt_secret=DEV_JWT_SECRET)
    with pytest.raises(ValueError, match="at least 32"):
        Settings(environment="production", jwt_secret="short")
    assert Settings(environment="development").jwt_secret == DEV_JWT_SECRET
    assert Settings(environment="production", jwt_secret="x" * 40).environment == "production"


def test_settings_read_their_own_env_prefix(monkeypatch):
    from planning.config import Settings as PlanningSettings
    from registry.config import Settings as RegistrySettings

    monkeypatch.setenv("REGISTRY_LOG_LEVEL", "DEBUG")
    assert RegistrySettings().log_level == "DEBUG"
    assert PlanningSettings().log_level == "INFO"


def test_jc_prefix_is_a_shared_fallback(monkeypatch):
    from registry.config import Settings as RegistrySettings
    from results.config import Settings as ResultsSettings

    monkeypatch.setenv("JC_LOG_LEVEL", "ERROR")
    monkeypatch.setenv("RESULTS_LOG_LEVEL", "DEBUG")
    assert RegistrySettings().log_level == "ERROR"
    assert ResultsSettings().log_level == "DEBUG"
