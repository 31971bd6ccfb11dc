"""What the public sees of published plans: no people, no state history, no internal notes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from jointcheck.schemas import Schema


class PublicItemRead(Schema):
    name: str = Field(description="检查事项")
    department: str = Field(description="负责部门")
    legal_basis: str = Field(description="检查依据")
    methods: list[str] = Field(description="检查方式")
    cancelled: bool = Field(False, description="事项已取消（不再检查）")


class PublicTaskRead(Schema):
    id: uuid.UUID
    name: str = Field(description="任务名称")
    industry: str = Field(description="行业")
    industry_codes: list[str] = Field(description="GB/T 4754-2017")
    lead_department: str = Field(description="牵头部门")
    departments: list[str] = Field(description="参加部门（牵头部门在前）")
    scope_summary: str = Field(description="抽查对象范围")
    draw_type: str = Field(description="directed 定向 / undirected 不定向")
    sampling_ratios: dict[str, dict[str, Any]] = Field(description="各信用风险分类的抽取比例或数量（U 未分类）")
    frequency_per_year: int = Field(description="每年抽查频次")
    inspection_start: date
    inspection_end: date
    executing_body: str = Field(description="实施主体")
    cancelled: bool = Field(False, description="已取消（抽取前）")
    cancelled_at: datetime | None = Field(None, description="取消时间")
    cancel_reason: str | None = Field(None, description="取消理由")
    items: list[PublicItemRead]


class PublicPlanSummaryRead(Schema):
    id: uuid.UUID
    year: int
    lead_department: str
    name: str
    description: str
    published_at: datetime
    task_count: int


class PublicPlanRead(PublicPlanSummaryRead):
    tasks: list[PublicTaskRead]


class PublicPlanTaskRead(PublicTaskRead):
    """One task of a published plan, with its plan: what a link from a draw or a result reaches."""

    plan: PublicPlanSummaryRead
