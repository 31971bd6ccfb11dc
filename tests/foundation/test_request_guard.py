"""Issue 9 items 8 and 9: bounded bodies (413), no NUL anywhere (422 naming it), integers
within their column's range (422), and a 422 that never echoes a huge input."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

import registry
from jcdev.testing import service_settings
from jointcheck.app import create_service_app
from jointcheck.errors import DomainError
from jointcheck.http import ServiceClient

from .conftest import probe

MiB = 1 << 20


def _nul_fields(r: httpx.Response) -> set[str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "request_validation_failed"
    return {e["field"] for e in body["errors"] if e["type"] == "nul_character"}


# ------------------------------------------------------------------ body limits (item 8)


async def test_a_json_body_over_one_mebibyte_is_413_problem(probe_client, tokens):
    big = {"name": "x" * MiB, "count": 1}
    r = await probe_client.post("/v1/probe", json=big, headers=tokens.admin)
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "payload_too_large" and r.json()["limit_bytes"] == MiB
    ok = await probe_client.post("/v1/probe", json={"name": "x" * (MiB - 100), "count": 1}, headers=tokens.admin)
    assert ok.status_code == 201


async def test_a_chunked_body_is_counted_as_it_streams(probe_client, tokens):
    async def chunks():
        for _ in range(3):
            yield b"a" * (512 * 1024)

    # No Content-Length: the limit must still hold, counted chunk by chunk.
    r = await probe_client.post(
        "/v1/probe/upload", content=chunks(), headers=tokens.admin | {"Content-Type": "application/octet-stream"}
    )
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


async def test_a_route_granted_a_larger_limit_takes_it_others_keep_theirs(service_database_urls, tokens):
    settings = service_settings(
        "registry",
        service_database_urls["registry"],
        max_body_bytes=1000,
        body_limit_overrides={"/v1/probe/upload": 3000},
    )
    app = create_service_app(
        settings, migrations_location=registry.MIGRATIONS, title="probe", description="probe", routers=[probe]
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe.test") as c:
        octets = tokens.admin | {"Content-Type": "application/octet-stream"}
        assert (await c.post("/v1/probe/upload", content=b"a" * 2500, headers=octets)).json() == {"bytes": 2500}
        assert (await c.post("/v1/probe/upload", content=b"a" * 3001, headers=octets)).status_code == 413
        r = await c.post("/v1/probe", json={"name": "x" * 1200, "count": 1}, headers=tokens.admin)
        assert r.status_code == 413 and r.json()["limit_bytes"] == 1000


async def test_a_422_never_echoes_a_long_input(probe_client, tokens):
    r = await probe_client.post("/v1/probe", json={"name": "ok", "count": "9" * 100_000}, headers=tokens.admin)
    assert r.status_code == 422
    assert len(r.content) < 2000
    echoed = [e for e in r.json()["errors"] if e["field"] == "body.count"][0]["input"]
    assert len(echoed) <= 201 and echoed.endswith("…")


async def test_a_domain_422_never_echoes_a_long_input(clients, tokens):
    r = await clients.planning.get(
        "/v1/checklists", params={"industry": "Z" * 5000}, headers=tokens.admin | {"Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_filter"
    assert len(r.json()["detail"]) <= 401 and len(r.content) < 2000


# ------------------------------------------------------------------ NUL (item 9)


async def test_nul_in_a_query_parameter_is_422_naming_it(clients, tokens):
    r = await clients.planning.get("/v1/plans", params={"lead_department": "SC\x00JG"}, headers=tokens.admin)
    assert _nul_fields(r) == {"query.lead_department"}
    r = await clients.registry.get("/v1/entities", params={"name_contains": "\x00"}, headers=tokens.admin)
    assert _nul_fields(r) == {"query.name_contains"}


async def test_nul_in_a_json_string_is_422_naming_the_field(clients, tokens):
    body = {
        "department": "SCJG",
        "code": "SCJG-001",
        "name": "检查\x00事项",
        "sub_items": ["a", "b\x00"],
        "legal_basis": "《办法》",
        "content": "c",
        "methods": ["on_site"],
        "category": "key",
        "objects": "o",
        "inspector_requirements": [],
        "remarks": "",
    }
    r = await clients.planning.post("/v1/items", json=body, headers=tokens.admin)
    assert _nul_fields(r) == {"body.name", "body.sub_items.1"}


async def test_an_escaped_backslash_u0000_is_text_not_nul(probe_client, tokens):
    raw = json.dumps({"name": "\\u0000 literally", "count": 1}).encode()  # six characters, no NUL
    r = await probe_client.post("/v1/probe", content=raw, headers=tokens.admin | {"Content-Type": "application/json"})
    assert r.status_code == 201, r.text


async def test_nul_in_the_void_reason_is_422(clients, tokens):
    r = await clients.sampling.post(
        f"/v1/draws/{uuid.uuid4()}/void", json={"reason": "作废\x00原因足够长"}, headers=tokens.admin
    )
    assert _nul_fields(r) == {"body.reason"}


async def test_nul_in_a_path_segment_or_header_is_422(clients, tokens):
    r = await clients.registry.get("/v1/entities/91110000%00ABCDEF12", headers=tokens.admin)
    assert _nul_fields(r) == {"path"}
    scope_headers = tokens.admin | {"Idempotency-Key": "a\x00b"}
    r = await clients.planning.post("/v1/items", json={}, headers=scope_headers)
    assert _nul_fields(r) == {"header.idempotency-key"}


# ------------------------------------------------------------------ integers (item 9)


async def test_an_integer_beyond_its_column_is_422_not_500(clients, tokens):
    body = {
        "department": "SCJG",
        "code": "SCJG-001",
        "name": "检查事项",
        "sub_items": ["a"],
        "legal_basis": "《办法》",
        "content": "c",
        "methods": ["on_site"],
        "category": "key",
        "objects": "o",
        "inspector_requirements": [],
        "remarks": "",
    }
    await clients.registry.post(
        "/v1/departments",
        json={"code": "SCJG", "name": "市场监督管理局", "short_name": "市场监管"},
        headers=tokens.admin,
    )  # department codes are the registry's
    item = (await clients.planning.post("/v1/items", json=body, headers=tokens.admin)).json()
    r = await clients.planning.get(f"/v1/items/{item['id']}", params={"version": 221822294001383}, headers=tokens.admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.version"
    r = await clients.planning.get(f"/v1/items/{item['id']}", params={"version": 2**31 - 1}, headers=tokens.admin)
    assert r.status_code == 404


async def test_a_value_the_database_refuses_is_422_even_past_validation(probe_client, tokens):
    r = await probe_client.get("/v1/probe/int4", params={"value": 2**40}, headers=tokens.admin)
    assert r.status_code == 422 and r.json()["code"] == "value_out_of_range"
    assert "int32" not in r.text and "asyncpg" not in r.text  # nothing of the internals
    assert (await probe_client.get("/v1/probe/int4", params={"value": 7}, headers=tokens.admin)).json() == 7


async def test_an_id_with_control_characters_reaches_a_sibling_percent_encoded(live_service, service_database_urls):
    # Found by the fuzz run: sampling asked planning for task "\x1f" and httpx refused the URL (a 500).
    planning = live_service("planning")
    settings = service_settings("sampling", service_database_urls["sampling"], planning_url=planning.url)
    with pytest.raises(DomainError) as refused:
        await ServiceClient(settings, service="planning").request("GET", "/v1/tasks/\x1f 任务")
    assert "answered 422" in str(refused.value)  # planning's own answer: not a task id
