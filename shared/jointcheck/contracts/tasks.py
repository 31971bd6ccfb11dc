"""The task as planning publishes it and sampling reads it."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_serializer
from typing_extensions import TypedDict

from jointcheck.contracts import EntityScope, FrameClass
from jointcheck.schemas import Schema


class TaskState(StrEnum):
    draft = "draft"  # 草稿
    approved = "approved"  # 已审批
    objects_drawn = "objects_drawn"  # 已抽取检查对象
    teams_assigned = "teams_assigned"  # 已选派检查人员
    in_progress = "in_progress"  # 检查中
    completed = "completed"  # 检查完成
    results_published = "results_published"  # 结果已公示
    closed = "closed"  # 已关闭
    cancelled = "cancelled"  # 已取消（抽取前，附理由）


_RATIO = 'decimal string in [0, 1], e.g. "0.05" / 比例'
_COUNT = "a fixed number instead of a ratio / 数量"
_MIN, _MAX, _ALTERNATES = "at least / 最少", "at most / 最多", "alternates drawn besides / 备选数"


class DrawRule(TypedDict, total=False):
    """A draw-v1 rule object as serialised: only the keys that are set."""

    ratio: Annotated[str, Field(description=_RATIO)]
    count: Annotated[int, Field(description=_COUNT)]
    min: Annotated[int, Field(description=_MIN)]
    max: Annotated[int, Field(description=_MAX)]
    alternates: Annotated[int, Field(description=_ALTERNATES)]


_RULE_KEYS = ("ratio", "count", "min", "max", "alternates")


class SamplingRule(Schema):
    """One credit class's draw-v1 rule: ``ratio`` (decimal string) or ``count``, optional bounds and alternates."""

    model_config = ConfigDict(extra="forbid")

    ratio: str | None = Field(None, description=_RATIO, examples=["0.05"])
    count: int | None = Field(None, description=_COUNT)
    min: int | None = Field(None, description=_MIN)
    max: int | None = Field(None, description=_MAX)
    alternates: int | None = Field(None, description=_ALTERNATES)

    @model_serializer(mode="plain")
    def _without_nulls(self) -> DrawRule:
        # draw-v1 rule objects carry no null optional fields; the stored rule reads back unchanged. Read
        # from the fields (all plain values) rather than from the default serialiser's dict: a task has five.
        return DrawRule(**{k: v for k in _RULE_KEYS if (v := getattr(self, k)) is not None})  # type: ignore[typeddict-item]

    def draw_rule(self) -> dict[str, Any]:
        """The draw-v1 rule object (what the announcement commits to)."""
        return self.model_dump(mode="json")


class TeamRules(Schema):
    """draw-v1 team rules of a task (planning fills in the defaults)."""

    required_departments: list[str] = Field(description="lead first")
    team_size: int
    max_load: int

    def draw_rules(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class TaskSpec(Schema):
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
