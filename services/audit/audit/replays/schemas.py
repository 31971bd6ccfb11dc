"""Schemas of replays and chain verifications."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict, Field

from jointcheck.schemas import Schema


class ReplayCreate(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"draw_id": "1c0e7a52-7f3b-4d8e-9b61-2a4c5d6e7f80"}]}
    )

    draw_id: uuid.UUID = Field(description="the draw to replay / 要复核的抽取")


class ReplayCheckRead(Schema):
    check: str
    ok: bool | None = Field(description="null: not run, an earlier check failed / 未执行")
    detail: str | None = None


class ReplayRead(Schema):
    id: uuid.UUID
    draw_id: str
    task_id: str | None
    kind: str | None
    trigger: str = Field(description="request or schedule / 手动或定时")
    ok: bool
    failed_check: str | None = Field(
        description="the first failed check, in order: announcement, entropy_time, "
        "commitment, input_hashes, result, registry_frame, exclusions / 首个未通过的检查"
    )
    detail: str | None
    checks: list[ReplayCheckRead]
    registry_version: int | None
    announcement_sha256: str | None
    requested_by: str
    started_at: datetime
    finished_at: datetime
    duration_ms: int


class ChainVerificationRead(Schema):
    id: int
    ok: bool
    entries: int
    head_hash: str
    first_broken_seq: int | None
    reason: str | None
    trigger: str
    verified_at: datetime


class AnnouncementDrawRead(Schema):
    id: uuid.UUID
    kind: str
    status: str


class TaskAnnouncementRead(Schema):
    """A registered announcement and the draws of sampling that use it (none: orphaned)."""

    receipt_id: uuid.UUID
    announcement_sha256: str
    draw_id: str = Field(description="the draw id given at registration / 登记时的抽取编号")
    kind: str | None
    registered_at: datetime
    draws: list[AnnouncementDrawRead]
    orphaned: bool = Field(
        description="no draw of sampling uses this announcement (sampling failed after "
        "registering, or the draw's announcement was changed) / 无抽取使用该公告"
    )
