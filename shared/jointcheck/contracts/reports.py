"""Year summaries: what planning, results and sampling tell the audit service for its oversight report.

Each service answers ``GET /v1/reports/{year}/summary`` (admins, auditors, services; optional
``department``) with one of the models below, computed from its own database; the audit service
reads them through the clients of :mod:`jointcheck.clients` and assembles the report
(``GET /v1/reports/{year}`` on audit). Counts are always complete; named rows (the late, the
overdue, the voided) stop at :data:`MAX_LISTED` per list, and each list says how many there are
in all (``…_total``), so a truncated list never hides a number.

The deadlines are the seed's: item lists and plans filed by 31 January, joint inspections
finished by 31 October, results within 20 working days of the task's window, the office's
review of every member unit by 31 December.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from jointcheck.schemas import Schema

#: The years a report may be asked for (a path parameter outside them is a 422).
REPORT_YEAR_MIN, REPORT_YEAR_MAX = 2000, 2100
#: Named rows per list in a summary (counts are never cut).
MAX_LISTED = 10_000
#: Results are due this many working days after a task's inspection window ends.
RESULTS_WORKING_DAYS = 20


def filing_deadline(year: int) -> date:
    """Item lists and annual plans are filed with the joint-meeting office by 31 January."""
    return date(year, 1, 31)


def completion_deadline(year: int) -> date:
    """Joint inspections are finished by the end of October."""
    return date(year, 10, 31)


def review_deadline(year: int) -> date:
    """The office reviews every member unit by the end of December."""
    return date(year, 12, 31)


class YearSummaryFields(Schema):
    """What every year summary starts with (a base, never a body)."""

    year: int = Field(description="the report year / 报告年度")
    department: str | None = Field(description="only what this department takes part in; null: the county / 部门")
    today: date = Field(description="the day the summary was computed (China time) / 统计日期")


# ----------------------------------------------------------------------------- planning


class FilingState(StrEnum):
    on_time = "on_time"  # 按期报备
    late = "late"  # 逾期报备
    unfiled_overdue = "unfiled_overdue"  # 逾期未报备
    unfiled = "unfiled"  # 未报备（未到期）


class CompletionState(StrEnum):
    on_time = "on_time"  # 按期完成
    late = "late"  # 逾期完成
    overdue = "overdue"  # 逾期未完成
    open = "open"  # 未完成（未到期）
    cancelled = "cancelled"  # 已取消


class PlanFiling(Schema):
    """One annual plan and when it was filed."""

    id: uuid.UUID
    lead_department: str
    name: str
    state: str = Field(description="draft, filed, published")
    filed_at: datetime | None
    published_at: datetime | None
    filing: FilingState = Field(description="against 31 January of the plan year / 报备是否按期")
    days_late: int = Field(description="calendar days after 31 January (China time); 0 when on time / 逾期天数")


class ItemListFiling(Schema):
    """One department's item list (抽查事项清单) and the industry checklists it leads (行业统一检查单):
    what was on them by 31 January, and what was added after."""

    department: str
    items: int = Field(description="check items on the year's list / 年度事项数")
    items_late: int = Field(description="of which added after 31 January / 其中1月31日后新增")
    checklists: int = Field(description="industry checklists it leads / 牵头的行业检查单数")
    checklists_late: int = Field(description="of which created after 31 January / 其中1月31日后新建")


class LateListEntry(Schema):
    """An item or checklist added to the year's lists after 31 January (named)."""

    kind: Literal["item", "checklist"]
    id: uuid.UUID
    department: str = Field(description="the item's department, the checklist's lead department")
    code: str = Field(description="the item's code; empty for a checklist")
    name: str
    created_at: datetime


class TaskCompletion(Schema):
    """One task of the year's plans and when it was completed (every inspection approved)."""

    id: uuid.UUID
    plan_id: uuid.UUID
    name: str
    lead_department: str
    departments: list[str]
    state: str
    inspection_start: date
    inspection_end: date
    completed_at: datetime | None = Field(description="when it first reached completed / 完成时间")
    completion: CompletionState = Field(description="against 31 October of the plan year / 是否按期完成")
    days_late: int = Field(description="calendar days after 31 October; 0 when on time or not yet due / 逾期天数")


class PlanningYearSummary(YearSummaryFields):
    """Planning's part of the oversight report (``GET /v1/reports/{year}/summary`` on planning)."""

    filing_deadline: date
    completion_deadline: date
    plans: list[PlanFiling] = Field(description="every plan of the year / 年度计划")
    item_lists: list[ItemListFiling] = Field(description="per department / 各部门事项清单")
    late_entries: list[LateListEntry] = Field(description="items and checklists added after 31 January")
    late_entries_total: int
    tasks: list[TaskCompletion] = Field(description="every task of the year's plans / 年度任务")
    tasks_total: int


# ----------------------------------------------------------------------------- results


class ResultsCounts(Schema):
    """Inspections of the year's tasks by whether their results came within 20 working days."""

    inspections: int
    on_time: int = Field(description="approved by the due date / 按期录入")
    late: int = Field(description="approved after the due date / 逾期录入")
    overdue: int = Field(description="not approved, past the due date / 逾期未录入")
    open: int = Field(description="not approved, not yet due / 未到期")
    due_unknown: int = Field(description="due date in a year whose holiday calendar is not loaded / 期限未知")


class DepartmentResults(ResultsCounts):
    department: str


class NamedInspection(Schema):
    """An inspection whose results came late, or are still missing past the due date."""

    id: uuid.UUID
    task_id: str
    uscc: str
    lead_department: str | None
    departments: list[str]
    state: str
    due_on: date
    approved_on: date | None
    timeliness: Literal["late", "overdue"]
    days_past_due: int = Field(description="calendar days from the due date to approval (or today)")


class PublicationCounts(Schema):
    """Publication records to GSXT by status."""

    total: int
    pending: int
    published: int
    rejected: int = Field(description="GSXT refused the record / 被公示系统拒绝")
    dead: int = Field(description="retries ran out / 重试用尽")


class DepartmentPublications(PublicationCounts):
    department: str


class FollowupCounts(Schema):
    open: int
    closed: int
    overdue: int = Field(description="open past their rectification deadline / 逾期未整改")


class DepartmentFollowups(FollowupCounts):
    department: str


class NamedFollowup(Schema):
    """An open follow-up case past its rectification deadline."""

    id: uuid.UUID
    task_id: str
    uscc: str
    item_name: str
    department: str
    rectify_by: date
    opened_at: datetime


class BurdenRow(Schema):
    inspections: int = Field(description="on-site inspections in the year / 年内受检次数")
    entities: int = Field(description="entities inspected that many times / 市场主体数")


class JointVisitSize(Schema):
    departments: int = Field(description="k: departments on one joint visit / 参与部门数")
    visits: int = Field(description="visits with k departments / 检查次数")
    visits_saved: int = Field(description="visits × (k − 1) / 减少入户次数")


class DepartmentBurden(Schema):
    department: str
    visits: int = Field(description="visits the department took part in / 参与检查次数")
    joint_visits: int = Field(description="of which with at least one other department / 其中联合检查")


class InspectionBurden(Schema):
    """On-site inspections in the calendar year (by the day of the visit) and what the joint mode saved:
    one joint visit with k departments saves k − 1 separate department visits."""

    entities: int = Field(description="entities inspected at least once / 受检市场主体数")
    visits: int = Field(description="joint visits made / 实际入户检查次数")
    department_visits: int = Field(description="Σ k: separate visits had each department gone alone / 分别检查次数")
    visits_saved: int = Field(description="Σ (k − 1) / 联合检查减少的入户次数")
    distribution: list[BurdenRow] = Field(description="entities inspected once, twice, … / 受检次数分布")
    by_size: list[JointVisitSize]
    by_department: list[DepartmentBurden]


class ResultsYearSummary(YearSummaryFields):
    """Results' part of the oversight report (``GET /v1/reports/{year}/summary`` on results)."""

    results: ResultsCounts
    results_by_department: list[DepartmentResults]
    late_inspections: list[NamedInspection] = Field(description="late and overdue, by due date")
    late_inspections_total: int
    publications: PublicationCounts
    publications_by_department: list[DepartmentPublications]
    followups: FollowupCounts
    followups_by_department: list[DepartmentFollowups]
    overdue_followups: list[NamedFollowup]
    overdue_followups_total: int
    burden: InspectionBurden
    unknown_due_years: list[int] = Field(description="years whose holiday calendar is missing / 节假日未知的年份")


# ----------------------------------------------------------------------------- sampling


class DrawCounts(Schema):
    kind: str
    status: str
    draws: int


class DrawRecord(Schema):
    """One draw of the year (its task's inspection window begins in the year)."""

    id: uuid.UUID
    task_id: str
    kind: str
    round: int
    status: str
    lead_department: str | None
    departments: list[str]
    created_at: datetime
    executed_at: datetime | None
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str | None


class SamplingYearSummary(YearSummaryFields):
    """Sampling's part of the oversight report (``GET /v1/reports/{year}/summary`` on sampling)."""

    counts: list[DrawCounts] = Field(description="by kind and status / 按类型和状态")
    draws: list[DrawRecord] = Field(description="every draw of the year, oldest first")
    draws_total: int
