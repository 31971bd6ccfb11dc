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


class PublicItemResult(Schema):
    code: str = Field(description="事项编号")
    name: str = Field(description="抽查事项")
    department: str = Field(description="负责该事项的部门")
    outcome: str = Field(description="compliant 合格 / non_compliant 不合格 / not_applicable 不适用")


class PublicResultRead(Schema):
    """A published result as anyone may read it (the record GSXT received): no inspector, no evidence."""

    uscc: str
    entity_name: str
    plan_id: str
    plan_name: str | None
    task_id: str
    task_name: str
    draw_type: str = Field(description="directed 定向 / undirected 不定向")
    inspecting_departments: list[str] = Field(description="抽查机关")
    publishing_department: str = Field(description="公示部门")
    inspection_date: date
    completion_date: date
    result_categories: list[dict[str, Any]] = Field(description="检查结果类别 (code, department)")
    follow_up_measure: str | None
    inspection_methods: list[str]
    items: list[PublicItemResult] = Field(description="each item with its department and result")
    published_at: datetime | None

    @classmethod
    def of(cls, record: dict[str, Any], published_at: datetime | None) -> PublicResultRead:
        fields = {k: record.get(k) for k in cls.model_fields if k not in ("items", "published_at")}
        items = [
            PublicItemResult(code=i["item_code"], name=i["item_name"], department=i["department"], outcome=i["result"])
            for i in record.get("item_results", [])
        ]
        return cls(**fields, items=items, published_at=published_at)
