"""The task as planning publishes it and sampling reads it."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from jointcheck.contracts import EntityScope, FrameClass


class TaskState(StrEnum):
    draft = "draft"  # 草稿
    approved = "approved"  # 已审批
    objects_drawn = "objects_drawn"  # 已抽取检查对象
    teams_assigned = "teams_assigned"  # 已选派检查人员
    in_progress = "in_progress"  # 检查中
    completed = "completed"  # 检查完成
    results_published = "results_published"  # 结果已公示
    closed = "closed"  # 已关闭


class SamplingRule(BaseModel):
    """One credit class's draw-v1 rule: ``ratio`` (decimal string) or ``count``, optional bounds and alternates."""

    model_config = ConfigDict(extra="forbid")

    ratio: str | None = None
    count: int | None = None
    min: int | None = None
    max: int | None = None
    alternates: int | None = None

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler: Any) -> dict[str, Any]:
        # draw-v1 rule objects carry no null optional fields; the stored rule reads back unchanged.
        return {k: v for k, v in handler(self).items() if v is not None}

    def draw_rule(self) -> dict[str, Any]:
        """The draw-v1 rule object (what the announcement commits to)."""
        return self.model_dump(mode="json")


class TeamRules(BaseModel):
    """draw-v1 team rules of a task (planning fills in the defaults)."""

    required_departments: list[str] = Field(description="lead first")
    team_size: int
    max_load: int

    def draw_rules(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class TaskSpec(BaseModel):
    """What sampling builds a draw from: the part of planning's task both must agree on.

    Planning's ``GET /v1/tasks/{id}`` answers a superset of it (its ``TaskRead`` extends this).
    """

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    lead_department: str
    departments: list[str] = Field(description="lead first")
    scope: EntityScope = Field(description="the registry's frame filter")
    sampling_rules: dict[FrameClass, SamplingRule] = Field(description="keys A, B, C, D, U; draw-v1 rules")
    exclusion_days: int
    team_rules: TeamRules = Field(description="required_departments, team_size, max_load (draw-v1)")
    experts: dict[str, int]
    inspection_start: date
    inspection_end: date
    state: TaskState
