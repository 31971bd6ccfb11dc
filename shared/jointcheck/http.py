"""Inter-service HTTP: one ``httpx.AsyncClient`` per process (per event loop), typed clients on top.

Every call carries the service's bearer token and the current ``X-Request-ID``.
Explicit timeouts. Only idempotent calls are retried (GET/HEAD/PUT/DELETE, or a POST
that carries an ``Idempotency-Key``), with exponential backoff on connection errors
and 502/503/504.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any
from urllib.parse import quote

import httpx

from jointcheck.auth import mint_token
from jointcheck.errors import DomainError, UpstreamUnavailable
from jointcheck.observability import REQUEST_ID_HEADER, get_request_id
from jointcheck.settings import ServiceSettings

_PATH_SAFE = "/?&=%:@!$'()*+,;~-._"
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})

# One client per event loop: a process runs one loop, but tests run several apps, each under
# its own uvicorn thread and loop, and a client's connections belong to the loop that made them.
_clients: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}


def shared_http_client(settings: ServiceSettings) -> httpx.AsyncClient:
    """The process-wide client of the running loop (created on first use)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        for stale in [lp for lp in _clients if lp.is_closed()]:
            del _clients[stale]
        client = _clients[loop] = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.http_read_timeout, connect=settings.http_connect_timeout),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )
    return client


async def close_shared_http_client() -> None:
    client = _clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


class ServiceTokenSource:
    """The token this service presents: configured, or minted from the dev secret."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._token: str | None = settings.service_token
        self._expires = float("inf") if settings.service_token else 0.0

    def token(self) -> str:
        if self._token is None or time.time() > self._expires - 300:
            ttl = 3600
            self._token = mint_token(
                self.settings.jwt_secret,
                subject=f"service:{self.settings.service_name}",
                roles=["service"],
                issuer=self.settings.jwt_issuer,
                audience=self.settings.jwt_audience,
                ttl_seconds=ttl,
            )
            self._expires = time.time() + ttl
        return self._token


class ServiceCallError(DomainError):
    """A sibling service answered with an error we pass on."""

    status, code, title_en, title_zh = (
        502,
        "upstream_error",
        "A service this call depends on returned an error",
        "依赖的服务返回错误",
    )


class ServiceClient:
    """Base of the typed clients: ``await client.request("GET", "/v1/...")``."""

    service: str = ""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        service: str | None = None,
        http: httpx.AsyncClient | None = None,
        tokens: ServiceTokenSource | None = None,
    ) -> None:
        self.settings = settings
        if service:
            self.service = service
        self.base_url = settings.service_url(self.service)
        self._http = http
        self.tokens = tokens or ServiceTokenSource(settings)

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http or shared_http_client(self.settings)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.tokens.token()}", "Accept": "application/json"}
        rid = get_request_id()
        if rid:
            h[REQUEST_ID_HEADER] = rid
        if extra:
            h.update(extra)
        return h

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        expect: tuple[int, ...] = (200, 201, 202, 204),
        timeout: float | None = None,
        safe: bool = False,
    ) -> httpx.Response:
        """``safe=True`` marks a POST that only reads (a query with a body): it may be retried."""
        method = method.upper()
        hdrs = self.headers(headers)
        retryable = safe or method in IDEMPOTENT or "Idempotency-Key" in hdrs
        attempts = (self.settings.http_retries + 1) if retryable else 1
        # Ids from callers end up in paths: control characters, spaces and non-ASCII are
        # percent-encoded rather than refused by httpx as an invalid URL (a 500).
        url = self.base_url + quote(path, safe=_PATH_SAFE)
        last_exc: Exception | None = None
        for attempt in range(attempts):
            try:
                resp = await self.http.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers=hdrs,
                    content=content,
                    timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.RemoteProtocolError) as exc:
                last_exc = exc
            else:
                if resp.status_code in RETRY_STATUSES and attempt + 1 < attempts:
                    last_exc = None
                else:
                    if resp.status_code not in expect:
                        raise self._error(method, path, resp)
                    return resp
            if attempt + 1 < attempts:
                await asyncio.sleep(min(0.2 * 2**attempt, 2.0) * (0.5 + random.random()))
        raise UpstreamUnavailable(
            f"{self.service} did not answer {method} {path}: {last_exc or 'unavailable'}",
            detail_zh=f"{self.service} 服务未响应",
            extra={"upstream": self.service},
        )

    def _error(self, method: str, path: str, resp: httpx.Response) -> DomainError:
        try:
            body = resp.json()
        except ValueError:
            body = {"detail": resp.text[:500]}
        code = body.get("code") if isinstance(body, dict) else None
        detail = body.get("detail") if isinstance(body, dict) else None
        return ServiceCallError(
            f"{self.service} answered {resp.status_code} to {method} {path}: {detail or code or ''}".strip(),
            detail_zh=f"{self.service} 服务返回 {resp.status_code}（{code or '无错误代码'}）",
            extra={"upstream": self.service, "upstream_status": resp.status_code, "upstream_code": code},
        )

    async def get_json(self, path: str, **kw: Any) -> Any:
        return (await self.request("GET", path, **kw)).json()

    async def post_json(self, path: str, body: Any, **kw: Any) -> Any:
        return (await self.request("POST", path, json=body, **kw)).json()
