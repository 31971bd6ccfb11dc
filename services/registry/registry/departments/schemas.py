"""Department schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from jointcheck.contracts import DEPT_PATTERN
from jointcheck.schemas import Schema


class DepartmentCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": "SCJG", "name": "市场监督管理局", "short_name": "市场监管"}]}
    )

    code: str = Field(pattern=DEPT_PATTERN, description="部门代码, e.g. SCJG", examples=["SCJG"])
    name: str = Field(min_length=2, max_length=64, description="部门全称", examples=["市场监督管理局"])
    short_name: str = Field(min_length=1, max_length=32, description="简称", examples=["市场监管"])


class DepartmentUpdate(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "新县市场监督管理局"}]})

    name: str | None = Field(None, min_length=2, max_length=64)
    short_name: str | None = Field(None, min_length=1, max_length=32)
    active: bool | None = None


class DepartmentRead(Schema):
    code: str
    name: str
    short_name: str
    active: bool
    created_at: datetime
    updated_at: datetime
