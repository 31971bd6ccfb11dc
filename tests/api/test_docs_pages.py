"""The docs pages are served by each service itself (issue 16: on a network without internet
FastAPI's CDN-loaded pages were blank), and name every URL under the prefix the service is
reached by (a gateway serving it at ``/<service>/``, the prefix stripped)."""

from __future__ import annotations

import re

import httpx
import pytest

from jointcheck.apidocs import ASSETS, ASSETS_DIR, asset

from .conftest import DOCUMENTED, built_app

URL = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|["']url["']\s*:\s*"([^"]*)\"""")


def client(service: str, **transport: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=built_app(service), **transport), base_url="http://docs.test"
    )


def urls_in(page: str) -> list[str]:
    return [a or b for a, b in URL.findall(page)]


@pytest.mark.parametrize("service", DOCUMENTED)
async def test_the_pages_load_nothing_from_elsewhere(service):
    async with client(service) as c:
        for page in ("/docs", "/redoc"):
            r = await c.get(page)
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
            urls = urls_in(r.text)
            assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
            assert "cdn" not in r.text.lower() and "googleapis" not in r.text
            for url in urls:  # every one of them answers, from the service
                got = await c.get(url)
                assert got.status_code == 200 and got.content, url
        assert (await c.get("/favicon.ico")).headers["content-type"] == "image/png"


async def test_the_assets_are_swagger_ui_5_and_redoc():
    bundle = (ASSETS_DIR / "swagger-ui-bundle.js").read_text(encoding="utf-8", errors="replace")
    versions = {tuple(map(int, v.split("."))) for v in re.findall(r'"(5\.\d+\.\d+)"', bundle)}
    assert versions and max(versions) >= (5, 17, 0)  # Swagger UI 5 reads OpenAPI 3.1, older bundles refuse it
    assert "Redoc" in (ASSETS_DIR / "redoc.standalone.js").read_text(encoding="utf-8", errors="replace")[:2000]
    async with client("registry") as c:
        for name, media in ASSETS.items():
            r = await c.get(f"/docs/assets/{name}")
            assert r.status_code == 200 and r.headers["content-type"] == media
            assert r.content == asset(name) and "max-age" in r.headers["cache-control"]
            assert b"cdn.redoc.ly" not in r.content  # ReDoc's logo would come from the internet
        assert (await c.get("/docs/assets/..%2Fcore.py")).status_code == 404
        assert (await c.get("/docs/assets/missing.js")).status_code == 404


async def test_swagger_ui_offers_authorize_with_a_bearer_token():
    async with client("planning") as c:
        page = (await c.get("/docs")).text
        doc = (await c.get("/openapi.json")).json()
    assert '"persistAuthorization": true' in page and '"url": "/openapi.json"' in page
    schemes = doc["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"] and all(s["type"] == "http" for s in schemes.values())
    secured = [op for ops in doc["paths"].values() for op in ops.values() if op.get("security")]
    assert secured and all(op["x-access"]["token"] for op in secured)


@pytest.mark.parametrize("service", ["registry", "sampling"])
async def test_behind_a_prefix_every_url_names_it(service):
    """uvicorn --root-path /<service> (the ASGI root_path), as behind the gateway."""
    prefix = f"/{service}"
    async with client(service, root_path=prefix) as c:
        for page in ("/docs", "/redoc"):
            urls = urls_in((await c.get(page)).text)
            assert urls and all(u.startswith(prefix + "/") for u in urls), urls
            for url in urls:  # the gateway strips the prefix: the service answers without it
                assert (await c.get(url.removeprefix(prefix))).status_code == 200
        doc = (await c.get("/openapi.json")).json()
        assert doc["servers"] == [{"url": prefix}]  # "Try it out" calls go through the gateway
    async with client(service) as c:
        assert "servers" not in (await c.get("/openapi.json")).json()  # the same app, reached directly


async def test_x_forwarded_prefix_names_the_prefix_too():
    async with client("audit") as c:
        r = await c.get("/docs", headers={"X-Forwarded-Prefix": "/audit/"})
        assert all(u.startswith("/audit/") for u in urls_in(r.text))
        assert (await c.get("/openapi.json", headers={"X-Forwarded-Prefix": "/audit"})).json()["servers"] == [
            {"url": "/audit"}
        ]
        # a prefix that is not a plain path is not put in a page
        hostile = await c.get("/docs", headers={"X-Forwarded-Prefix": '/x"><script>alert(1)</script>'})
        assert "<script>alert" not in hostile.text and all(
            u.startswith("/docs/") or u == "/openapi.json" for u in urls_in(hostile.text)
        )
        hostile = await c.get("/openapi.json", headers={"X-Forwarded-Prefix": "//evil.example"})
        assert "servers" not in hostile.json()
