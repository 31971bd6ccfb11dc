"""Inspection schemas: the inspection (team, items, findings, history), findings, submission, review."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field

from jointcheck.schemas import Schema

MAX_ITEMS = 500
MAX_EVIDENCE = 50


class Outcome(StrEnum):
    compliant = "compliant"  # 符合
    non_compliant = "non_compliant"  # 不符合
    not_applicable = "not_applicable"  # 不适用


class Method(StrEnum):
    """检查方式 (planning's item methods; jointcheck.contracts.gsxt.InspectionMethod)."""

    on_site = "on_site"  # 现场检查
    documentary = "documentary"  # 书面检查
    online_monitoring = "online_monitoring"  # 网络监测
    testing = "testing"  # 抽样检测
    expert_opinion = "expert_opinion"  # 专家评审


class TeamMemberRead(Schema):
    inspector: str
    department: str


class ItemRead(Schema):
    position: int
    item_id: str
    item_version: int
    department: str = Field(description="responsible department / 负责部门")
    code: str
    name: str
    legal_basis: str = ""
    content: str = ""
    methods: list[str] = Field(default_factory=list)


class Evidence(Schema):
    """Metadata of one piece of evidence (the file itself stays with the department)."""

    model_config = ConfigDict(extra="forbid")

    file_name: str = Field(min_length=1, max_length=255, description="文件名")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lower-case hex / 文件摘要")
    size: int = Field(ge=0, le=10 * 1024**3, description="bytes / 字节数")


class FindingWrite(Schema):
    model_config = ConfigDict(extra="forbid")

    position: int = Field(ge=1, le=10_000, description="the item's position on the inspection / 事项序号")
    outcome: Outcome = Field(description="compliant 符合 / non_compliant 不符合 / not_applicable 不适用")
    method: Method = Field(description="on_site / documentary / online_monitoring / testing / expert_opinion 检查方式")
    notes: str = Field("", max_length=4000, description="检查情况说明")
    evidence: list[Evidence] = Field(default_factory=list, max_length=MAX_EVIDENCE)


class FindingsWrite(Schema):
    """Findings on one or more items; all are recorded or none (each item by its department)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "findings": [
                        {
                            "position": 1,
                            "outcome": "non_compliant",
                            "method": "on_site",
                            "notes": "消防通道堵塞",
                            "evidence": [{"file_name": "photo-1.jpg", "sha256": "0" * 64, "size": 123456}],
                        }
                    ]
                }
            ]
        },
    )

    findings: list[FindingWrite] = Field(min_length=1, max_length=MAX_ITEMS)


class FindingRead(Schema):
    position: int
    item_id: str
    department: str
    outcome: Outcome
    method: Method
    notes: str
    evidence: list[Evidence]
    recorded_by: str
    recorded_at: datetime


class CategoryChoice(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        min_length=1, max_length=64, description="a code of the result-category dictionary / 结果类别代码"
    )
    department: str | None = Field(
        None,
        pattern=r"^[A-Z][A-Z0-9_]{1,15}$",
        description="for a category that names one: the department whose rules were broken / 违反规定的主管部门",
    )


class InspectionSubmit(Schema):
    """Submit the visit's results: every item has a finding; the overall result categories."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "categories": [{"code": "problem_followup_rectify", "department": "XFJY"}],
                    "follow_up_measure": "责令限期整改",
                }
            ]
        },
    )

    categories: list[CategoryChoice] = Field(min_length=1, max_length=20)
    follow_up_measure: str = Field("", max_length=1000, description="后续处置措施")


class InspectionReview(Schema):
    """The lead department's review: approve, or return with a reason (the inspection is editable again)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"decision": "return", "reason": "第3项缺少现场照片"}]}
    )

    decision: Literal["approve", "return"]
    reason: str = Field("", max_length=2000, description="required to return (at least 5 characters) / 退回须说明理由")


class HistoryRead(Schema):
    action: str
    from_state: str | None
    to_state: str
    reason: str
    actor: str
    at: datetime


class InspectionRead(Schema):
    id: uuid.UUID
    task_id: str
    objects_draw_id: str | None = None
    draw_id: str | None
    uscc: str
    inspectors: list[str]
    team: list[TeamMemberRead] = Field(default_factory=list, description="inspectors with their departments")
    lead_department: str | None = None
    departments: list[str] = Field(description="the task's departments / 任务参与部门")
    team_departments: list[str] = Field(description="the departments the team is drawn from / 检查组所属部门")
    state: str = Field(description="awaiting_team / assigned / visited / submitted / returned / approved / published")
    no_team_reason: str | None = Field(None, description="why a drawn entity has no team yet / 尚未组队的原因")
    checklist_id: str | None = None
    checklist_version: int | None = None
    items: list[ItemRead] = Field(default_factory=list, description="the task's pinned checklist items")
    items_pending: bool = Field(False, description="the task's items have not reached results yet")
    inspected_on: date | None
    categories: list[CategoryChoice] = Field(default_factory=list)
    follow_up_measure: str | None = None
    submitted_at: datetime | None = None
    approved_at: datetime | None = None
    due_on: date | None = Field(None, description="results due (20 working days after the window) / 结果录入期限")
    late: bool = Field(False, description="approved after its due date / 逾期办结")
    created_at: datetime


class InspectionDetail(InspectionRead):
    findings: list[FindingRead] = Field(default_factory=list)
    history: list[HistoryRead] = Field(default_factory=list)


class InspectionVisit(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"inspected_on": "2025-06-12"}]})

    inspected_on: date = Field(description="date of the on-site visit / 实施检查日期")


class OverdueRead(Schema):
    """Inspections past their due date and not approved, with who still owes what."""

    today: date
    items: list[InspectionRead]
    by_department: dict[str, int] = Field(description="overdue inspections each department takes part in")
    unknown_due_years: list[int] = Field(
        default_factory=list, description="years whose holiday calendar is not loaded: their due dates are unknown"
    )


# What sampling reads from results (queries and answers) and sends to it (events) is the
# published contract; these names stay importable here for the service's own modules.
from jointcheck.contracts import (  # noqa: E402
    InspectionsCreate,
    InspectionsDrawn,
    InspectionsVoided,
    InspectionTeam,
    LastInspectors,
    LastInspectorsQuery,
    RecentlyInspected,
    RecentlyInspectedQuery,
)

__all__ = [
    "InspectionDetail",
    "InspectionRead",
    "InspectionTeam",
    "InspectionVisit",
    "InspectionsCreate",
    "InspectionsDrawn",
    "InspectionsVoided",
    "LastInspectors",
    "LastInspectorsQuery",
    "RecentlyInspected",
    "RecentlyInspectedQuery",
]
