"""Every query on tasks."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.pagination import newest_first
from planning.plans.models import Plan
from planning.tasks.models import Task, TaskAmendment, TaskTeamRound, TaskTransition


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


# One round trip for everything a task read shows: the task as one JSON document with the keys of
# ``TaskRead`` (UTF-8, validated by pydantic-core from the bytes, no Python object per field), its parts in
# the order of the queries above, ``warnings`` empty (computed from the rules, with the two columns
# that follow), every round's ``unassigned`` as stored (the viewer's redaction is applied after).
_READ_DOCUMENT = """
SELECT convert_to(json_build_object(
  'id', t.id, 'name', t.name, 'plan_id', t.plan_id, 'year', p.year,
  'checklist_id', t.checklist_id, 'checklist_version', t.checklist_version,
  'lead_department', t.lead_department, 'departments', t.departments, 'scope', t.scope,
  'draw_type', t.draw_type, 'sampling_rules', t.sampling_rules, 'exclusion_days', t.exclusion_days,
  'team_rules', t.team_rules, 'experts', t.experts,
  'inspection_start', t.inspection_start, 'inspection_end', t.inspection_end,
  'executing_body', t.executing_body, 'state', t.state,
  'state_history', (
    SELECT coalesce(json_agg(json_build_object(
      'from', h.from_state, 'to', h.to_state, 'by', h.by, 'at', h.at, 'reason', h.reason) ORDER BY h.at, h.id), '[]')
    FROM task_transitions h WHERE h.task_id = t.id),
  'warnings', '[]'::json,
  'objects_draw_id', t.objects_draw_id, 'teams_draw_id', t.teams_draw_id,
  'team_rounds', (
    SELECT coalesce(json_agg(json_build_object(
      'round', r.round, 'draw_id', r.draw_id, 'completes_draw_id', r.completes_draw_id, 'assigned', r.assigned,
      'unassigned_count', jsonb_array_length(r.unassigned), 'unassigned', r.unassigned, 'recorded_at', r.recorded_at)
      ORDER BY r.round), '[]')
    FROM task_team_rounds r WHERE r.task_id = t.id),
  'unassigned_entities', coalesce(
    (SELECT r.unassigned FROM task_team_rounds r WHERE r.task_id = t.id ORDER BY r.round DESC LIMIT 1), '[]'),
  'amendments', (
    SELECT coalesce(json_agg(json_build_object(
      'id', a.id, 'by', a.by, 'at', a.at, 'reason', a.reason, 'before', a.before, 'after', a.after)
      ORDER BY a.at, a.id), '[]')
    FROM task_amendments a WHERE a.task_id = t.id),
  'version', t.version, 'created_at', t.created_at, 'updated_at', t.updated_at, 'created_by', t.created_by
)::text, 'UTF8') AS document,
  p.filed_late AS plan_filed_late,
  ARRAY(SELECT e.department FROM checklist_entries e
        WHERE e.checklist_id = t.checklist_id AND e.checklist_version = t.checklist_version
        ORDER BY e.position) AS item_departments
FROM tasks t JOIN plans p ON p.id = t.plan_id
WHERE t.id = $1
"""


async def read_document(conn: asyncpg.Connection, task_id: uuid.UUID) -> tuple[bytes, bool, list[str]] | None:
    """A task as one JSON document (UTF-8) of ``TaskRead``'s keys (nothing redacted, no warnings), its plan's
    ``filed_late`` and its pinned checklist's item departments: one statement on a read connection."""
    row = await conn.fetchrow(_READ_DOCUMENT, task_id)
    return None if row is None else (row[0], row[1], row[2])
