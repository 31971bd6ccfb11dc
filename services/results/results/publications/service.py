"""Publication to GSXT (国家企业信用信息公示系统), exactly once.

An approved inspection becomes one publication record, written in the same transaction as the
approval together with its outbox event (destination ``gsxt``); the outbox delivers it with
retries and backoff, with the record's id as the idempotency key, so a retry, a redelivery
after a crash or a re-queue never publishes twice. The outcome of each attempt is written to
the record (pending / published / rejected with GSXT's error / dead after the last retry).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.contracts import TaskResultsPublished, publish
from jointcheck.outbox import enqueue_event
from results.inspections.models import Finding, Inspection
from results.publications.models import Publication
from results.tasks.models import ResultTask

DESTINATION = "gsxt"
TOPIC = "gsxt.publication"


def record_of(
    publication_id: uuid.UUID,
    *,
    inspection: Inspection,
    task: ResultTask | None,
    findings: list[Finding],
    entity_name: str | None,
) -> dict[str, Any]:
    """The record GSXT receives: no inspector names, no evidence (the public sees this)."""
    items = {int(i["position"]): i for i in inspection.items}
    departments = list(dict.fromkeys([inspection.lead_department or "", *inspection.team_departments]))
    return {
        "record_id": str(publication_id),
        "uscc": inspection.uscc,
        "entity_name": entity_name or "",
        "plan_id": task.plan_id if task else None,
        "plan_name": task.plan_name if task else None,
        "task_id": inspection.task_id,
        "task_name": task.name if task else None,
        "draw_type": task.draw_type if task else None,
        "inspecting_departments": [d for d in departments if d],
        "publishing_department": inspection.lead_department,
        "inspection_date": inspection.inspected_on.isoformat() if inspection.inspected_on else None,
        "completion_date": inspection.approved_at.date().isoformat() if inspection.approved_at else None,
        "result_categories": inspection.categories,
        "follow_up_measure": inspection.follow_up_measure or "",
        "items": [
            {
                "code": items.get(f.position, {}).get("code", ""),
                "name": items.get(f.position, {}).get("name", ""),
                "department": f.department,
                "outcome": f.outcome,
                "method": f.method,
            }
            for f in findings
        ],
    }


async def create_for(
    session: AsyncSession,
    *,
    inspection: Inspection,
    task: ResultTask | None,
    findings: list[Finding],
    entity_name: str | None,
) -> Publication:
    publication_id = uuid.uuid4()
    record = record_of(publication_id, inspection=inspection, task=task, findings=findings, entity_name=entity_name)
    event_id = await enqueue_event(
        session,
        destination=DESTINATION,
        topic=TOPIC,
        payload=record,
        ordering_key=f"publication:{publication_id}",
    )
    publication = Publication(
        id=publication_id,
        inspection_id=inspection.id,
        task_id=inspection.task_id,
        uscc=inspection.uscc,
        entity_name=entity_name or "",
        departments=record["inspecting_departments"],
        payload=record,
        status="pending",
        outbox_event_id=event_id,
    )
    session.add(publication)
    await session.flush()
    return publication


async def record_outcome(
    session: AsyncSession, *, record_id: str, outcome: str, error: str | None, receipt: dict[str, Any] | None = None
) -> None:
    """What one delivery attempt did to the record (called in the outbox's outcome transaction)."""
    publication = await session.get(Publication, uuid.UUID(record_id), with_for_update=True)
    if publication is None:
        return
    publication.attempts += 1
    if outcome == "delivered":
        if publication.status == "published":
            return
        publication.status = "published"
        publication.published_at = datetime.now(UTC)
        publication.last_error = None
        publication.receipt = receipt
        await session.execute(
            update(Inspection).where(Inspection.id == publication.inspection_id).values(state="published")
        )
        await session.flush()
        await _maybe_task_published(session, publication.task_id)
    elif outcome == "rejected":
        publication.status = "rejected"
        publication.last_error = error
    elif outcome == "dead":
        publication.status = "dead"
        publication.last_error = error
    else:
        publication.status = "pending"
        publication.last_error = error
    await session.flush()


async def requeued(session: AsyncSession, event_id: uuid.UUID) -> None:
    """An operator re-queued the record's dead event: it waits again."""
    await session.execute(update(Publication).where(Publication.outbox_event_id == event_id).values(status="pending"))


async def _maybe_task_published(session: AsyncSession, task_id: str) -> None:
    """Every inspection of the task published: planning hears it once (completed → results_published)."""
    unpublished = await session.scalar(
        select(func.count())
        .select_from(Inspection)
        .where(Inspection.task_id == task_id, Inspection.state != "published")
    )
    if unpublished:
        return
    task = await session.get(ResultTask, task_id, with_for_update=True, populate_existing=True)
    if task is None or task.published_sent:
        return
    task.published_sent = True
    try:
        task_uuid = uuid.UUID(task_id)
    except ValueError:
        return
    await publish(session, destination="planning", event=TaskResultsPublished(task_id=task_uuid))
