"""The oversight report (督查报告): one year, for the county or one department, gathered from planning,
results and sampling and joined with audit's own replay verdicts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from jointcheck.contracts import (
    DepartmentFollowups,
    DepartmentPublications,
    DepartmentResults,
    DrawCounts,
    DrawRecord,
    FilingState,
    FollowupCounts,
    InspectionBurden,
    ItemListFiling,
    LateListEntry,
    NamedFollowup,
    NamedInspection,
    PlanFiling,
    PublicationCounts,
    ResultsCounts,
    TaskCompletion,
)
from jointcheck.schemas import Schema


class ReplayVerdict(StrEnum):
    failed = "failed"  # 复核未通过
    not_replayed = "not_replayed"  # 尚未复核
    ok = "ok"  # 复核通过


class ReportDeadlines(Schema):
    filing: date = Field(description="item lists and plans filed by / 事项清单和年度计划报备截止（1月31日）")
    completion: date = Field(description="joint inspections finished by / 联合抽查完成截止（10月31日）")
    results_working_days: int = Field(description="results within this many working days of the window / 结果录入时限")
    review: date = Field(description="the office reviews every member unit by / 联席办督查截止（12月31日）")


class DrawVerdict(Schema):
    """An executed draw of the year and audit's latest replay verdict on it."""

    draw_id: uuid.UUID
    task_id: str
    kind: str
    round: int
    draw_status: str = Field(description="as sampling reports it / 抽取状态")
    departments: list[str]
    verdict: ReplayVerdict = Field(description="the latest replay's: failed, not_replayed, ok / 最近一次复核结论")
    failed_check: str | None = Field(description="the first failed check of the latest replay / 首个未通过的检查")
    detail: str | None
    replayed_at: datetime | None
    replays: int = Field(description="replays made / 复核次数")
    failures: int = Field(description="of which failed (an earlier failure stays counted) / 其中未通过")


class DepartmentRow(Schema):
    """One member unit's figures across the report: the office's year-end review of every department."""

    department: str
    name: str = Field(description="as the registry names it; empty when unknown / 部门名称")
    plan: FilingState | None = Field(description="its own plan's filing, if it leads one / 本部门计划报备")
    items: int
    items_late: int
    checklists: int
    checklists_late: int
    tasks: int = Field(description="tasks it takes part in (not cancelled) / 参与任务数")
    tasks_on_time: int
    tasks_late: int
    tasks_overdue: int
    inspections: int
    results_on_time: int
    results_late: int
    results_overdue: int
    publications_pending: int
    publications_published: int
    publications_rejected: int
    publications_dead: int
    followups_open: int
    followups_closed: int
    followups_overdue: int
    draws_voided: int
    replays_failed: int
    visits: int = Field(description="on-site visits it took part in / 参与入户检查次数")
    joint_visits: int


class FilingsSection(Schema):
    deadline: date
    on_time: int
    late: int
    unfiled_overdue: int
    unfiled: int
    plans: list[PlanFiling] = Field(description="late and unfiled first / 逾期及未报备的在前")
    item_lists: list[ItemListFiling]
    late_entries: list[LateListEntry] = Field(description="items and checklists added after 31 January")
    late_entries_total: int


class TasksSection(Schema):
    deadline: date
    on_time: int
    late: int
    overdue: int
    open: int
    cancelled: int
    tasks: list[TaskCompletion] = Field(description="late and overdue first / 逾期的在前")
    tasks_total: int


class ResultsSection(Schema):
    working_days: int
    county: ResultsCounts = Field(description="the county's (or the department's) figures / 汇总")
    by_department: list[DepartmentResults]
    late: list[NamedInspection]
    late_total: int
    unknown_due_years: list[int]


class PublicationsSection(Schema):
    county: PublicationCounts
    by_department: list[DepartmentPublications]


class FollowupsSection(Schema):
    county: FollowupCounts
    by_department: list[DepartmentFollowups]
    overdue: list[NamedFollowup]
    overdue_total: int


class DrawsSection(Schema):
    counts: list[DrawCounts]
    total: int
    voided: list[DrawRecord] = Field(description="with when, by whom and why / 作废抽取及原因")
    voided_total: int


class ReplaysSection(Schema):
    failed: int
    not_replayed: int
    ok: int
    verdicts: list[DrawVerdict] = Field(description="failed first, then not replayed, then OK / 未通过的在前")


class OversightReport(Schema):
    """The year's oversight report. A failing replay verdict heads it (``failing_replays``)."""

    year: int
    department: str | None = Field(description="one department's section; null: the county / 部门")
    generated_at: datetime
    today: date = Field(description="China time / 统计日期")
    failing_replays: list[DrawVerdict] = Field(
        description="draws whose latest replay failed: they head the report / 复核未通过的抽取（置顶）"
    )
    deadlines: ReportDeadlines
    departments: list[DepartmentRow] = Field(description="every member unit / 各成员单位")
    filings: FilingsSection
    tasks: TasksSection
    results: ResultsSection
    publications: PublicationsSection
    followups: FollowupsSection
    draws: DrawsSection
    replays: ReplaysSection
    burden: InspectionBurden
