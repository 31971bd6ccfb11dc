"""Industry checklist schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict, Field, field_validator

from jointcheck.codes import CodeValueError
from jointcheck.contracts import DEPT_PATTERN, industry_prefix, is_department_code
from jointcheck.schemas import Schema
from planning.common import dedupe
from planning.items.schemas import Category, Method


def _departments(v: list[str]) -> list[str]:
    out = dedupe([d.strip().upper() for d in v])
    bad = [d for d in out if not is_department_code(d)]
    if bad:
        raise ValueError(f"not department codes: {bad}")
    return out


def _industry_codes(v: list[str]) -> list[str]:
    out = []
    for raw in v:
        try:
            out.append(industry_prefix(raw))
        except CodeValueError as exc:
            raise ValueError(f"industry code {raw!r}: {exc.detail}") from None
    return dedupe(out)


class ChecklistEntryCreate(Schema):
    item_id: uuid.UUID = Field(description="抽查事项")
    item_version: int | None = Field(None, ge=1, description="pinned item version; default: its current version")
    department: str | None = Field(
        None, pattern=DEPT_PATTERN, description="responsible department (分工); default: the item's department"
    )

    model_config = ConfigDict(extra="forbid")


class ChecklistFields(Schema):
    name: str = Field(min_length=1, max_length=200, description="行业名称", examples=["加油站"])
    industry_codes: list[str] = Field(
        min_length=1, max_length=50, description="GB/T 4754-2017 codes or prefixes", examples=[["F5265"]]
    )
    cooperating_departments: list[str] = Field(
        default_factory=list, description="协同部门", examples=[["YJGL", "XFJY", "STHJ", "SCJG"]]
    )
    items: list[ChecklistEntryCreate] = Field(min_length=1, max_length=500, description="检查事项（按顺序）")
    frequency_per_year: int = Field(1, ge=1, le=12, description="每年抽查频次")
    frequency_note: str = Field("", max_length=200, description="频次说明", examples=["每年不少于1次"])
    remarks: str = Field("", max_length=2000, description="备注")

    @field_validator("industry_codes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return _industry_codes(v)

    @field_validator("cooperating_departments")
    @classmethod
    def _coop(cls, v: list[str]) -> list[str]:
        return _departments(v)


class ChecklistCreate(ChecklistFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "餐饮服务",
                    "industry_codes": ["H62"],
                    "lead_department": "SCJG",
                    "cooperating_departments": ["XFJY", "WJW"],
                    "items": [{"item_id": "8f7e6d5c-4b3a-4291-8e7f-6a5b4c3d2e1f"}],
                }
            ]
        }
    )

    lead_department: str = Field(pattern=DEPT_PATTERN, description="牵头部门", examples=["SWJ"])


class ChecklistUpdate(Schema):
    """Fields to change; a new version is written. The lead department does not change."""

    name: str | None = Field(None, min_length=1, max_length=200)
    industry_codes: list[str] | None = Field(None, min_length=1, max_length=50)
    cooperating_departments: list[str] | None = None
    items: list[ChecklistEntryCreate] | None = Field(None, min_length=1, max_length=500)
    frequency_per_year: int | None = Field(None, ge=1, le=12)
    frequency_note: str | None = Field(None, max_length=200)
    remarks: str | None = Field(None, max_length=2000)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"frequency_per_year": 2, "frequency_note": "重点时段加抽一次"}]},
    )

    @field_validator("industry_codes")
    @classmethod
    def _codes(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _industry_codes(v)

    @field_validator("cooperating_departments")
    @classmethod
    def _coop(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _departments(v)


class ChecklistEntryRead(Schema):
    """An item as pinned by this checklist version."""

    position: int
    item_id: uuid.UUID
    item_version: int
    department: str = Field(description="responsible department / 负责部门")
    code: str
    name: str
    sub_items: list[str]
    legal_basis: str
    content: str
    methods: list[Method]
    category: Category
    objects: str
    inspector_requirements: list[str]
    remarks: str


class ChecklistRead(Schema):
    id: uuid.UUID
    version: int
    current_version: int
    name: str
    industry_codes: list[str]
    lead_department: str
    cooperating_departments: list[str]
    departments: list[str] = Field(description="lead first, then cooperating / 牵头部门在前")
    frequency_per_year: int
    frequency_note: str
    remarks: str
    items: list[ChecklistEntryRead]
    created_at: datetime
    version_created_at: datetime
    version_created_by: str
