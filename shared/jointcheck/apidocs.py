"""The documentation pages, served by each service itself: nothing is loaded from the internet.

Government networks (政务外网) usually have no internet, and FastAPI's default pages load
Swagger UI and ReDoc from a CDN. Here ``/docs`` (Swagger UI 5, which reads OpenAPI 3.1) and
``/redoc`` load their scripts, style sheet and favicon from ``/docs/assets/``, files shipped by
the ``fastapi-offline`` package (MIT; it vendors Swagger UI and ReDoc, Apache-2.0 and MIT).

Behind a gateway that serves a service under a prefix with the prefix stripped, every URL the
pages and ``/openapi.json`` name starts with that prefix: the ASGI ``root_path`` (``uvicorn
--root-path /registry``, or the gateway's ``X-Forwarded-Prefix`` as :mod:`jointcheck.forwarded`
turns it into one). The document's
``servers`` names the prefix too, so "Try it out" calls go through the gateway.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from jointcheck.errors import NotFound

#: The vendored Swagger UI and ReDoc files, as the installed package ships them.
ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
ASSETS_PATH = "/docs/assets"
#: The pages may load only from the service itself (ReDoc's sidebar would fetch its maker's logo from
#: the internet; it hides the logo when refused). Inline: the page's own configuration script and the
#: styles both libraries set; blob: the worker ReDoc searches in.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
)
#: What the vendored files would fetch from the internet, and what they get instead.
_OFFLINE: dict[str, tuple[bytes, bytes]] = {
    "redoc.standalone.js": (
        b"https://cdn.redoc.ly/redoc/logo-mini.svg",  # the sidebar's "API docs by Redocly" logo
        b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E",
    ),
}
#: A prefix is put in pages and documents only if it is a plain path (no quotes, no markup).
_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")


@cache
def asset(name: str) -> bytes:
    """A vendored file as served: what it would fetch from the internet replaced by a local stand-in."""
    content = (ASSETS_DIR / name).read_bytes()
    if name in _OFFLINE:
        remote, local = _OFFLINE[name]
        if remote not in content:
            raise RuntimeError(f"{name} of this fastapi-offline release no longer names {remote!r}: check it again")
        content = content.replace(remote, local)
    return content


def public_prefix(request: Request) -> str:
    """The path prefix clients reach this service under: the ASGI ``root_path`` (``--root-path``, or a
    sane ``X-Forwarded-Prefix`` the service trusts: :mod:`jointcheck.forwarded` is the one place that
    reads the header, and ``trust_forwarded_prefix=False`` turns it off)."""
    prefix = str(request.scope.get("root_path", "")).rstrip("/")
    return prefix if prefix and _PREFIX.fullmatch(prefix) else ""


def _script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def swagger_ui_page(*, title: str, prefix: str) -> str:
    config = {
        "url": f"{prefix}/openapi.json",
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        "persistAuthorization": True,
        "displayRequestDuration": True,
        "displayOperationId": True,
        "filter": True,
        "docExpansion": "list",
        "validatorUrl": None,
        "layout": "BaseLayout",
    }
    assets = html.escape(f"{prefix}{ASSETS_PATH}")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · API 文档 / Swagger UI</title>
<link rel="icon" type="image/png" href="{assets}/favicon.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle(Object.assign({_script_json(config)}, {{
  presets: [SwaggerUIBundle.presets.apis],
}}));
</script>
</body>
</html>
"""


def redoc_page(*, title: str, prefix: str) -> str:
    assets = html.escape(f"{prefix}{ASSETS_PATH}")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · API 文档 / ReDoc</title>
<link rel="icon" type="image/png" href="{assets}/favicon.png">
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<redoc spec-url="{html.escape(prefix)}/openapi.json"></redoc>
<script src="{assets}/redoc.standalone.js"></script>
</body>
</html>
"""


def install_api_docs(app: FastAPI) -> None:
    """``/openapi.json``, ``/docs``, ``/redoc`` and their assets on ``app`` (built with
    ``openapi_url=None, docs_url=None, redoc_url=None``)."""

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(request: Request) -> JSONResponse:
        doc = app.openapi()
        prefix = public_prefix(request)
        if prefix:
            doc = {**doc, "servers": [{"url": prefix}]}
        return JSONResponse(doc)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return HTMLResponse(
            swagger_ui_page(title=app.title, prefix=public_prefix(request)),
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return HTMLResponse(
            redoc_page(title=app.title, prefix=public_prefix(request)),
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
        )

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        if name not in ASSETS:
            raise NotFound("no such asset", detail_zh="没有该文件")
        return Response(asset(name), media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return FileResponse(ASSETS_DIR / "favicon.png", media_type="image/png")


__all__ = ["ASSETS", "ASSETS_DIR", "asset", "install_api_docs", "public_prefix", "redoc_page", "swagger_ui_page"]
