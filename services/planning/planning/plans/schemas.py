"""Annual plan schemas."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field

from jointcheck.contracts import DEPT_PATTERN
from jointcheck.schemas import Schema


class PlanState(StrEnum):
    draft = "draft"  # 草稿
    filed = "filed"  # 已报备
    published = "published"  # 已公布


class TransitionRead(Schema):
    """One step of a state history."""

    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str
    by: str
    at: datetime
    reason: str

    model_config = ConfigDict(populate_by_name=True)


class PlanCreate(Schema):
    year: int = Field(ge=2000, le=2100, description="计划年度", examples=[2027])
    lead_department: str = Field(pattern=DEPT_PATTERN, description="牵头部门", examples=["SWJ"])
    name: str = Field(
        min_length=1, max_length=200, description="计划名称", examples=["2027年度商务局“一业一查”联合抽查计划"]
    )
    description: str = Field("", max_length=10000, description="说明")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"year": 2027, "lead_department": "SCJG", "name": "2027年度餐饮服务“一业一查”联合抽查计划"}]
        },
    )


class PlanUpdate(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10000)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"description": "按县联席会议部署制定"}]})


class PlanTransitionCreate(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"to": "filed", "reason": "按期报备"}]})

    to: Literal["filed", "published"] = Field(description="filed 报备 / published 公布")
    reason: str = Field("", max_length=2000, description="说明")


class PlanTaskSummary(Schema):
    id: uuid.UUID
    name: str
    state: str
    checklist_id: uuid.UUID
    checklist_version: int
    inspection_start: date
    inspection_end: date


class PlanRead(Schema):
    id: uuid.UUID
    year: int
    lead_department: str
    name: str
    description: str
    state: PlanState
    filing_deadline: date = Field(description="31 January of the plan year / 报备截止日期")
    filed_at: datetime | None
    filed_by: str | None
    filed_late: bool = Field(description="filed after the deadline / 逾期报备")
    published_at: datetime | None
    published_by: str | None
    tasks: list[PlanTaskSummary]
    state_history: list[TransitionRead]
    warnings: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str


class LateFiling(Schema):
    id: uuid.UUID
    year: int
    lead_department: str
    name: str
    state: PlanState
    filing_deadline: date
    filed_at: datetime | None
    filed_by: str | None
    days_late: int = Field(description="calendar days after the deadline (Beijing time) / 逾期天数")


class LateFilingReport(Schema):
    year: int | None
    filed_late: list[LateFiling] = Field(description="filed after 31 January / 逾期报备")
    unfiled_overdue: list[LateFiling] = Field(description="still not filed, deadline passed / 逾期未报备")
