"""Follow-up cases as the departments handle them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from jointcheck.schemas import Schema


class FollowupEventRead(Schema):
    action: str
    from_department: str | None
    to_department: str | None
    reason: str
    actor: str
    at: datetime


class FollowupRead(Schema):
    id: uuid.UUID
    inspection_id: uuid.UUID
    position: int
    task_id: str
    uscc: str
    item_name: str
    department: str = Field(description="the competent department the case is with / 主管部门")
    state: str = Field(description="open / closed")
    rectify_by: date | None = Field(description="rectification deadline / 整改期限")
    overdue: bool = False
    outcome: str | None
    outcome_note: str | None
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None


class FollowupDetail(FollowupRead):
    history: list[FollowupEventRead]


class FollowupTransfer(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"to_department": "XFJY", "reason": "属消防监管事项"}]}
    )

    to_department: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")
    reason: str = Field(min_length=5, max_length=2000, description="移交理由")


class FollowupDeadline(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"rectify_by": "2025-07-31", "reason": "责令30日内整改"}]}
    )

    rectify_by: date
    reason: str = Field("", max_length=2000)


class FollowupClose(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"outcome": "rectified", "note": "复查已整改到位"}]}
    )

    outcome: Literal["rectified", "penalised", "referred", "other"] = Field(
        description="rectified 已整改 / penalised 已处罚 / referred 已移送 / other 其他"
    )
    note: str = Field(min_length=2, max_length=2000, description="处置情况")
