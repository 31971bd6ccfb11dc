"""Publication records as ops and the lead department see them, and as the public sees them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from jointcheck.schemas import Schema


class PublicationRead(Schema):
    id: uuid.UUID = Field(description="the record id, GSXT's idempotency key / 公示记录编号")
    inspection_id: uuid.UUID
    task_id: str
    uscc: str
    entity_name: str
    status: str = Field(description="pending / published / rejected (GSXT refused it) / dead (retries exhausted)")
    attempts: int
    last_error: str | None
    receipt: dict[str, Any] | None
    outbox_event_id: uuid.UUID | None
    created_at: datetime
    published_at: datetime | None
    payload: dict[str, Any] = Field(description="the record as sent / 公示内容")


class PublicResultRead(Schema):
    """A published result as anyone may read it: no inspector, no evidence."""

    uscc: str
    entity_name: str
    plan_id: str | None
    plan_name: str | None
    task_id: str
    task_name: str | None
    draw_type: str | None
    inspecting_departments: list[str]
    inspection_date: date | None
    completion_date: date | None
    result_categories: list[dict[str, Any]]
    follow_up_measure: str
    items: list[dict[str, Any]] = Field(description="each item with its department, outcome and method")
    published_at: datetime | None
