"""The department rule is one rule: its SQL form (imports, credit classes) agrees with its
Python form (create, update, delete) on every case."""

from __future__ import annotations

import itertools

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from jointcheck.auth import Principal
from registry.entities.supervision import restricted_department, violation, violation_sql

LISTS = [None, [], ["GAJ"], ["SWJ"], ["GAJ", "SWJ"], ["SWJ", "YJGL"], ["GAJ", "SWJ", "YJGL"]]


def test_who_is_bound():
    assert restricted_department(Principal(subject="a", roles=frozenset({"admin"}))) is None
    assert restricted_department(Principal(subject="s", roles=frozenset({"service"}))) is None
    assert restricted_department(Principal(subject="o", roles=frozenset({"officer"}), dept="GAJ")) == "GAJ"
    assert restricted_department(Principal(subject="o", roles=frozenset({"officer"}))) == ""


def test_the_rule_in_python():
    assert violation("GAJ", None, ["GAJ", "SWJ"]) is None  # a new entity, own department listed
    assert violation("GAJ", None, ["SWJ"]).code == "own_department_required"
    assert violation("GAJ", ["SWJ"], ["GAJ", "SWJ"]).code == "not_supervised"
    assert violation("SWJ", ["SWJ"], ["SWJ", "YJGL"]).code == "other_departments"
    assert violation("SWJ", ["GAJ", "SWJ"], ["SWJ"]).code == "other_departments"
    assert violation("SWJ", ["GAJ", "SWJ"], ["SWJ"]).code == "other_departments"
    assert violation("SWJ", ["SWJ", "GAJ"], ["GAJ", "SWJ"]) is None


async def test_sql_and_python_agree(service_database_urls):
    engine = create_async_engine(service_database_urls["registry"])
    sql = text(
        "SELECT " + violation_sql("e", "s") + " FROM "
        "(SELECT CAST(:has_current AS boolean) AS present, CAST(:current AS varchar[]) AS departments) c "
        "CROSS JOIN LATERAL (SELECT CASE WHEN c.present THEN 1 END AS row_id, c.departments) e, "
        "(SELECT CAST(:new AS varchar[]) AS departments) s"
    )
    try:
        async with engine.connect() as conn:
            for dept, current, new in itertools.product(["GAJ", "SWJ", ""], LISTS, LISTS[1:]):
                expected = violation(dept, current, new)
                got = (
                    await conn.execute(
                        sql, {"dept": dept, "has_current": current is not None, "current": current or [], "new": new}
                    )
                ).scalar_one()
                assert got == (expected.code if expected else None), (dept, current, new)
            unbound = await conn.execute(sql, {"dept": None, "has_current": True, "current": ["SWJ"], "new": []})
            assert unbound.scalar_one() is None
    finally:
        await engine.dispose()
