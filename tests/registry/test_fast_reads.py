"""The registry's hot reads (issue 14): an entity and entity list pages rendered by PostgreSQL
(jointcheck.jsonrows) answer byte for byte what the ORM and pydantic answered — awkward strings,
timestamps with and without microseconds, nulls, empty lists, ``as_of``, every filter, cursors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from jointcheck.pagination import Page, encode_cursor
from registry.entities import repository
from registry.entities.schemas import EntityFilter, EntityRead
from registry.versioning.service import current_version

from .conftest import entity_body, uscc

AWKWARD = [
    'quote " backslash \\ slash /',
    "tab\tnewline\nreturn\r\x01\x1f\x7f",
    "新县 emoji 🚒 \u2028 \u00e9",
]


@pytest.fixture
async def directory(clients, tokens, departments, apps):
    """Twelve entities of varied shape, a few rewritten in place to awkward values, then one update
    (a second version) and one deletion."""
    for n in range(12):
        body = entity_body(
            n,
            industry_code=["H6210", "F5265", "C1311"][n % 3],
            division_code=["411523", "411502", "410102"][n % 3],
            entity_type=["enterprise", "individual_business"][n % 2],
            status=["active", "revoked"][n % 2 if n < 10 else 0],
            credit_class=None if n % 5 == 0 else "ABCD"[n % 4],
            departments=[["SCJG"], ["SCJG", "XFJY"], ["WJW"]][n % 3],
            tags=[[], ["食品经营许可"], ["a_b%c"]][n % 3],
            registered_on=None if n % 4 == 0 else "2020-01-05",
        )
        r = await clients.registry.post("/v1/entities", json=body, headers=tokens.admin)
        assert r.status_code == 201, r.text
    async with apps["registry"].state.db.transaction() as s:
        for n, name in enumerate(AWKWARD):
            await s.execute(text("UPDATE entities SET name = :n WHERE uscc = :u"), {"n": name, "u": uscc(n)})
        stamps = [
            datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC),
            datetime(2026, 3, 1, 8, 0, 0, 250000, tzinfo=UTC),
            datetime(2026, 3, 1, 8, 0, 0, 1, tzinfo=UTC),
        ]
        for n, stamp in enumerate(stamps, start=3):
            await s.execute(
                text("UPDATE entities SET classified_at = :t, changed_at = :t WHERE uscc = :u"),
                {"t": stamp, "u": uscc(n)},
            )
        await s.execute(text("UPDATE entities SET classified_at = NULL WHERE uscc = :u"), {"u": uscc(6)})
    before = await clients.registry.get("/v1/entities", params={"limit": 1}, headers=tokens.admin)
    first = await clients.registry.get(f"/v1/entities/{uscc(7)}", headers=tokens.admin)
    r = await clients.registry.patch(
        f"/v1/entities/{uscc(7)}",
        json={"name": "改名后的主体", "tags": ["x"]},
        headers=tokens.admin | {"If-Match": first.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    current = await clients.registry.get(f"/v1/entities/{uscc(8)}", headers=tokens.admin)
    r = await clients.registry.delete(
        f"/v1/entities/{uscc(8)}",
        params={"reason": "注销登记"},
        headers=tokens.admin | {"If-Match": current.headers["etag"]},
    )
    assert r.status_code == 204, r.text
    return int(before.headers["x-registry-version"])


async def test_an_entity_reads_as_the_orm_read_it(clients, tokens, apps, directory):
    before = directory
    async with apps["registry"].state.db.transaction() as s:
        for n in range(12):
            for as_of in (None, before):
                params = {} if as_of is None else {"as_of": str(as_of)}
                got = await clients.registry.get(f"/v1/entities/{uscc(n)}", params=params, headers=tokens.inspector)
                row = await repository.records.find(s, uscc(n), version=as_of)
                if row is None:
                    assert got.status_code == 404 and got.json()["code"] == "entity_not_found", (n, as_of)
                    continue
                assert got.status_code == 200, got.text
                assert got.content == EntityRead.model_validate(row).model_dump_json(by_alias=True).encode()
                assert got.headers["etag"] == f'"{row.valid_from}"'
                assert got.headers["x-registry-version"] == str(row.valid_from)
                assert got.headers["content-type"] == "application/json"
    assert (await clients.registry.get(f"/v1/entities/{uscc(8)}", headers=tokens.inspector)).status_code == 404
    old = await clients.registry.get(f"/v1/entities/{uscc(8)}", params={"as_of": before}, headers=tokens.inspector)
    assert old.status_code == 200 and old.json()["uscc"] == uscc(8)
    assert (await clients.registry.get(f"/v1/entities/{uscc(7)}", headers=tokens.inspector)).json()["name"] == (
        "改名后的主体"
    )
    future = await clients.registry.get(f"/v1/entities/{uscc(1)}", params={"as_of": "99999"}, headers=tokens.admin)
    assert future.status_code == 422 and future.json()["code"] == "as_of_in_future"
    spaced = await clients.registry.get(f"/v1/entities/{uscc(1).lower()}", headers=tokens.admin)
    assert spaced.status_code == 200 and spaced.json()["uscc"] == uscc(1)


FILTERS = [
    {},
    {"industry": ["H62"]},
    {"industry": ["52", "C13"]},
    {"division": ["4115"], "status": ["active"]},
    {"type": ["individual_business"], "class": ["A", "U"]},
    {"class": ["U"]},
    {"tag": ["a_b%c"]},
    {"tag": ["食品经营许可", "x"], "department": ["scjg"]},
    {"department": ["WJW"], "division": ["41"]},
    {"division": ["411523"]},  # a county: by equality
    {"division": ["411502", "4101"], "status": ["active"]},  # a county and a prefecture
    {"name": "%"},
    {"name": "新县"},
    {"name": 'quote "'},
    {"name": "_"},
]


def _scope(params: dict) -> EntityFilter:
    return EntityFilter(
        industry_prefixes=params.get("industry", []),
        division_prefixes=params.get("division", []),
        entity_types=params.get("type", []),
        statuses=params.get("status", []),
        credit_classes=params.get("class", []),
        tags=params.get("tag", []),
        departments=params.get("department", []),
        name_contains=params.get("name"),
    )


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: ",".join(p) or "all")
async def test_list_pages_read_as_the_orm_read_them(clients, tokens, apps, directory, params):
    before = directory
    f = _scope(params)
    async with apps["registry"].state.db.transaction() as s:
        now = await current_version(s)
        for as_of, limit in ((None, 100), (None, 2), (before, 3)):
            version = now if as_of is None else as_of
            every = await repository.list_page(s, f=f, version=version, after=None, limit=1000)
            cursor, after, pages = None, None, 0
            while True:
                query = params | {"limit": limit} | ({"cursor": cursor} if cursor else {})
                query |= {"as_of": str(as_of)} if as_of is not None else {}
                got = await clients.registry.get("/v1/entities", params=query, headers=tokens.inspector)
                assert got.status_code == 200, got.text
                rows = await repository.list_page(s, f=f, version=version, after=after, limit=limit + 1)
                items = [EntityRead.model_validate(r) for r in rows[:limit]]
                next_cursor = encode_cursor({"after": items[-1].uscc}) if len(rows) > limit else None
                expected = Page[EntityRead](items=items, next_cursor=next_cursor)
                assert got.content == expected.model_dump_json(by_alias=True).encode()
                assert got.headers["x-registry-version"] == str(version)
                pages += 1
                cursor = got.json()["next_cursor"]
                if cursor is None:
                    break
                after = items[-1].uscc
            assert pages == max(1, -(-len(every) // limit)), (len(every), limit)
    if not params:
        assert len(every) == 12  # as of before: the entity deleted since is there


async def test_list_pages_are_planned_once_per_connection(clients, tokens, apps, directory):
    """A page after a cursor was planned afresh on every execution (PostgreSQL costed a
    parameter's `LIMIT $n` at a tenth of the table and `uscc > $n` at a third, so the generic
    plan never won): the limit is written into the statement and the cursor read once per
    execution, and after PostgreSQL's five custom plans each page reuses the generic one."""
    first = await clients.registry.get("/v1/entities", params={"limit": 7}, headers=tokens.inspector)
    cursor = first.json()["next_cursor"]
    for _ in range(8):
        for query in ({"limit": 7}, {"limit": 7, "cursor": cursor}):  # a size no other test asks for
            r = await clients.registry.get("/v1/entities", params=query, headers=tokens.inspector)
            assert r.status_code == 200, r.text
    async with apps["registry"].state.db.read_connection() as conn:
        plans = await conn.fetch(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE 'WITH v AS%' AND statement LIKE '%LIMIT 8)%'"  # pages of 7 (and one more)
        )
    assert len(plans) == 2, plans  # the first page, and a page after a cursor
    for p in plans:
        assert p["custom_plans"] == 5 and p["generic_plans"] >= 3, dict(p)


async def test_a_county_filter_keeps_the_entities_a_prefix_kept(clients, tokens, apps, directory):
    """A six-digit division is compared by equality (served by the (division_code, uscc) index);
    it must keep exactly the entities the prefix match kept."""
    async with apps["registry"].state.db.transaction() as s:
        for county in ("411523", "411502", "410102", "419999"):
            expected = (
                (
                    await s.execute(
                        text(
                            "SELECT uscc FROM entities WHERE valid_to IS NULL AND NOT deleted "
                            "AND division_code LIKE :p ORDER BY uscc"
                        ),
                        {"p": county + "%"},
                    )
                )
                .scalars()
                .all()
            )
            got = await clients.registry.get(
                "/v1/entities",
                params={"division_prefixes": county, "statuses": [], "limit": 1000},
                headers=tokens.admin,
            )
            assert got.status_code == 200, got.text
            assert [e["uscc"] for e in got.json()["items"]] == list(expected), county
