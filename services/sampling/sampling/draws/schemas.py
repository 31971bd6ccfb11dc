"""Draw schemas."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field

from jointcheck.schemas import Schema
from sampling.draws.states import DrawKind, DrawStatus


class InspectorExclusionCreate(Schema):
    """An inspector kept out of a supplementary round, with the reason logged in its constraints file."""

    model_config = ConfigDict(extra="forbid")

    inspector_id: str = Field(min_length=1, max_length=32)
    reason: str = Field(
        min_length=3,
        max_length=200,
        pattern=r"^[^\t\r\n]+$",
        description='logged with every barred pair, e.g. "load cap reached in round 1" / 排除理由',
    )


class DrawCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"task_id": "6a1f7c1e-52f4-4e0e-8a4f-0d1b7e2c9a33", "kind": "objects", "entropy_source": "witness dice"}
            ]
        },
    )

    task_id: str = Field(min_length=1, max_length=64)
    kind: DrawKind = DrawKind.objects
    completes_draw_id: uuid.UUID | None = Field(
        None,
        description="teams only: make this a supplementary round for exactly the entities this teams draw (the "
        "task's latest round) left unassigned / 补充选派：为上一轮未组队的对象选派",
    )
    exclude_inspectors: list[InspectorExclusionCreate] = Field(
        default_factory=list,
        description="supplementary rounds only: inspectors barred from every entity of the "
        "round, each with a reason (inspectors whose earlier rounds reached max_load are barred anyway) / 排除的执法人员",
    )
    entropy_source: str = Field(
        min_length=1,
        max_length=200,
        description="how the public entropy will be produced, announced before it exists, e.g. "
        '"witness dice", "福利彩票 3D 第 2026321 期开奖号码"; "none" for internal draws without entropy '
        "/ 公开随机源说明",
        examples=["witness dice"],
    )


class DrawEntropy(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"entropy": "witness dice: 3 1 4 1 5 9 2 6"}]})

    entropy: str = Field(
        max_length=2000,
        description="the public value, verbatim (UTF-8) / 公开随机值，原样记录",
        examples=["witness dice: 3 1 4 1 5 9 2 6"],
    )


class DrawVoid(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "任务范围有误，重新抽取"}]})

    reason: str = Field(min_length=5, max_length=2000, description="why the draw is voided (kept forever) / 作废原因")


class DrawRead(Schema):
    id: uuid.UUID
    task_id: str
    kind: DrawKind
    status: DrawStatus
    objects_draw_id: uuid.UUID | None
    round: int = Field(description="teams draws: 1, then supplementary rounds / 选派轮次")
    completes_draw_id: uuid.UUID | None = Field(description="the previous round this one completes / 所补充的上一轮")
    announcement: str
    announcement_sha256: str
    commitment: str
    entropy_source: str
    input_hashes: dict[str, Any]
    context: dict[str, Any]
    receipt: dict[str, Any] | None
    registered_at: datetime | None
    registration_error: str | None
    entropy: str | None
    entropy_at: datetime | None
    summary: dict[str, Any] | None
    executed_at: datetime | None
    void_reason: str | None
    voided_at: datetime | None
    voided_by: str | None
    created_by: str
    created_at: datetime
    public_from: date


class PublicDrawRead(Schema):
    """What the public may see at once: the commitment, its receipt, the entropy, the hashes."""

    id: uuid.UUID
    task_id: str
    kind: DrawKind
    status: DrawStatus
    round: int = Field(description="teams draws: 1, then supplementary rounds / 选派轮次")
    completes_draw_id: uuid.UUID | None
    announcement: str
    announcement_sha256: str
    commitment: str
    entropy_source: str
    input_hashes: dict[str, Any]
    registered_at: datetime | None
    receipt_id: str | None = None
    entropy: str | None
    entropy_at: datetime | None
    executed_at: datetime | None
    void_reason: str | None
    voided_at: datetime | None
    public_from: date = Field(
        description="the bundle (secret, inputs, result) is public from this date "
        "(the day after the inspection window closes) / 抽取包公开日期"
    )
    bundle_available: bool
