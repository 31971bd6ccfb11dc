"""Tasks as planning approved them: results files inspections under them, copies their pinned items
into each inspection once, and dates their results (20 working days after the window ends)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.contracts import TaskApproved
from results import deadlines
from results.inspections.models import Inspection
from results.tasks.models import ResultTask


async def handle_task_approved(session: AsyncSession, event: TaskApproved) -> None:
    """Topic ``task.approved`` (planning): store the task; fill the items and due date of inspections
    that arrived before it (the two senders' events are not ordered with each other)."""
    due_on, problem = await deadlines.due_date_or_problem(session, event.inspection_end)
    values = {
        "task_id": str(event.task_id),
        "plan_id": str(event.plan_id),
        "plan_year": event.plan_year,
        "plan_name": event.plan_name,
        "name": event.name,
        "draw_type": event.draw_type,
        "lead_department": event.lead_department,
        "departments": event.departments,
        "inspection_start": event.inspection_start,
        "inspection_end": event.inspection_end,
        "checklist_id": str(event.checklist_id),
        "checklist_version": event.checklist_version,
        "items": [i.model_dump(mode="json") for i in event.items],
        "due_on": due_on,
        "due_problem": problem,
    }
    stmt = insert(ResultTask).values(values)
    # The pinned items never change; a re-sent approval may only refresh the dates.
    stmt = stmt.on_conflict_do_update(
        index_elements=["task_id"],
        set_={k: stmt.excluded[k] for k in ("inspection_start", "inspection_end", "due_on", "due_problem")},
    )
    await session.execute(stmt)
    task = await session.get(ResultTask, str(event.task_id), populate_existing=True)
    assert task is not None
    await fill_inspections(session, task)


async def fill_inspections(session: AsyncSession, task: ResultTask) -> None:
    """Give the task's inspections without items the pinned items, and every one its due date."""
    await session.execute(
        update(Inspection)
        .where(Inspection.task_id == task.task_id, Inspection.checklist_id.is_(None))
        .values(
            items=task.items,
            checklist_id=task.checklist_id,
            checklist_version=task.checklist_version,
        )
    )
    await session.execute(
        update(Inspection)
        .where(Inspection.task_id == task.task_id, Inspection.lead_department.is_(None))
        .values(lead_department=task.lead_department)
    )
    await session.execute(update(Inspection).where(Inspection.task_id == task.task_id).values(due_on=task.due_on))


async def get(session: AsyncSession, task_id: str) -> ResultTask | None:
    return await session.get(ResultTask, task_id)


async def recompute_due_dates(session: AsyncSession) -> int:
    """After a calendar year is loaded or replaced: every task's due date again (an unknown one may now
    be known, a corrected holiday may move one); returns how many tasks have a due date."""
    rows = list((await session.execute(select(ResultTask).with_for_update())).scalars())
    dated = 0
    for task in rows:
        task.due_on, task.due_problem = await deadlines.due_date_or_problem(session, task.inspection_end)
        if task.due_on is not None:
            dated += 1
            await fill_inspections(session, task)
    await session.flush()
    return dated
