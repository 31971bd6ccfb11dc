"""Every query on tasks."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.pagination import newest_first
from planning.plans.models import Plan
from planning.tasks.models import Task, TaskAmendment, TaskTeamRound, TaskTransition

if TYPE_CHECKING:
    from planning.tasks.service import TaskParts


async def get(session: AsyncSession, task_id: uuid.UUID, *, for_update: bool = False) -> Task | None:
    stmt = select(Task).where(Task.id == task_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def transitions(session: AsyncSession, task_id: uuid.UUID) -> list[TaskTransition]:
    stmt = (
        select(TaskTransition).where(TaskTransition.task_id == task_id).order_by(TaskTransition.at, TaskTransition.id)
    )
    return list((await session.execute(stmt)).scalars())


async def list_for_plan(
    session: AsyncSession, plan_id: uuid.UUID, *, exclude_states: tuple[str, ...] = ()
) -> list[Task]:
    stmt = select(Task).where(Task.plan_id == plan_id)
    if exclude_states:
        stmt = stmt.where(Task.state.not_in(exclude_states))
    return list((await session.execute(stmt.order_by(Task.created_at, Task.id))).scalars())


async def list_page(
    session: AsyncSession,
    *,
    plan_id: uuid.UUID | None,
    year: int | None,
    states: list[str] | None,
    department: str | None,
    visible_to: str | None = None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Task]:
    """Tasks, newest first; ``department`` and ``visible_to`` keep those the department takes part in."""
    stmt = select(Task)
    if plan_id is not None:
        stmt = stmt.where(Task.plan_id == plan_id)
    if year is not None:
        stmt = stmt.where(Task.plan_id.in_(select(Plan.id).where(Plan.year == year)))
    if states:
        stmt = stmt.where(Task.state.in_(states))
    if department:
        stmt = stmt.where(Task.departments.contains([department]))
    if visible_to:
        stmt = stmt.where(Task.departments.contains([visible_to]))
    stmt = newest_first(stmt, Task.created_at, Task.id, after=after, limit=limit)
    return list((await session.execute(stmt)).scalars())


async def team_rounds(session: AsyncSession, task_id: uuid.UUID) -> list[TaskTeamRound]:
    stmt = select(TaskTeamRound).where(TaskTeamRound.task_id == task_id).order_by(TaskTeamRound.round)
    return list((await session.execute(stmt)).scalars())


async def team_round(session: AsyncSession, task_id: uuid.UUID, round_no: int) -> TaskTeamRound | None:
    return await session.get(TaskTeamRound, (task_id, round_no))


async def amendments(session: AsyncSession, task_id: uuid.UUID) -> list[TaskAmendment]:
    stmt = select(TaskAmendment).where(TaskAmendment.task_id == task_id).order_by(TaskAmendment.at, TaskAmendment.id)
    return list((await session.execute(stmt)).scalars())


_JSONB_COLUMNS = ("scope", "sampling_rules", "team_rules", "experts")
# One round trip for everything a task read shows; each part in the order of the queries above.
_READ_PARTS = """
SELECT t.*, p.year AS plan_year, p.filed_late AS plan_filed_late,
  (SELECT coalesce(json_agg(h ORDER BY h.at, h.id), '[]') FROM task_transitions h WHERE h.task_id = t.id)::text
    AS history_json,
  (SELECT coalesce(json_agg(r ORDER BY r.round), '[]') FROM task_team_rounds r WHERE r.task_id = t.id)::text
    AS rounds_json,
  (SELECT coalesce(json_agg(a ORDER BY a.at, a.id), '[]') FROM task_amendments a WHERE a.task_id = t.id)::text
    AS amendments_json,
  ARRAY(SELECT e.department FROM checklist_entries e
        WHERE e.checklist_id = t.checklist_id AND e.checklist_version = t.checklist_version
        ORDER BY e.position) AS item_departments
FROM tasks t JOIN plans p ON p.id = t.plan_id
WHERE t.id = $1
"""


async def read_parts(conn: asyncpg.Connection, task_id: uuid.UUID) -> TaskParts | None:
    """A task and everything its read shows, in one statement on a read connection."""
    from planning.tasks.service import TaskParts

    row = await conn.fetchrow(_READ_PARTS, task_id)
    if row is None:
        return None
    task = dict(row)
    for column in _JSONB_COLUMNS:  # the read connection decodes no JSON (no codec)
        task[column] = json.loads(task[column])

    def rows(column: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(**r) for r in json.loads(task.pop(column))]

    return TaskParts(
        history=rows("history_json"),
        rounds=rows("rounds_json"),
        amendments=rows("amendments_json"),
        year=task.pop("plan_year"),
        plan_filed_late=task.pop("plan_filed_late"),
        item_departments=task.pop("item_departments"),
        task=SimpleNamespace(**task),
    )
