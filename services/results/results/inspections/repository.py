"""Every query on inspections, their findings and their history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy import ColumnElement, delete, false, func, literal, or_, select, text, true, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.jsonrows import NotRenderable, RowJson, utf8
from jointcheck.visibility import Scope
from results.inspections.models import Finding, Inspection, InspectionEvent
from results.inspections.schemas import InspectionRead
from results.tasks.models import ResultTask


def _task_fill(task: ResultTask | None) -> dict[str, Any]:
    if task is None:
        return {}
    return {
        "items": task.items,
        "checklist_id": task.checklist_id,
        "checklist_version": task.checklist_version,
        "due_on": task.due_on,
    }


async def insert_drawn(
    session: AsyncSession,
    *,
    task_id: str,
    objects_draw_id: str,
    entities: Sequence[str],
    departments: list[str],
    lead_department: str,
    task: ResultTask | None,
) -> int:
    """One inspection awaiting its team per drawn entity (an entity already filed for the task stays)."""
    if not entities:
        return 0
    fill = _task_fill(task)
    total = 0
    for start in range(0, len(entities), 5000):
        rows = [
            {
                "id": uuid.uuid4(),
                "task_id": task_id,
                "objects_draw_id": objects_draw_id,
                "uscc": uscc,
                "inspectors": [],
                "departments": departments,
                "team_departments": [],
                "lead_department": lead_department,
                "state": "awaiting_team",
                **fill,
            }
            for uscc in entities[start : start + 5000]
        ]
        stmt = insert(Inspection).values(rows).on_conflict_do_nothing(index_elements=["task_id", "uscc"])
        total += (await session.execute(stmt)).rowcount
    return total


async def upsert_teams(
    session: AsyncSession,
    *,
    task_id: str,
    draw_id: str,
    teams: list[tuple[str, list[str], list[dict[str, str]]]],
    departments: list[str],
    team_departments: list[str],
    lead_department: str | None,
    task: ResultTask | None,
) -> int:
    """Give each entity its team: a new inspection, or one awaiting its team (or still only assigned)."""
    if not teams:
        return 0
    fill = _task_fill(task)
    lead = lead_department or (task.lead_department if task else None) or (departments[0] if departments else None)
    stmt = insert(Inspection).values(
        [
            {
                "id": uuid.uuid4(),
                "task_id": task_id,
                "draw_id": draw_id,
                "uscc": uscc,
                "inspectors": inspectors,
                "team": members,
                "departments": departments,
                "team_departments": team_departments,
                "lead_department": lead,
                "state": "assigned",
                **fill,
            }
            for uscc, inspectors, members in teams
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["task_id", "uscc"],
        set_={
            "draw_id": stmt.excluded.draw_id,
            "inspectors": stmt.excluded.inspectors,
            "team": stmt.excluded.team,
            "departments": stmt.excluded.departments,
            "team_departments": stmt.excluded.team_departments,
            "lead_department": func.coalesce(Inspection.lead_department, stmt.excluded.lead_department),
            "state": "assigned",
            "no_team_reason": None,
        },
        where=Inspection.state.in_(("awaiting_team", "assigned")),
    )
    return (await session.execute(stmt)).rowcount


async def mark_unassigned(session: AsyncSession, *, task_id: str, reasons: dict[str, str]) -> None:
    for uscc, reason in reasons.items():
        await session.execute(
            update(Inspection)
            .where(Inspection.task_id == task_id, Inspection.uscc == uscc, Inspection.state == "awaiting_team")
            .values(no_team_reason=reason)
        )


async def withdraw_teams(session: AsyncSession, *, task_id: str, draw_id: str) -> int:
    """A voided teams draw: its not-yet-visited inspections await a team again (those an objects draw
    filed), or go (those only the teams draw made)."""
    await session.execute(
        delete(Inspection).where(
            Inspection.task_id == task_id,
            Inspection.draw_id == draw_id,
            Inspection.state == "assigned",
            Inspection.objects_draw_id.is_(None),
        )
    )
    return (
        await session.execute(
            update(Inspection)
            .where(Inspection.task_id == task_id, Inspection.draw_id == draw_id, Inspection.state == "assigned")
            .values(
                state="awaiting_team",
                draw_id=None,
                inspectors=[],
                team=[],
                team_departments=[],
                no_team_reason="teams draw voided / 编组抽取已作废",
            )
        )
    ).rowcount


async def withdraw_drawn(session: AsyncSession, *, task_id: str, objects_draw_id: str) -> int:
    """A voided objects draw: the inspections it filed that no visit started go."""
    return (
        await session.execute(
            delete(Inspection).where(
                Inspection.task_id == task_id,
                Inspection.objects_draw_id == objects_draw_id,
                Inspection.state.in_(("awaiting_team", "assigned")),
            )
        )
    ).rowcount


async def get(session: AsyncSession, inspection_id: uuid.UUID, *, for_update: bool = False) -> Inspection | None:
    return await session.get(
        Inspection, inspection_id, with_for_update=for_update or None, populate_existing=for_update
    )


def _visible(scope: Scope) -> ColumnElement[bool]:
    """``Scope.admits`` in SQL (jointcheck.visibility): the one rule, applied to a list."""
    if scope.everything:
        return true()
    conditions = []
    if scope.department is not None:
        conditions.append(Inspection.departments.any_() == scope.department)
    if scope.inspector is not None:
        conditions.append(Inspection.inspectors.any_() == scope.inspector)
    return or_(*conditions) if conditions else false()


def _visible_sql(scope: Scope, args: list[Any]) -> str:
    """:func:`_visible` as SQL text on ``t`` (parameters appended to ``args``)."""
    if scope.everything:
        return "true"
    conditions = []
    if scope.department is not None:
        args.append(scope.department)
        conditions.append(f"${len(args)} = ANY(t.departments)")
    if scope.inspector is not None:
        args.append(scope.inspector)
        conditions.append(f"${len(args)} = ANY(t.inspectors)")
    return "(" + " OR ".join(conditions) + ")" if conditions else "false"


def _read_columns() -> str:
    """The columns of :class:`InspectionRead`, as ``service.read_model`` fills it."""
    table = Inspection.__table__.c
    names = [name for name in InspectionRead.model_fields if name in table and name != "items_pending"]
    return ", ".join([*(f"t.{n}" for n in names), "t.checklist_id IS NULL AS items_pending"])


_READ_COLUMNS = _read_columns()
try:
    #: InspectionRead written by PostgreSQL byte for byte as pydantic writes it (jointcheck.jsonrows).
    READ_JSON: RowJson | None = RowJson(InspectionRead, sources={"items_pending": "t.checklist_id IS NULL"})
    #: The same rendering of the row a trigger is writing (``NEW``).
    _NEW_JSON: RowJson | None = RowJson(
        InspectionRead, alias="NEW", sources={"items_pending": "NEW.checklist_id IS NULL"}
    )
except NotRenderable:  # a field PostgreSQL cannot write as pydantic would: rows are parsed instead
    READ_JSON = _NEW_JSON = None

#: The trigger function keeping ``inspections.read_json`` — each inspection as :data:`READ_JSON`
#: renders it — in step with the row: ``BEFORE INSERT OR UPDATE`` of every row, in the writing
#: statement, whatever writes it (the ORM, bulk upserts and updates, raw SQL). Migrations install it
#: from :func:`read_json_function_body` as it was then; a test checks the installed body is this one
#: (a changed ``InspectionRead`` needs a migration replacing it and re-rendering every row).
READ_JSON_FUNCTION = "inspections_read_json"


def read_json_function_body() -> str:
    """The PL/pgSQL body of :data:`READ_JSON_FUNCTION` for the current :class:`InspectionRead`."""
    if _NEW_JSON is None:
        raise NotRenderable("InspectionRead cannot be rendered by PostgreSQL: no stored rendering")
    return (
        "\nBEGIN\n"
        f"  NEW.read_json := (SELECT row_to_json(r)::text FROM (SELECT {_NEW_JSON.select_list}) r);\n"
        "  RETURN NEW;\n"
        "END\n"
    )


async def list_visible_json(
    conn: asyncpg.Connection,
    *,
    scope: Scope,
    task_id: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
    state: str | None = None,
    uscc: str | None = None,
    department: str | None = None,
) -> list[tuple[str, uuid.UUID, bytes]]:
    """:func:`list_visible` on a read connection: ``(uscc, id, JSON)`` rows (UTF-8 JSON), each inspection as
    :class:`InspectionRead` renders it — its stored rendering (``read_json``, kept by a trigger;
    failing a schema PostgreSQL can render, its columns as stored, for ``InspectionRead`` to
    parse) — no ORM objects."""
    args: list[Any] = []
    where = [_visible_sql(scope, args)]
    for column, value in (("task_id", task_id), ("state", state), ("uscc", uscc)):
        if value:
            args.append(value)
            where.append(f"t.{column} = ${len(args)}")
    if department:
        args.append(department)
        where.append(f"${len(args)} = ANY(t.departments)")
    if after:
        args += [after[0], after[1]]
        where.append(f"(t.uscc, t.id) > (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    # A sub-select: PostgreSQL fetches the rendering of the page's rows only, after the sort.
    body = utf8(
        "(SELECT t.read_json)"
        if READ_JSON is not None
        else f"(SELECT row_to_json(r)::text FROM (SELECT {_READ_COLUMNS}) r)"
    )
    sql = (
        f"SELECT t.uscc, t.id, {body} FROM inspections t "
        f"WHERE {' AND '.join(where)} ORDER BY t.uscc, t.id LIMIT ${len(args)}"
    )
    return [(r[0], r[1], r[2]) for r in await conn.fetch(sql, *args)]


async def list_visible(
    session: AsyncSession,
    *,
    scope: Scope,
    task_id: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
    state: str | None = None,
    uscc: str | None = None,
    overdue_on: date | None = None,
    department: str | None = None,
) -> list[Inspection]:
    """By entity, then id (an entity recurs across tasks), from after the cursor's row."""
    stmt = select(Inspection).where(_visible(scope))
    if task_id:
        stmt = stmt.where(Inspection.task_id == task_id)
    if state:
        stmt = stmt.where(Inspection.state == state)
    if uscc:
        stmt = stmt.where(Inspection.uscc == uscc)
    if department:
        stmt = stmt.where(Inspection.departments.any_() == department)
    if overdue_on is not None:
        stmt = stmt.where(Inspection.due_on < overdue_on, Inspection.state.notin_(("approved", "published")))
    if after:
        stmt = stmt.where(tuple_(Inspection.uscc, Inspection.id) > tuple_(literal(after[0]), literal(after[1])))
    return list((await session.execute(stmt.order_by(Inspection.uscc, Inspection.id).limit(limit))).scalars())


async def overdue_by_department(session: AsyncSession, *, scope: Scope, today: date) -> dict[str, int]:
    dept = func.unnest(Inspection.departments).label("dept")
    sub = (
        select(dept)
        .where(_visible(scope), Inspection.due_on < today, Inspection.state.notin_(("approved", "published")))
        .subquery()
    )
    rows = await session.execute(select(sub.c.dept, func.count()).group_by(sub.c.dept).order_by(sub.c.dept))
    return {d: n for d, n in rows.all()}


async def unknown_due_years(session: AsyncSession) -> list[int]:
    rows = await session.execute(
        select(ResultTask.due_problem)
        .where(ResultTask.due_on.is_(None), ResultTask.due_problem.is_not(None))
        .distinct()
    )
    return sorted({int(y) for y in rows.scalars() if y and y.isdigit()})


async def findings(session: AsyncSession, inspection_id: uuid.UUID) -> list[Finding]:
    return list(
        (
            await session.execute(
                select(Finding).where(Finding.inspection_id == inspection_id).order_by(Finding.position)
            )
        ).scalars()
    )


async def upsert_findings(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    stmt = insert(Finding).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["inspection_id", "position"],
        set_={
            k: stmt.excluded[k]
            for k in ("item_id", "department", "outcome", "method", "notes", "evidence", "recorded_by", "recorded_at")
        },
    )
    await session.execute(stmt)


async def history(session: AsyncSession, inspection_id: uuid.UUID) -> list[InspectionEvent]:
    return list(
        (
            await session.execute(
                select(InspectionEvent)
                .where(InspectionEvent.inspection_id == inspection_id)
                .order_by(InspectionEvent.id)
            )
        ).scalars()
    )


async def task_states(session: AsyncSession, task_id: str) -> dict[str, int]:
    rows = await session.execute(
        select(Inspection.state, func.count()).where(Inspection.task_id == task_id).group_by(Inspection.state)
    )
    return {s: n for s, n in rows.all()}


async def other_visited(session: AsyncSession, task_id: str, inspection_id: uuid.UUID) -> bool:
    row = await session.execute(
        select(Inspection.id)
        .where(Inspection.task_id == task_id, Inspection.id != inspection_id, Inspection.inspected_on.is_not(None))
        .limit(1)
    )
    return row.first() is not None


async def inspected_since(session: AsyncSession, since: date) -> list[str]:
    rows = await session.execute(
        select(Inspection.uscc).where(Inspection.inspected_on >= since).distinct().order_by(Inspection.uscc)
    )
    return list(rows.scalars())


async def last_inspectors(session: AsyncSession, usccs: list[str]) -> dict[str, list[str]]:
    rows = await session.execute(
        text(
            "SELECT DISTINCT ON (uscc) uscc, inspectors FROM inspections "
            "WHERE uscc = ANY(:u) AND inspected_on IS NOT NULL ORDER BY uscc, inspected_on DESC, created_at DESC"
        ),
        {"u": usccs},
    )
    return {u: list(i) for u, i in rows.all()}
