"""Behind the gateway a service lives at /<service>/…: X-Forwarded-Prefix becomes the ASGI
root_path (docs and OpenAPI servers name the prefix), and nothing else about the request
changes; an unsafe value is ignored; the setting turns it off."""

from __future__ import annotations

import httpx
import pytest

from jcdev.testing import service_settings
from jointcheck.forwarded import forwarded_prefix
from registry.main import create_app

UNUSED_DB = "postgresql+asyncpg://unused@127.0.0.1:1/unused"  # these routes touch no database


async def _get(app, path: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        return await client.get(path, headers=headers)


@pytest.fixture(scope="module")
def app():
    return create_app(service_settings("registry", UNUSED_DB))


async def test_the_prefix_becomes_the_root_path_of_docs_and_openapi(app):
    docs = await _get(app, "/docs", **{"X-Forwarded-Prefix": "/registry"})
    assert docs.status_code == 200 and '"url": "/registry/openapi.json"' in docs.text
    spec = await _get(app, "/openapi.json", **{"X-Forwarded-Prefix": "/registry/"})
    assert spec.json()["servers"] == [{"url": "/registry"}]
    # the routes, the request id and the problem documents are the service's own, unprefixed
    health = await _get(app, "/healthz", **{"X-Forwarded-Prefix": "/registry", "X-Request-ID": "rid-1"})
    assert health.json() == {"status": "ok", "service": "registry"} and health.headers["x-request-id"] == "rid-1"
    missing = await _get(app, "/v1/nothing-here", **{"X-Forwarded-Prefix": "/registry"})
    assert missing.status_code == 404 and missing.json()["instance"] == "/v1/nothing-here"
    # and a direct caller sees the service at its root, the cached document unchanged
    direct = await _get(app, "/openapi.json")
    assert "servers" not in direct.json()
    assert '"url": "/openapi.json"' in (await _get(app, "/docs")).text


@pytest.mark.parametrize(
    "value",
    ["registry", "/x'</script><script>alert(1)</script>", "/a b", "//evil.example", "/" + "a" * 250, "/", "/a/../b?"],
)
async def test_an_unsafe_prefix_is_ignored(app, value):
    docs = await _get(app, "/docs", **{"X-Forwarded-Prefix": value})
    assert docs.status_code == 200 and '"url": "/openapi.json"' in docs.text
    assert forwarded_prefix([(b"x-forwarded-prefix", value.encode())]) is None


def test_safe_prefixes():
    assert forwarded_prefix([(b"x-forwarded-prefix", b"/registry")]) == "/registry"
    assert forwarded_prefix([(b"x-forwarded-prefix", b"/a/b-c_d.e~/")]) == "/a/b-c_d.e~"
    assert forwarded_prefix([(b"x-other", b"/registry")]) is None


async def test_the_setting_turns_it_off():
    app = create_app(service_settings("registry", UNUSED_DB, trust_forwarded_prefix=False))
    docs = await _get(app, "/docs", **{"X-Forwarded-Prefix": "/registry"})
    assert '"url": "/openapi.json"' in docs.text
