"""CPU per request of the platform's request path, in process: no uvicorn, no client, no socket.

The real registry app answers ``GET /v1/entities/{uscc}`` (authenticated, one read from
PostgreSQL) called as an ASGI app in a loop, next to a bare FastAPI app answering the same path
with the same body (``bare_app.py``'s shape: no middleware, no database, no authentication), and
``GET /healthz`` of the real app (the middleware stack without authentication or database).
Each figure is the process CPU time (``time.process_time``) per request, the median of
``--rounds`` rounds of ``--requests`` requests: what the service's own Python costs, not
PostgreSQL's, and hardly moved by other load on the machine. ``--profile FILE`` writes a
cProfile of the real read (``python -m pstats FILE`` or snakeviz).

Usage: .venv/bin/python bench/bench_stack.py [--requests 3000] [--rounds 5] [--profile FILE]
(database ``<JC_BENCH_DB_PREFIX>stack_registry``, created afresh).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import time
from typing import Any

from common import ROOT  # type: ignore[import-not-found]  # noqa: F401  (puts the repo on sys.path)
from fastapi import FastAPI

from jcdev.testing import TEST_JWT_SECRET, database_url_for, resolve_test_server_url, service_settings
from jointcheck import migrations
from jointcheck.auth import mint_token


async def call(app: Any, path: str, headers: list[tuple[bytes, bytes]], query: bytes = b"") -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        else:
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["body"]


async def per_request_us(app: Any, path: str, headers: list[tuple[bytes, bytes]], n: int, rounds: int) -> float:
    status, body = await call(app, path, headers)
    assert status == 200, (status, body[:300])
    results = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(n):
            await call(app, path, headers)
        results.append((time.process_time() - started) / n * 1e6)
    return min(results)  # the least disturbed round: other load on the machine only adds


def bare_app(path: str, payload: Any) -> FastAPI:
    app = FastAPI(title="bare baseline")

    @app.get("/v1/entities/{uscc}")
    async def entity(uscc: str) -> Any:
        return payload

    return app


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile")
    args = parser.parse_args()

    from jcdev.services import migrations_location
    from jcdev.stack import drop_databases, ensure_databases

    server = resolve_test_server_url()
    prefix = os.environ.get("JC_BENCH_DB_PREFIX", "jcbench_") + "stack_"
    await drop_databases(server, [f"{prefix}registry"])
    await ensure_databases(server, [f"{prefix}registry"])
    url = database_url_for(server, "registry", prefix)
    await asyncio.to_thread(migrations.upgrade, migrations_location("registry"), url)

    from registry.main import create_app

    # INFO: the access line is written, as in production; to /dev/null.
    app = create_app(service_settings("registry", url, log_level="INFO", db_pool_size=2))
    devnull = open(os.devnull, "w")  # noqa: SIM115, ASYNC230
    for handler in logging.getLogger().handlers:
        handler.setStream(devnull)  # type: ignore[attr-defined]

    import httpx

    admin = {"Authorization": "Bearer " + mint_token(TEST_JWT_SECRET, subject="a", roles=["admin"])}
    from jointcheck.demo import departments

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for d in departments():
            r = await http.post(
                "/v1/departments", json={"code": d.code, "name": d.name, "short_name": d.short_name}, headers=admin
            )
            r.raise_for_status()
        from jointcheck.codes import make_uscc

        body = {
            "uscc": make_uscc("91411523MA0000007"),
            "name": "新县新集镇测试7号饭店有限公司",
            "entity_type": "enterprise",
            "industry_code": "H6210",
            "division_code": "411523",
            "address": "河南省信阳市新县新集镇7号",
            "status": "active",
            "registered_on": "2020-01-05",
            "credit_class": "B",
            "departments": ["SCJG", "XFJY"],
            "tags": ["食品经营许可"],
        }
        r = await http.post("/v1/entities", json=body, headers=admin)
        r.raise_for_status()
    path = f"/v1/entities/{body['uscc']}"
    token = mint_token(TEST_JWT_SECRET, subject="bench-inspector", roles=["inspector"])
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"user-agent", b"wrk"),
        (b"authorization", ("Bearer " + token).encode()),
    ]
    _, payload = await call(app, path, headers)
    import json

    bare = bare_app(path, json.loads(payload))
    n, rounds = args.requests, args.rounds
    figures = {
        "bare FastAPI, same path and body": await per_request_us(bare, path, headers[:2], n, rounds),
        "real GET /healthz (stack only)": await per_request_us(app, "/healthz", headers[:2], n, rounds),
        "real GET /v1/entities/{uscc}": await per_request_us(app, path, headers, n, rounds),
    }
    for name, us in figures.items():
        print(f"{name:<40} {us:7.0f} µs CPU per request")
    print(f"{'real − bare':<40} {figures['real GET /v1/entities/{uscc}'] - figures[list(figures)[0]]:7.0f} µs")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n):
            await call(app, path, headers)
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"profile of {n} real reads: {args.profile}")
    await app.state.db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
