"""What a platform sync run reports, and where the feed stands."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from jointcheck.schemas import Schema


class RejectedEvent(Schema):
    seq: int = Field(description="the event's sequence number in the feed / 序号")
    uscc: str
    action: str
    reason: str
    reason_zh: str


class SyncRunRead(Schema):
    id: uuid.UUID
    feed: str = Field(description="platform:<division>")
    trigger: Literal["manual", "schedule"]
    actor: str | None
    status: Literal["running", "succeeded", "failed", "abandoned"] = Field(
        description="failed: the platform failed or hung mid-run; every page applied before stays applied"
    )
    created_at: datetime
    finished_at: datetime | None
    cursor_from: int
    cursor_to: int = Field(description="the cursor applied when the run ended / 已应用游标")
    newest_seq: int = Field(description="newest sequence number the platform reported / 平台最新序号")
    lag: int = Field(description="newest_seq − cursor_to / 滞后条数")
    pages: int
    pulled: int = Field(description="events pulled and applied or rejected / 拉取条数")
    inserted: int = Field(description="entities new to the registry / 新增")
    updated: int = Field(description="registration changes / 变更")
    deregistered: int = Field(description="注销、吊销、撤销、迁出")
    classes_changed: int = Field(description="credit-risk class changes / 信用风险分类变更")
    unchanged: int = Field(description="events that changed nothing (already applied, stale class) / 无变化")
    rejected: int = Field(description="events rejected / 被拒绝")
    rejects: list[RejectedEvent] = Field(description="the first rejected events (REGISTRY_PLATFORM_MAX_REJECTS_LISTED)")
    versions: list[int] = Field(description="registry versions written, one per page that changed something")
    error: str | None


class SyncStateRead(Schema):
    feed: str
    cursor: int
    newest_seq: int
    lag: int
    updated_at: datetime | None
