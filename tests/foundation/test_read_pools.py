"""Issue 14: pools sized from the settings, no overflow churn, counted in /metrics; reads that need
no transaction are read-only by PostgreSQL's own rule; the raw read pool hands connections out in
order, discards broken ones, never leaks a slot; schemas PostgreSQL cannot render are refused."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime

import asyncpg
import httpx
import pytest
from pydantic import BaseModel, TypeAdapter

from jcdev.testing import service_settings
from jointcheck.db import Database, PoolStats, ReadPool
from jointcheck.jsonrows import NotRenderable, RowJson, page_json, utc_timestamp_json
from jointcheck.pagination import Page


def _connect_args(url: str) -> dict:
    db = Database(url)
    _, args = db.engine.dialect.create_connect_args(__import__("sqlalchemy").engine.make_url(db.url))
    return {**args, "server_settings": {"default_transaction_read_only": "on"}}


async def test_the_read_pool_bounds_queues_and_counts(service_database_urls):
    stats = PoolStats()
    pool = ReadPool(_connect_args(service_database_urls["registry"]), size=2, stats=stats, timeout=5)
    try:
        a, b = await pool.acquire(), await pool.acquire()
        assert pool.checkedout() == 2 and stats.connections_opened == 2
        waiter = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.05)
        assert not waiter.done() and stats.waits == 1  # at capacity: it waits, nothing opens
        pool.release(a)
        c = await asyncio.wait_for(waiter, 2)
        assert c is a and stats.connections_opened == 2  # handed over, not reopened
        pool.release(b)
        pool.release(c)
        assert pool.checkedin() == 2 and pool.checkedout() == 0
        for _ in range(20):  # steady use: no connection is opened again
            conn = await pool.acquire()
            assert await conn.fetchval("SELECT 1") == 1
            pool.release(conn)
        assert stats.connections_opened == 2 and stats.checkouts == 23
        # read-only by PostgreSQL's own rule, in autocommit
        conn = await pool.acquire()
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute("CREATE TABLE must_not_exist (x int)")
        assert not conn.is_in_transaction()
        pool.release(conn)
    finally:
        await pool.close()


async def test_the_read_pool_discards_broken_connections_and_keeps_its_slots(service_database_urls):
    stats = PoolStats()
    pool = ReadPool(_connect_args(service_database_urls["registry"]), size=1, stats=stats, timeout=0.2)
    try:
        conn = await pool.acquire()
        with pytest.raises(TimeoutError):
            await pool.acquire()  # a waiter that gives up leaves no slot taken
        conn.terminate()
        pool.release(conn)  # a closed connection is discarded, its slot freed
        fresh = await pool.acquire()
        assert fresh is not conn and await fresh.fetchval("SELECT 2") == 2 and stats.connections_opened == 2
        cancelled = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.05)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        pool.release(fresh, broken=True)  # e.g. a statement cancelled mid-flight
        again = await asyncio.wait_for(pool.acquire(), 2)
        assert await again.fetchval("SELECT 3") == 3 and pool.checkedout() == 1
        pool.release(again)
    finally:
        await pool.close()


async def test_read_connections_cannot_write(service_database_urls):
    db = Database(service_database_urls["registry"], pool_size=2)
    try:
        async with db.read_connection() as conn:
            before = await conn.fetchval("SELECT count(*) FROM registry_versions")
            with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                await conn.execute("INSERT INTO registry_versions (version, reason) VALUES (999999, 'x')")
        async with db.read_connection() as conn:  # the same connection, still fine after the refusal
            assert await conn.fetchval("SELECT count(*) FROM registry_versions") == before
            assert db.stats["read"].connections_opened == 1
    finally:
        await db.dispose()


async def test_read_connections_write_times_in_utc_whatever_the_servers_default(service_database_urls):
    url = service_database_urls["registry"]
    args = _connect_args(url)
    del args["server_settings"]
    admin = await asyncpg.connect(**args)
    name = args["database"]
    await admin.execute(f"ALTER DATABASE \"{name}\" SET TimeZone = 'Asia/Shanghai'")
    db = Database(url, pool_size=1)
    try:
        async with db.read_connection() as conn:
            # the JSON PostgreSQL writes for a hot read (a task's document) is in UTC, as pydantic writes it
            assert await conn.fetchval("SELECT to_json(timestamptz '2026-03-01 16:00+08')::text") == (
                '"2026-03-01T08:00:00+00:00"'
            )
    finally:
        await db.dispose()
        await admin.execute(f'ALTER DATABASE "{name}" RESET TimeZone')
        await admin.close()


async def test_metrics_show_pools_and_steady_load_opens_no_connections(service_database_urls, clean_databases):
    from registry.main import create_app

    app = create_app(service_settings("registry", service_database_urls["registry"], db_pool_size=3))
    transport = httpx.ASGITransport(app=app)
    from jcdev.testing import Tokens

    admin = Tokens().admin
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as c:

        async def burst(k: int) -> None:
            rs = await asyncio.gather(
                *(c.get(f"/v1/entities/91411523MA{n:07d}X", headers=admin) for n in range(12)),
                *(
                    c.post(
                        "/v1/departments",
                        json={"code": f"Q{k}X{i}", "name": f"测试部门{k}{i}", "short_name": f"测{k}{i}"},
                        headers=admin,
                    )
                    for i in range(8)
                ),
            )
            assert {r.status_code for r in rs} == {404, 201}, [r.text for r in rs if r.status_code not in (404, 201)]

        await burst(0)
        opened = {k: s.connections_opened for k, s in app.state.db.stats.items()}
        for k in range(1, 4):
            await burst(k)
        after = {k: s.connections_opened for k, s in app.state.db.stats.items()}
        assert after == opened and after["read"] <= 3  # twelve at once share three, none reopened
        text_ = (await c.get("/metrics")).text
    for pool in ("write", "read"):
        assert f'db_pool_size{{pool="{pool}",service="registry"}} 3.0' in text_
        assert f'db_pool_connections_opened_total{{pool="{pool}",service="registry"}}' in text_
    fast = app.state.db.stats["read"]
    assert fast.checkouts == 48 and fast.waits > 0
    assert f'db_pool_checkouts_total{{pool="read",service="registry"}} {fast.checkouts}.0' in text_
    assert 'db_pool_waits_total{pool="read",service="registry"}' in text_
    assert 'db_pool_wait_seconds_total{pool="read",service="registry"}' in text_
    await app.state.db.dispose()


class Plain(BaseModel):
    id: uuid.UUID
    name: str
    at: datetime | None
    on: date | None
    tags: list[str]
    flag: bool
    n: int


class Nested(BaseModel):
    inner: Plain


class Floaty(BaseModel):
    x: float


def test_only_plain_schemas_are_rendered_by_postgresql():
    assert 'AS "tags"' in RowJson(Plain).select_list
    for schema in (Nested, Floaty):
        with pytest.raises(NotRenderable):
            RowJson(schema)
    assert page_json([b'{"a":1}'], None) == Page[dict](items=[{"a": 1}]).model_dump_json().encode()
    assert page_json([], "abc") == b'{"items":[],"next_cursor":"abc"}'


async def test_postgresql_writes_timestamps_and_values_as_pydantic_does(service_database_urls):
    url = service_database_urls["registry"].replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(url)
    try:
        for micro in (0, 1, 10, 250000, 999999, 500000):
            for moment in (
                datetime(2026, 3, 1, 8, 0, 0, micro, tzinfo=UTC),
                datetime(1999, 12, 31, 23, 59, 59, micro, tzinfo=UTC),
            ):
                sql = f"SELECT {utc_timestamp_json('$1::timestamptz')}"
                rendered = await conn.fetchval(sql, moment)
                assert f'"{rendered}"'.encode() == TypeAdapter(datetime).dump_json(moment)
        await conn.execute("SET TimeZone = 'Asia/Shanghai'")  # the session's zone changes nothing
        sql = f"SELECT {utc_timestamp_json('$1::timestamptz')}"
        moment = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
        assert await conn.fetchval(sql, moment) == "2026-03-01T00:30:00Z"
        row = Plain(
            id=uuid.uuid4(),
            name='a"b\\c\t\n\x01 新 🚒',
            at=None,
            on=date(2026, 1, 2),
            tags=["x", 'y"z'],
            flag=True,
            n=-3,
        )
        rj = RowJson(
            Plain,
            sources={
                "id": "$1::uuid",
                "name": "$2::text",
                "at": "NULL::timestamptz",
                "on": "$3::date",
                "tags": "$4::text[]",
                "flag": "true",
                "n": "-3",
            },
        )
        got = await conn.fetchval(
            f"SELECT row_to_json(j)::text FROM (SELECT {rj.select_list}) j", row.id, row.name, row.on, row.tags
        )
        assert got.encode() == row.model_dump_json().encode()
    finally:
        await conn.close()


class Member(BaseModel):
    name: str
    rank: int = 0
    note: str = ""
    tags: list[str] = []
    since: date | None = None


class Team(BaseModel):
    members: list[Member]


async def test_postgresql_writes_lists_of_models_from_jsonb_as_pydantic_does(service_database_urls):
    url = service_database_urls["registry"].replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(url)
    stored = [
        {"name": 'a "b"', "rank": 2, "note": "x", "tags": ["p", "q"], "since": "2026-01-02", "extra": {"k": 1}},
        {"tags": [], "name": "新\t县"},  # keys missing: the model's defaults; order as stored does not matter
        {"since": None, "name": "c", "rank": -1},
    ]
    try:
        for value in (stored, []):
            rj = RowJson(Team, sources={"members": "$1::jsonb"})
            got = await conn.fetchval(
                f"SELECT row_to_json(j)::text FROM (SELECT {rj.select_list}) j", json.dumps(value)
            )
            assert got.encode() == Team.model_validate({"members": value}).model_dump_json().encode()
    finally:
        await conn.close()
