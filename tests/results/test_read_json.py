"""``inspections.read_json``: each inspection as the list page sends it, stored with the row by a
trigger. Every results test checks, when it ends, that the rows it wrote carry a fresh rendering
(``_stored_renderings_stay_fresh`` in conftest); these check the trigger and the migration."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg

from jcdev.services import migrations_location
from jcdev.stack import drop_databases, ensure_databases
from jcdev.testing import TEST_DB_PREFIX, database_url_for
from jointcheck import migrations
from results.inspections.repository import READ_JSON_FUNCTION, read_json_function_body

from .conftest import stored_renderings_differ, uscc


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql")


async def test_the_installed_trigger_renders_as_the_current_schema(service_database_urls):
    """A changed ``InspectionRead`` without a migration replacing the function fails here."""
    conn = await asyncpg.connect(_plain(service_database_urls["results"]))
    try:
        body = await conn.fetchval("SELECT prosrc FROM pg_proc WHERE proname = $1", READ_JSON_FUNCTION)
    finally:
        await conn.close()
    assert body == read_json_function_body()


async def test_raw_sql_writes_keep_the_rendering(clean_databases):
    """Not only the service's paths: any INSERT, UPDATE or upsert renders the row in its statement."""
    url = _plain(clean_databases["results"])
    conn = await asyncpg.connect(url)
    team = [{"inspector": "SWJ-1", "department": "SWJ"}, {"department": "YJGL", "inspector": 'Y"J\\1', "x": 1}]
    items = [
        {"position": 1, "item_id": "i-1", "item_version": 2, "department": "SWJ", "code": "C", "name": "名 称"},
        {"position": 2, "item_id": "i-2", "item_version": 1, "department": "SWJ", "code": "D", "name": "n",
         "legal_basis": "法", "content": "\t", "methods": ["on_site", "testing"]},
    ]  # fmt: skip
    try:
        await conn.execute(
            "INSERT INTO inspections (id, task_id, uscc, inspectors, departments, team_departments, team, items,"
            " checklist_id, created_at) VALUES ($1, 'T-raw', $2, '{SWJ-1}', '{SWJ}', '{SWJ}', $3::jsonb, $4::jsonb,"
            " 'cl-1', '2026-03-01 08:00:00.25+00')",
            uuid.uuid4(),
            uscc(1),
            json.dumps(team),
            json.dumps(items),
        )
        assert await stored_renderings_differ(url) == []
        await conn.execute(
            "UPDATE inspections SET state = 'approved', categories = '[{\"code\": \"ok\"}]',"
            " approved_at = now(), inspected_on = '2026-03-02', late = true WHERE task_id = 'T-raw'"
        )
        await conn.execute(
            "INSERT INTO inspections (id, task_id, uscc, inspectors, departments, team_departments)"
            " VALUES ($1, 'T-raw', $2, '{}', '{}', '{}')"
            " ON CONFLICT (task_id, uscc) DO UPDATE SET checklist_id = NULL, items = '[]'",
            uuid.uuid4(),
            uscc(1),
        )
        assert await stored_renderings_differ(url) == []
        stored = json.loads(await conn.fetchval("SELECT read_json FROM inspections WHERE task_id = 'T-raw'"))
        assert stored["state"] == "approved" and stored["items"] == [] and stored["items_pending"] is True
    finally:
        await conn.close()


async def test_the_migration_renders_the_rows_already_there(pg_server_url):
    name = f"{TEST_DB_PREFIX}read_json_results"
    await drop_databases(pg_server_url, [name])
    await ensure_databases(pg_server_url, [name])
    url = database_url_for(pg_server_url, "read_json_results")
    location = migrations_location("results")
    try:
        await asyncio.to_thread(migrations.upgrade, location, url, "662e40328504")  # before read_json
        conn = await asyncpg.connect(_plain(url))
        try:
            for n in (1, 2):
                await conn.execute(
                    "INSERT INTO inspections (id, task_id, uscc, inspectors, departments, team_departments, team)"
                    " VALUES ($1, 'T-old', $2, '{A-1}', '{SWJ}', '{SWJ}', $3::jsonb)",
                    uuid.uuid4(),
                    uscc(n),
                    json.dumps([{"inspector": "A-1", "department": "SWJ"}]),
                )
        finally:
            await conn.close()
        await asyncio.to_thread(migrations.upgrade, location, url)
        assert await stored_renderings_differ(url) == []
        conn = await asyncpg.connect(_plain(url))
        try:
            assert await conn.fetchval("SELECT count(*) FROM inspections WHERE read_json IS NOT NULL") == 2
        finally:
            await conn.close()
    finally:
        await drop_databases(pg_server_url, [name])
