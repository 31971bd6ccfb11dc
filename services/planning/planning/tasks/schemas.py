"""Task schemas: the object scope, the task spec, its state and its preview."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from jointcheck.contracts import EntityScope, TaskSpec, TaskState, UnassignedEntity
from jointcheck.schemas import Schema
from planning.plans.schemas import TransitionRead

SAMPLING_RULES_DOC = (
    "A draw-v1 rule for every credit-risk class, unclassified included: keys exactly `A`, `B`, `C`, `D`, `U`; "
    'each `{"ratio": "0.05"}` (decimal string in [0, 1]) or `{"count": 3}`, plus optional `min`, `max` '
    "(or null) and `alternates` (default 0). 各信用风险分类（含未分类 U）的抽取规则：比例或数量，可设最少、最多、备选数。"
)
SAMPLING_RULES_EXAMPLE = {
    "A": {"ratio": "0.03"},
    "B": {"ratio": "0.05", "min": 1},
    "C": {"ratio": "0.2", "alternates": 1},
    "D": {"ratio": "0.6", "max": 50},
    "U": {"ratio": "0.05"},
}


class DrawType(StrEnum):
    directed = "directed"  # 定向抽查：按条件筛选的对象
    undirected = "undirected"  # 不定向抽查


ObjectScope = EntityScope
"""A task's object scope: the registry's frame filter (:class:`jointcheck.contracts.EntityScope`)."""


class TeamRulesUpdate(Schema):
    """draw-v1 team rules; anything omitted takes its default."""

    required_departments: list[str] | None = Field(
        None, description="lead first; default: every participating department"
    )
    team_size: int | None = Field(
        None, description=">= 2 and >= len(required_departments); default: the smallest allowed"
    )
    max_load: int | None = Field(None, description="most entities one inspector gets in a draw; default 10")

    model_config = ConfigDict(extra="forbid")


class TaskUpdate(Schema):
    """Fields to change in a draft task (requires If-Match); every field optional."""

    name: str | None = Field(None, min_length=1, max_length=200, description="任务名称")
    checklist_id: uuid.UUID | None = Field(None, description="行业统一检查单")
    checklist_version: int | None = Field(None, ge=1, description="pinned checklist version; default: current")
    departments: list[str] | None = Field(
        None,
        description="participating departments, lead first; default: the checklist's lead and cooperating departments",
    )
    scope: ObjectScope | None = Field(None, description="object scope; default: the checklist's industry codes")
    draw_type: DrawType | None = Field(None, description="directed 定向 / undirected 不定向")
    sampling_rules: dict[str, Any] | None = Field(
        None, description=SAMPLING_RULES_DOC, examples=[SAMPLING_RULES_EXAMPLE]
    )
    exclusion_days: int | None = Field(None, ge=0, le=3650, description="skip entities inspected in the last N days")
    team_rules: TeamRulesUpdate | None = None
    experts: dict[str, int] | None = Field(
        None, description="experts per field of expertise / 各专业领域专家人数", examples=[{"危险化学品": 1}]
    )
    inspection_start: date | None = None
    inspection_end: date | None = None
    executing_body: str | None = Field(None, min_length=1, max_length=200, description="实施主体")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scope": {
                        "industry_prefixes": ["H62"],
                        "division_prefixes": ["411523"],
                        "credit_classes": ["B", "C", "D"],
                    }
                }
            ]
        },
    )


class TaskCreate(Schema):
    plan_id: uuid.UUID = Field(description="年度计划")
    name: str = Field(min_length=1, max_length=200, description="任务名称", examples=["2027年加油站“一业一查”联合抽查"])
    checklist_id: uuid.UUID = Field(description="行业统一检查单")
    checklist_version: int | None = Field(None, ge=1, description="pinned checklist version; default: current")
    departments: list[str] | None = Field(
        None,
        description="participating departments, lead first; default: the checklist's lead and cooperating departments",
    )
    scope: ObjectScope | None = Field(None, description="object scope; default: the checklist's industry codes")
    draw_type: DrawType = Field(DrawType.directed, description="directed 定向 / undirected 不定向")
    sampling_rules: dict[str, Any] = Field(description=SAMPLING_RULES_DOC, examples=[SAMPLING_RULES_EXAMPLE])
    exclusion_days: int = Field(365, ge=0, le=3650, description="skip entities inspected in the last N days")
    team_rules: TeamRulesUpdate | None = None
    experts: dict[str, int] = Field(default_factory=dict, description="experts per field / 各专业领域专家人数")
    inspection_start: date = Field(description="检查开始日期")
    inspection_end: date = Field(description="检查结束日期（应不晚于10月31日）")
    executing_body: str | None = Field(
        None, min_length=1, max_length=200, description="实施主体; default: the lead department"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "plan_id": "0b6f6c55-2f7a-4a53-9d7e-3f7f2b1c9a10",
                    "checklist_id": "3e2d1c0b-4a5f-4e6d-8c7b-9a0f1e2d3c4b",
                    "name": "餐饮服务联合抽查",
                    "scope": {"industry_prefixes": ["H62"], "division_prefixes": ["411523"]},
                    "sampling_rules": {
                        "A": {"ratio": "0.05"},
                        "B": {"ratio": "0.1", "min": 1},
                        "C": {"ratio": "0.3", "min": 1},
                        "D": {"ratio": "1"},
                        "U": {"ratio": "0.1"},
                    },
                    "team_rules": {"max_load": 100},
                    "inspection_start": "2027-04-01",
                    "inspection_end": "2027-09-30",
                }
            ]
        },
    )


class TaskTransitionCreate(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"to": "approved", "reason": "同意"}]})

    to: TaskState = Field(
        description="approved / in_progress / completed / closed / cancelled (others are driven by events)"
    )
    reason: str = Field("", max_length=2000, description="说明（取消时必填）")


class TeamRoundRead(Schema):
    """One executed teams draw of the task: round 1, then supplementary rounds for the entities left out."""

    round: int = Field(description="1 = the teams draw; 2, 3, … = supplementary draws / 选派轮次")
    draw_id: str
    completes_draw_id: str | None = Field(
        description="the previous round's draw, whose unassigned entities this round was drawn for / 所补充的上一轮抽取"
    )
    assigned: int
    unassigned_count: int
    unassigned: list[UnassignedEntity] | None = Field(
        description="entities left without a team, with draw-v1's reason (null for those who may not see who was drawn)"
    )
    recorded_at: datetime


class TaskAmendmentCreate(Schema):
    """Change the team rules of an approved task whose teams are not complete (recorded and audited)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"team_rules": {"max_load": 12}, "reason": "检查对象较多，提高每名执法人员检查户数上限"}]
        },
    )

    team_rules: TeamRulesUpdate
    reason: str = Field(min_length=5, max_length=2000, description="why / 变更理由")


class TaskAmendmentRead(Schema):
    id: uuid.UUID
    by: str
    at: datetime
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]


class TaskRead(TaskSpec):
    """The task spec other services read: :class:`jointcheck.contracts.TaskSpec` (what sampling builds its
    draws from) and the rest of the task."""

    name: str
    plan_id: uuid.UUID
    year: int
    checklist_id: uuid.UUID
    checklist_version: int
    draw_type: DrawType
    executing_body: str
    state_history: list[TransitionRead]
    warnings: list[str]
    objects_draw_id: str | None = Field(description="the active objects draw / 当前有效的对象抽取")
    teams_draw_id: str | None = Field(description="the active teams draw (round 1) / 当前有效的人员选派")
    team_rounds: list[TeamRoundRead] = Field(description="every executed teams round / 各轮人员选派")
    unassigned_entities: list[UnassignedEntity] | None = Field(
        description="drawn entities still without a team (the last round's unassigned; null for those who may not see "
        "who was drawn) / 尚未组队的检查对象"
    )
    amendments: list[TaskAmendmentRead] = Field(
        description="changes of the team rules after approval / 审批后的规则变更"
    )
    version: int = Field(description="changes with every change; the ETag")
    created_at: datetime
    updated_at: datetime
    created_by: str


class ClassPreview(Schema):
    population: int = Field(description="entities of this class in scope now / 当前范围内数量")
    expected_sample: int = Field(description="draw-v1 sample size / 预计抽取数")
    expected_alternates: int = Field(description="预计备选数")
    rule: dict[str, Any]


class DepartmentCapacityRead(Schema):
    department: str
    eligible_inspectors: int = Field(description="active inspectors of the department now / 可选执法人员数")
    capacity: int = Field(description="eligible_inspectors × max_load / 最多可检查户数")
    needed: int = Field(description="expected entities: each team needs one of this department / 预计需检查户数")
    shortfall: int = Field(description="max(0, needed − capacity) / 缺口")


class TeamCapacityRead(Schema):
    """Whether the inspector pool can give every expected entity a team (before recusals and bars)."""

    expected_entities: int = Field(description="upper bound from the sampling rules / 预计检查对象数（上限）")
    team_size: int
    max_load: int
    seats_needed: int = Field(description="team_size × expected_entities / 所需人次")
    seats_available: int = Field(description="Σ eligible inspectors × max_load / 可用人次")
    seat_shortfall: int
    inspectors_short_of_one_team: int
    by_department: list[DepartmentCapacityRead]
    sufficient: bool = Field(description="false: approval is refused / 不足时不予审批")
    tight: bool = Field(description="losing one inspector would leave entities out / 力量紧张")
    registry_version: int


class TaskPreview(Schema):
    task_id: uuid.UUID
    registry_version: int = Field(description="registry version the counts were taken at / 名录库版本")
    scope: dict[str, Any]
    by_class: dict[str, ClassPreview] = Field(description="A, B, C, D, U")
    total_population: int
    total_expected_sample: int
    total_expected_alternates: int
    exclusion_days: int
    note: str
    capacity: TeamCapacityRead = Field(
        description="inspectors per required department against the expected entities / 执法人员力量测算"
    )
    warnings: list[str]
