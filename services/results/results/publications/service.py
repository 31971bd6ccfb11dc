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

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.contracts import (
    GsxtItemResult,
    GsxtPublicationRecord,
    GsxtResultCategory,
    TaskResultsPublished,
    publish,
)
from jointcheck.outbox import OutboxRow, enqueue_event
from results.deadlines import CHINA
from results.inspections.models import Finding, Inspection
from results.publications.models import Publication
from results.tasks.models import ResultTask

DESTINATION = "gsxt"
TOPIC = "gsxt.publication"


def record_of(
    publication_id: uuid.UUID,
    *,
    inspection: Inspection,
    task: ResultTask,
    findings: list[Finding],
    entity_name: str,
) -> GsxtPublicationRecord:
    """The record GSXT receives (谁检查、谁公开: the lead department publishes what the team found): no
    inspector names, no evidence — the public sees this."""
    items = {int(i["position"]): i for i in inspection.items}
    lead = inspection.lead_department or task.lead_department
    inspecting = list(dict.fromkeys([lead, *inspection.team_departments, *(f.department for f in findings)]))
    approved = inspection.approved_at or datetime.now(UTC)
    return GsxtPublicationRecord(
        record_id=str(publication_id),
        uscc=inspection.uscc,
        entity_name=entity_name,
        plan_id=task.plan_id,
        plan_name=task.plan_name,
        task_id=inspection.task_id,
        task_name=task.name,
        draw_type="undirected" if task.draw_type == "undirected" else "directed",
        inspecting_departments=inspecting,
        publishing_department=lead,
        inspection_date=inspection.inspected_on,
        completion_date=approved.astimezone(CHINA).date(),
        result_categories=[GsxtResultCategory.model_validate(c) for c in inspection.categories],
        item_results=[
            GsxtItemResult(
                item_code=str(items.get(f.position, {}).get("code") or f.item_id)[:64],
                item_name=str(items.get(f.position, {}).get("name") or f.item_id)[:256],
                department=f.department,
                result=f.outcome,
            )
            for f in findings
        ],
        follow_up_measure=inspection.follow_up_measure or None,
        inspection_methods=list(dict.fromkeys(f.method for f in findings)) or ["on_site"],
    )


async def create_for(
    session: AsyncSession,
    *,
    inspection: Inspection,
    task: ResultTask,
    findings: list[Finding],
    entity_name: str,
) -> Publication:
    """The record and its outbox event, in the approval's transaction. Keyed per record: records do not
    wait for each other (keying them by task made a 1,000-record task ~7x slower, bench_gsxt_publish)."""
    publication_id = uuid.uuid4()
    record = record_of(
        publication_id, inspection=inspection, task=task, findings=findings, entity_name=entity_name
    ).model_dump(mode="json")
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


async def on_outcome(session: AsyncSession, row: OutboxRow, outcome: str, error: str | None) -> None:
    """The outbox's outcome hook for destination ``gsxt`` (run in the transaction that records the
    outcome): what the attempt did to the record. ``delivered`` → published (with GSXT's receipt);
    ``retrying`` → still pending, with the error; ``rejected`` (a 4xx: GSXT refused the content) and
    ``dead`` (retries exhausted) need an operator; ``requeued`` → pending again; ``discarded`` → given up."""
    record_id = (row.payload or {}).get("record_id")
    if not record_id:
        return
    publication = await session.get(Publication, uuid.UUID(str(record_id)), with_for_update=True)
    if publication is None:
        return
    publication.attempts = row.attempts
    if outcome == "delivered":
        if publication.status != "published":
            publication.status = "published"
            publication.published_at = datetime.now(UTC)
            publication.last_error = None
            publication.receipt = row.response
            await session.execute(
                update(Inspection).where(Inspection.id == publication.inspection_id).values(state="published")
            )
            await session.flush()
            await _maybe_task_published(session, publication.task_id)
    elif outcome in ("rejected", "dead", "discarded"):
        publication.status = outcome
        publication.last_error = error
        if outcome == "rejected":
            publication.receipt = row.response
    else:  # retrying, requeued
        publication.status = "pending"
        if outcome == "retrying":
            publication.last_error = error
    await session.flush()


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
