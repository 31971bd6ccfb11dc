"""Every query on entities."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from sqlalchemy import ColumnElement, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck import contracts
from jointcheck.codes import CodeValueError
from jointcheck.errors import UnprocessableEntity
from registry.entities import supervision
from registry.entities.models import Entity
from registry.entities.schemas import EntityFilter, EntityRead
from registry.versioning.reads import JsonRecords
from registry.versioning.repository import VersionedRecords
from registry.versioning.store import visible_at


def industry_prefix(raw: str) -> str:
    """Canonical industry prefix: "52" → "F52", "f5265" → "F5265", "F" → "F"."""
    try:
        return contracts.industry_prefix(raw)
    except CodeValueError as exc:
        raise UnprocessableEntity(
            f"industry prefix {raw!r}: {exc}", detail_zh=f"行业代码前缀 {raw!r} 无效", code="invalid_filter"
        ) from None


def division_prefix(raw: str) -> str:
    try:
        return contracts.division_prefix(raw)
    except CodeValueError as exc:
        raise UnprocessableEntity(
            f"division prefix {raw!r}: {exc}", detail_zh=f"行政区划前缀 {raw!r} 无效", code="invalid_filter"
        ) from None


def _escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: A county-level division code is whole at six digits: a prefix that long is the code itself.
DIVISION_CODE_LENGTH = 6


def _division_condition(prefix: str) -> ColumnElement[bool]:
    """Entities of a division: one county's by equality (which the (division_code, uscc) index
    serves in USCC order: a county's page among ten million entities reads that page, not the
    province up to it), a prefecture's or a province's by prefix."""
    if len(prefix) == DIVISION_CODE_LENGTH:
        return Entity.division_code == prefix
    return Entity.division_code.startswith(prefix, autoescape=True)


def filter_conditions(f: EntityFilter) -> list[ColumnElement[bool]]:
    """SQL conditions of a scope filter (each list means "any of")."""
    conds: list[ColumnElement[bool]] = []
    if f.industry_prefixes:
        conds.append(
            or_(*(Entity.industry_code.startswith(industry_prefix(p), autoescape=True) for p in f.industry_prefixes))
        )
    if f.division_prefixes:
        conds.append(or_(*(_division_condition(division_prefix(p)) for p in f.division_prefixes)))
    if f.entity_types:
        conds.append(Entity.entity_type.in_([t.value for t in f.entity_types]))
    if f.statuses:
        conds.append(Entity.status.in_([s.value for s in f.statuses]))
    if f.tags:
        conds.append(Entity.tags.overlap(list(f.tags)))
    if f.departments:
        conds.append(Entity.departments.overlap([d.upper() for d in f.departments]))
    if f.credit_classes:
        classes = [c for c in f.credit_classes if c != "U"]
        parts: list[ColumnElement[bool]] = []
        if classes:
            parts.append(Entity.credit_class.in_(classes))
        if "U" in f.credit_classes:
            parts.append(Entity.credit_class.is_(None))
        conds.append(or_(*parts))
    if f.name_contains:
        conds.append(Entity.name.ilike(f"%{_escape_like(f.name_contains)}%", escape="\\"))
    return conds


ATTRIBUTES = (
    "name",
    "entity_type",
    "industry_code",
    "division_code",
    "address",
    "status",
    "registered_on",
    "credit_class",
    "classified_at",
    "departments",
    "tags",
    "legacy_code",
    "source",
)

#: get / as-of / 404, history, merge, next version, write, audit, delete of entities.
records: VersionedRecords[Entity] = VersionedRecords(
    Entity, key="uscc", kind="entity", label="entity", label_zh="市场主体", attributes=ATTRIBUTES
)


#: Entities rendered by PostgreSQL as :class:`EntityRead` (the hot reads: one, and list pages).
json_records = JsonRecords(records, EntityRead)


def filter_sql(f: EntityFilter, args: list[Any], first: int) -> list[str]:
    """:func:`filter_conditions` as SQL text on ``t`` for :meth:`JsonRecords.page`: the same
    conditions (a test compares the rows of both), parameters appended to ``args`` and numbered
    from ``first``."""

    def param(value: Any) -> str:
        args.append(value)
        return f"${first + len(args) - 1}"

    def prefixes(column: str, values: list[str]) -> str:
        return "(" + " OR ".join(f"t.{column} LIKE {param(_escape_like(v) + '%')} ESCAPE '\\'" for v in values) + ")"

    conds: list[str] = []
    if f.industry_prefixes:
        conds.append(prefixes("industry_code", [industry_prefix(p) for p in f.industry_prefixes]))
    if f.division_prefixes:  # as _division_condition
        codes = [division_prefix(p) for p in f.division_prefixes]
        parts = [f"t.division_code = {param(c)}" for c in codes if len(c) == DIVISION_CODE_LENGTH]
        if shorter := [c for c in codes if len(c) != DIVISION_CODE_LENGTH]:
            parts.append(prefixes("division_code", shorter))
        conds.append("(" + " OR ".join(parts) + ")")
    if f.entity_types:
        conds.append(f"t.entity_type = ANY({param([t.value for t in f.entity_types])}::text[])")
    if f.statuses:
        conds.append(f"t.status = ANY({param([s.value for s in f.statuses])}::text[])")
    if f.tags:
        conds.append(f"t.tags && {param(list(f.tags))}::varchar[]")
    if f.departments:
        conds.append(f"t.departments && {param([d.upper() for d in f.departments])}::varchar[]")
    if f.credit_classes:
        classes = [c for c in f.credit_classes if c != "U"]
        parts = [f"t.credit_class = ANY({param(classes)}::text[])"] if classes else []
        if "U" in f.credit_classes:
            parts.append("t.credit_class IS NULL")
        conds.append("(" + " OR ".join(parts) + ")")
    if f.name_contains:
        conds.append(f"t.name ILIKE {param('%' + _escape_like(f.name_contains) + '%')} ESCAPE '\\'")
    return conds


async def list_page_json(
    conn: asyncpg.Connection, *, f: EntityFilter, version: int | None, after: str | None, limit: int
) -> tuple[int, list[tuple[str, bytes]]]:
    """:func:`list_page` as ``(uscc, EntityRead JSON)`` rows, on a read connection, with the version
    read (``version``, or the current one for ``None``)."""
    args: list[Any] = []
    conditions = filter_sql(f, args, first=2)
    return await json_records.page(conn, version=version, conditions=conditions, args=args, after=after, limit=limit)


async def list_page(
    session: AsyncSession, *, f: EntityFilter, version: int, after: str | None, limit: int
) -> list[Entity]:
    stmt = select(Entity).where(visible_at(Entity, version), *filter_conditions(f))
    if after:
        stmt = stmt.where(Entity.uscc > after)
    return list((await session.execute(stmt.order_by(Entity.uscc).limit(limit))).scalars())


async def stream_export(
    db: Any, *, f: EntityFilter, version: int, partition: int = 2000
) -> AsyncIterator[list[Entity]]:
    """Entities of a scope as of a version in USCC order, in partitions, from a
    transaction of their own (a streamed response outlives the request's session)."""
    stmt = select(Entity).where(visible_at(Entity, version), *filter_conditions(f)).order_by(Entity.uscc)
    async with db.transaction() as s:
        result = await s.stream(stmt.execution_options(yield_per=partition))
        async for rows in result.scalars().partitions():
            yield list(rows)


def frame_query(f: EntityFilter, version: int) -> Any:
    """``uscc, class`` lines of a scope as of a version, in bytewise USCC order."""
    return (
        select(Entity.uscc, func.coalesce(Entity.credit_class, literal("U")))
        .where(visible_at(Entity, version), *filter_conditions(f))
        .order_by(Entity.uscc)
    )


async def counts_by_class(session: AsyncSession, *, f: EntityFilter, version: int) -> dict[str, int]:
    cls = func.coalesce(Entity.credit_class, literal("U"))
    rows = (
        await session.execute(
            select(cls, func.count()).where(visible_at(Entity, version), *filter_conditions(f)).group_by(cls)
        )
    ).all()
    return {c: n for c, n in rows}


# ------------------------------------------------------------------ bulk import

_STAGING_DDL = """
CREATE TEMP TABLE entity_import_staging (
    line integer NOT NULL,
    uscc varchar(18) COLLATE "C" NOT NULL,
    name varchar(256) NOT NULL,
    entity_type varchar(24) NOT NULL,
    industry_code varchar(5) COLLATE "C" NOT NULL,
    division_code varchar(6) COLLATE "C" NOT NULL,
    address text NOT NULL,
    status varchar(16) NOT NULL,
    registered_on date,
    credit_class varchar(1),
    departments varchar(16)[] NOT NULL,
    tags varchar(64)[] NOT NULL,
    legacy_code boolean NOT NULL
) ON COMMIT DROP
"""

_DIFF_SQL = f"""
CREATE TEMP TABLE entity_import_diff ON COMMIT DROP AS
SELECT s.*, e.row_id AS current_row_id, e.departments AS current_departments, coalesce(e.source, 'local') AS source,
       v.violation,
       CASE WHEN v.violation IS NOT NULL THEN 'rejected'
            WHEN e.row_id IS NULL OR e.deleted THEN 'insert'
            WHEN (e.name, e.entity_type, e.industry_code, e.division_code, e.address, e.status,
                  e.registered_on, e.credit_class, e.departments, e.tags, e.legacy_code)
                 IS DISTINCT FROM
                 (s.name, s.entity_type, s.industry_code, s.division_code, s.address, s.status,
                  s.registered_on, s.credit_class, s.departments, s.tags, s.legacy_code) THEN 'update'
            ELSE 'same' END AS action,
       CASE WHEN s.credit_class IS NULL THEN NULL
            WHEN e.credit_class IS NOT DISTINCT FROM s.credit_class THEN e.classified_at
            ELSE now() END AS classified_at
FROM entity_import_staging s
LEFT JOIN entities e ON e.uscc = s.uscc AND e.valid_to IS NULL
CROSS JOIN LATERAL (SELECT coalesce({supervision.violation_sql("e", "s")},
    -- the platform owns the registration fields of the entities it feeds
    CASE WHEN e.source = 'platform' AND NOT e.deleted
          AND (e.name, e.entity_type, e.industry_code, e.division_code, e.address, e.status, e.registered_on)
              IS DISTINCT FROM
              (s.name, s.entity_type, s.industry_code, s.division_code, s.address, s.status, s.registered_on)
         THEN 'platform_owned' END) AS violation) v
"""


async def raw_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's transaction (for COPY)."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def create_import_staging(session: AsyncSession) -> None:
    # The diff join and the USCC-ordered insert of a bulk import sort/hash up to millions
    # of rows: give this transaction enough memory to do it without spilling to disk.
    await session.execute(text("SET LOCAL work_mem = '256MB'"))
    await session.execute(text(_STAGING_DDL))


async def copy_into_staging(session: AsyncSession, chunks: Any) -> None:
    """``COPY`` text-format lines (an async iterable of byte chunks) into the staging table."""
    from registry.entities.importer import STAGING_COLUMNS

    conn = await raw_connection(session)
    await conn.copy_to_table("entity_import_staging", source=chunks, columns=list(STAGING_COLUMNS), format="text")


async def drop_staged_lines(session: AsyncSession, lines: list[int]) -> None:
    await session.execute(text("DELETE FROM entity_import_staging WHERE line = ANY(:lines)"), {"lines": lines})


async def diff_staged(session: AsyncSession, *, dept: str | None) -> dict[str, int]:
    """Compare staged rows with the current registry; counts per action. Rows ``dept``
    may not write (:mod:`registry.entities.supervision`) are ``rejected``."""
    await session.execute(text(_DIFF_SQL), {"dept": dept})
    rows = (await session.execute(text("SELECT action, count(*) FROM entity_import_diff GROUP BY action"))).all()
    return {a: n for a, n in rows}


async def rejected_rows(session: AsyncSession, *, limit: int) -> list[tuple[int, list[str], str]]:
    """(line, departments, violation code) of the first ``limit`` rejected staged rows."""
    rows = (
        await session.execute(
            text(
                "SELECT line, departments, violation FROM entity_import_diff WHERE action = 'rejected' ORDER BY line LIMIT :n"
            ),
            {"n": limit},
        )
    ).all()
    return [(line, list(depts), code) for line, depts, code in rows]


ANALYZE_AFTER_ROWS = 10_000


async def apply_staged(session: AsyncSession, *, version: int, actor: str | None, changed: int) -> None:
    """Close changed rows at ``version`` and insert their new state (set-based)."""
    await session.execute(
        text(
            "UPDATE entities e SET valid_to = :v FROM entity_import_diff d "
            "WHERE d.action IN ('insert', 'update') AND e.row_id = d.current_row_id"
        ),
        {"v": version},
    )
    await session.execute(
        text(
            "INSERT INTO entities (uscc, name, entity_type, industry_code, division_code, address, status, "
            "registered_on, credit_class, classified_at, departments, tags, legacy_code, source, valid_from, deleted, "
            "changed_by, change_reason) "
            "SELECT uscc, name, entity_type, industry_code, division_code, address, status, registered_on, "
            "credit_class, classified_at, departments, tags, legacy_code, source, :v, false, :actor, 'import' "
            "FROM entity_import_diff WHERE action IN ('insert', 'update') ORDER BY uscc"
        ),
        {"v": version, "actor": actor},
    )
    if changed >= ANALYZE_AFTER_ROWS:
        # A bulk load changes the table's shape at once; fresh statistics keep lookups
        # on the indexes instead of waiting for autovacuum (ANALYZE is transactional).
        await session.execute(text("ANALYZE entities"))


# ------------------------------------------------------------------ credit classes


async def stage_credit_classes(
    session: AsyncSession, rows: list[tuple[str, str | None, Any]], *, dept: str | None
) -> dict[str, Any]:
    """Stage (uscc, class, classified_at) rows and classify them against the registry;
    rows ``dept`` may not write are ``forbidden`` (the supervision rule, departments unchanged)."""
    await session.execute(
        text(
            'CREATE TEMP TABLE credit_sync (uscc varchar(18) COLLATE "C" PRIMARY KEY, credit_class varchar(1), '
            "classified_at timestamptz NOT NULL) ON COMMIT DROP"
        )
    )
    conn = await raw_connection(session)
    await conn.copy_records_to_table("credit_sync", records=rows, columns=["uscc", "credit_class", "classified_at"])
    result = (
        await session.execute(
            text(
                "SELECT c.uscc, CASE WHEN e.row_id IS NULL THEN 'unknown' "
                f"WHEN ({supervision.violation_sql('e', 'e')}) IS NOT NULL THEN 'forbidden' "
                "WHEN e.classified_at IS NOT NULL AND c.classified_at < e.classified_at THEN 'stale' "
                "WHEN e.credit_class IS NOT DISTINCT FROM c.credit_class AND e.classified_at = c.classified_at THEN 'same' "
                "ELSE 'update' END AS action "
                "FROM credit_sync c LEFT JOIN entities e ON e.uscc = c.uscc AND e.valid_to IS NULL AND NOT e.deleted"
            ),
            {"dept": dept},
        )
    ).all()
    out: dict[str, Any] = {"unknown": [], "stale": [], "forbidden": [], "same": 0, "update": 0}
    for uscc, action in result:
        if action in ("unknown", "stale", "forbidden"):
            out[action].append(uscc)
        else:
            out[action] += 1
    out["unknown"].sort()
    out["stale"].sort()
    out["forbidden"].sort()
    return out


async def apply_credit_classes(session: AsyncSession, *, version: int, actor: str | None) -> None:
    await session.execute(
        text(
            "CREATE TEMP TABLE credit_apply ON COMMIT DROP AS "
            "SELECT e.row_id, c.credit_class, c.classified_at FROM credit_sync c "
            "JOIN entities e ON e.uscc = c.uscc AND e.valid_to IS NULL AND NOT e.deleted "
            "WHERE (e.classified_at IS NULL OR c.classified_at >= e.classified_at) "
            "AND NOT (e.credit_class IS NOT DISTINCT FROM c.credit_class AND e.classified_at = c.classified_at)"
        )
    )
    await session.execute(
        text("UPDATE entities e SET valid_to = :v FROM credit_apply a WHERE e.row_id = a.row_id"), {"v": version}
    )
    await session.execute(
        text(
            "INSERT INTO entities (uscc, name, entity_type, industry_code, division_code, address, status, "
            "registered_on, credit_class, classified_at, departments, tags, legacy_code, source, valid_from, deleted, "
            "changed_by, change_reason) "
            "SELECT e.uscc, e.name, e.entity_type, e.industry_code, e.division_code, e.address, e.status, "
            "e.registered_on, a.credit_class, a.classified_at, e.departments, e.tags, e.legacy_code, e.source, :v, false, "
            ":actor, 'credit_sync' FROM credit_apply a JOIN entities e ON e.row_id = a.row_id"
        ),
        {"v": version, "actor": actor},
    )
