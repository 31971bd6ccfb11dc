"""The hot reads of versioned records: SQL text on the request's read connection
(:meth:`jointcheck.db.Database.read_connection`), each record rendered by PostgreSQL as its
read schema renders it (:mod:`jointcheck.jsonrows`). No ORM object, no statement to build or
compile, no pydantic round trip; the same rows, rules and answers as the ORM reads
(tests compare them byte for byte)."""

from __future__ import annotations

from typing import Any

import asyncpg
from pydantic import BaseModel

from jointcheck.jsonrows import RowJson, utf8
from registry.versioning.repository import VersionedRecords
from registry.versioning.service import CURRENT_VERSION

#: ``t`` is the record's table; ``$1`` the version the read is as of.
VISIBLE_AT = "t.valid_from <= $1 AND (t.valid_to IS NULL OR t.valid_to > $1) AND NOT t.deleted"
#: The same rows as of the current version, written as the partial indexes (``WHERE valid_to IS
#: NULL``) are: in one snapshot, the rows not yet superseded are those visible at the current version.
CURRENT = "t.valid_to IS NULL AND NOT t.deleted"


class JsonRecords:
    """One versioned resource's records as ``schema`` JSON, now or as of a version."""

    def __init__(self, records: VersionedRecords[Any], schema: type[BaseModel]) -> None:
        self.records = records
        self.table = records.model.__table__.name  # type: ignore[attr-defined]
        self.key = records.key
        self.row_json = RowJson(schema)
        select = f"SELECT t.valid_from, {utf8('row_to_json(j)::text')} FROM {self.table} t, {self.row_json.lateral()} "
        self._current = select + f"WHERE t.{self.key} = $1 AND {CURRENT}"
        self._as_of = select + f"WHERE t.{self.key} = $2 AND " + VISIBLE_AT

    async def get(self, conn: asyncpg.Connection, key: str, *, version: int | None = None) -> tuple[int, bytes]:
        """``(valid_from, json)`` (UTF-8) of the record now (or as of ``version``); 404 ``<kind>_not_found``."""
        row = await (conn.fetchrow(self._current, key) if version is None else conn.fetchrow(self._as_of, version, key))
        if row is None:
            raise self.records.not_found(key, version)
        return row[0], row[1]

    async def page(
        self,
        conn: asyncpg.Connection,
        *,
        version: int | None,
        conditions: list[str],
        args: list[Any],
        after: str | None,
        limit: int,
    ) -> tuple[int, list[tuple[str, bytes]]]:
        """The version read (``version``, or the current one when it is ``None``) and the rows
        ``(key, json)`` (UTF-8 JSON) visible at it matching ``conditions`` (SQL on ``t`` whose parameters are
        ``args``, numbered from ``$2``), after ``after`` in key order, at most ``limit`` — in one
        statement: the current version is read in the page's own snapshot, no round trip more.

        Planned once per connection: PostgreSQL plans a prepared statement afresh on every
        execution (about 0.2 ms a page) unless its generic plan is estimated no dearer than the
        plans made for the values, and a generic plan costs ``LIMIT $n`` at a tenth of the table
        and ``key > $n`` at a third. So the limit (a validated integer) is written into the
        statement, and the cursor is read by a sub-select, which every plan costs alike and every
        plan can still use as an index bound. Filters keep their parameters: where their values
        matter to the plan (a prefix, a tag), PostgreSQL keeps planning for the values."""
        params: list[Any] = [version, *args]
        # Now: the current rows, which the current-state indexes serve (a county's page among ten
        # million entities reads the county's rows, not the province's in USCC order until it has
        # found a page); as of a version: the rows visible then.
        where = [CURRENT if version is None else VISIBLE_AT.replace("$1", "v.version"), *conditions]
        if after is not None:
            params.append(after)
            where.append(f"t.{self.key} > (SELECT ${len(params)}::text)")
        sql = (
            f"WITH v AS MATERIALIZED (SELECT coalesce($1::bigint, ({CURRENT_VERSION})) AS version) "
            "SELECT v.version, p.key, p.body FROM v LEFT JOIN LATERAL ("
            f"SELECT t.{self.key} AS key, {utf8('row_to_json(j)::text')} AS body FROM {self.table} t, {self.row_json.lateral()} "
            f"WHERE {' AND '.join(where)} ORDER BY t.{self.key} LIMIT {int(limit)}) p ON true ORDER BY p.key"
        )
        rows = await conn.fetch(sql, *params)
        return rows[0][0], [(r[1], r[2]) for r in rows if r[1] is not None]
