"""Every query on tasks."""

from __future__ import annotations

import uuid
from datetime import datetime

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
