"""The oversight report as an XLSX workbook a county office can file: the summary first (a failing replay
verdict heads it), then one sheet per section, every header in Chinese.

Written by :func:`jointcheck.export.write_xlsx_sheets` (openpyxl, write-only): numbers and dates stay typed,
times are China time, booleans 是/否, text is always a text cell and never a formula (names and reasons
come from people). Codes of states and kinds are shown by their Chinese labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any

from audit.reports.schemas import OversightReport
from jointcheck.export import XLSX_MEDIA_TYPE, Column, Sheet, xlsx_sheets_bytes

__all__ = ["XLSX_MEDIA_TYPE", "file_name", "report_sheets", "report_xlsx"]

FILING = {"on_time": "按期报备", "late": "逾期报备", "unfiled_overdue": "逾期未报备", "unfiled": "未报备（未到期）"}
COMPLETION = {
    "on_time": "按期完成",
    "late": "逾期完成",
    "overdue": "逾期未完成",
    "open": "未完成（未到期）",
    "cancelled": "已取消",
}
TIMELINESS = {"late": "逾期录入", "overdue": "逾期未录入"}
VERDICT = {"failed": "未通过", "not_replayed": "未复核", "ok": "通过"}
CHECK = {
    "announcement": "公告与登记一致",
    "entropy_time": "随机值晚于登记回执",
    "commitment": "承诺与密钥一致",
    "input_hashes": "输入文件哈希",
    "result": "抽取结果可复算",
    "registry_frame": "名录与名录库一致",
    "exclusions": "排除名单有据",
}
DRAW_KIND = {"objects": "检查对象", "teams": "执法人员", "experts": "专家"}
DRAW_STATUS = {"frozen": "已冻结", "committed": "已登记", "executed": "已执行", "voided": "已作废"}
PLAN_STATE = {"draft": "草稿", "filed": "已报备", "published": "已公布"}
TASK_STATE = {
    "draft": "草稿",
    "approved": "已审批",
    "objects_drawn": "已抽取检查对象",
    "teams_assigned": "已选派检查人员",
    "in_progress": "检查中",
    "completed": "检查完成",
    "results_published": "结果已公示",
    "closed": "已关闭",
    "cancelled": "已取消",
}
INSPECTION_STATE = {
    "awaiting_team": "待编组",
    "assigned": "已编组",
    "visited": "已实施检查",
    "submitted": "已提交",
    "returned": "已退回",
    "approved": "已审核",
    "published": "已公示",
}
ENTRY_KIND = {"item": "抽查事项", "checklist": "行业检查单"}


def label(table: Mapping[str, str]) -> Callable[[Any], Any]:
    """A code (or enum) shown by its Chinese label, the code itself when the table has none."""

    def fmt(value: Any) -> Any:
        if value is None:
            return None
        code = value.value if isinstance(value, Enum) else str(value)
        return table.get(code, code)

    return fmt


# ----------------------------------------------------------------------------- the report's sheets

DEPT = Column("department", "部门代码", width=12)
DEPT_NAME = Column("department_name", "部门名称", width=24)


def _rows(models: Sequence[Any], names: Mapping[str, str] | None = None, **extra: Any) -> list[dict[str, Any]]:
    out = []
    for m in models:
        row = m.model_dump()
        if names is not None and "department" in row:
            row["department_name"] = names.get(row["department"], "")
        out.append(row | extra)
    return out


def _total(model: Any, **extra: Any) -> dict[str, Any]:
    return model.model_dump() | {"department": "合计", "department_name": ""} | extra


def summary_rows(report: OversightReport) -> list[dict[str, Any]]:
    """项目 / 数值 / 说明 — failing replay verdicts first."""
    rows: list[dict[str, Any]] = []

    def add(item: str, value: Any = None, note: str = "") -> None:
        rows.append({"item": item, "value": value, "note": note})

    failing = report.failing_replays
    add(
        "抽取复核未通过",
        len(failing),
        "下列抽取最近一次复核未通过，须立即核查" if failing else "全部已复核的抽取均通过",
    )
    for v in failing:
        check = f"{CHECK.get(v.failed_check or '', v.failed_check or '')}（{v.failed_check}）"
        add(
            f"未通过：{DRAW_KIND.get(v.kind, v.kind)}抽取 {v.draw_id}",
            None,
            f"任务 {v.task_id}；首个未通过检查：{check}；{v.detail or ''}".rstrip("；"),
        )
    f, t, r = report.filings, report.tasks, report.results.county
    add("年度计划数", len(f.plans))
    add("按期报备（1月31日前）", f.on_time)
    add("逾期报备", f.late)
    add("逾期未报备", f.unfiled_overdue)
    add("事项清单事项数", sum(x.items for x in f.item_lists))
    add("1月31日后新增事项", sum(x.items_late for x in f.item_lists))
    add("行业检查单数", sum(x.checklists for x in f.item_lists))
    add("1月31日后新建检查单", sum(x.checklists_late for x in f.item_lists))
    add("年度任务数", t.tasks_total)
    add("10月31日前完成", t.on_time)
    add("逾期完成", t.late)
    add("逾期未完成", t.overdue)
    add("未完成（未到期）", t.open)
    add("已取消任务", t.cancelled)
    add("检查总数", r.inspections)
    add(f"按期录入（{report.results.working_days}个工作日内）", r.on_time)
    add("逾期录入", r.late)
    add("逾期未录入", r.overdue)
    add("未到期", r.open)
    add("期限未知（节假日安排未录入）", r.due_unknown)
    p = report.publications.county
    add("公示记录", p.total)
    add("待公示", p.pending)
    add("已公示", p.published)
    add("被公示系统拒绝", p.rejected)
    add("公示失败（重试用尽）", p.dead)
    fu = report.followups.county
    add("后续处置未结案", fu.open)
    add("后续处置已结案", fu.closed)
    add("逾期未整改", fu.overdue)
    add("抽取总数", report.draws.total)
    add("作废抽取", report.draws.voided_total)
    add("复核通过", report.replays.ok)
    add("尚未复核", report.replays.not_replayed)
    b = report.burden
    add("受检市场主体数", b.entities)
    add("实际入户检查次数", b.visits)
    add("各部门分别检查合计次数", b.department_visits, "每次联合检查计参与部门数 k")
    add("联合检查减少入户次数", b.visits_saved, "每次 k 个部门的联合检查减少 k − 1 次")
    add("报告年度", report.year)
    add("范围", report.department or "全县")
    add("统计日期", report.today)
    add("生成时间", report.generated_at)
    return rows


def report_sheets(report: OversightReport) -> list[Sheet]:
    names = {d.department: d.name for d in report.departments}
    verdict_columns = [
        Column("verdict", "复核结论", label(VERDICT)),
        Column("failed_check", "首个未通过检查", label(CHECK), width=20),
        Column("detail", "说明", width=48),
        Column("draw_id", "抽取编号", width=38),
        Column("kind", "抽取类型", label(DRAW_KIND)),
        Column("round", "轮次"),
        Column("draw_status", "抽取状态", label(DRAW_STATUS)),
        Column("task_id", "任务编号", width=38),
        Column("departments", "参与部门", width=20),
        Column("replayed_at", "最近复核时间", width=20),
        Column("replays", "复核次数"),
        Column("failures", "其中未通过"),
    ]
    results_columns = [
        DEPT,
        DEPT_NAME,
        Column("inspections", "检查总数"),
        Column("on_time", "按期录入"),
        Column("late", "逾期录入"),
        Column("overdue", "逾期未录入"),
        Column("open", "未到期"),
        Column("due_unknown", "期限未知"),
    ]
    publication_columns = [
        DEPT,
        DEPT_NAME,
        Column("total", "公示记录"),
        Column("pending", "待公示"),
        Column("published", "已公示"),
        Column("rejected", "被拒绝"),
        Column("dead", "公示失败"),
    ]
    followup_columns = [
        DEPT,
        DEPT_NAME,
        Column("open", "未结案"),
        Column("closed", "已结案"),
        Column("overdue", "逾期未整改"),
    ]
    return [
        Sheet(
            "部门汇总" if report.department else "县汇总",
            [Column("item", "项目", width=40), Column("value", "数值", width=14), Column("note", "说明", width=80)],
            summary_rows(report),
        ),
        Sheet(
            "各部门",
            [
                DEPT,
                Column("name", "部门名称", width=24),
                Column("plan", "年度计划报备", label(FILING), width=16),
                Column("items", "事项数"),
                Column("items_late", "逾期新增事项"),
                Column("checklists", "牵头检查单"),
                Column("checklists_late", "逾期新建检查单"),
                Column("tasks", "参与任务"),
                Column("tasks_on_time", "按期完成任务"),
                Column("tasks_late", "逾期完成任务"),
                Column("tasks_overdue", "逾期未完成任务"),
                Column("inspections", "检查数"),
                Column("results_on_time", "按期录入"),
                Column("results_late", "逾期录入"),
                Column("results_overdue", "逾期未录入"),
                Column("publications_pending", "待公示"),
                Column("publications_published", "已公示"),
                Column("publications_rejected", "公示被拒绝"),
                Column("publications_dead", "公示失败"),
                Column("followups_open", "处置未结案"),
                Column("followups_closed", "处置已结案"),
                Column("followups_overdue", "逾期未整改"),
                Column("draws_voided", "作废抽取"),
                Column("replays_failed", "复核未通过"),
                Column("visits", "参与入户检查"),
                Column("joint_visits", "其中联合检查"),
            ],
            _rows(report.departments),
        ),
        Sheet("抽取复核", verdict_columns, _rows(report.replays.verdicts)),
        Sheet(
            "计划报备",
            [
                Column("lead_department", "牵头部门", width=12),
                Column("lead_department_name", "部门名称", width=24),
                Column("name", "计划名称", width=40),
                Column("state", "计划状态", label(PLAN_STATE)),
                Column("filing", "报备情况", label(FILING), width=16),
                Column("filed_at", "报备时间", width=20),
                Column("days_late", "逾期天数"),
                Column("published_at", "公布时间", width=20),
            ],
            [x | {"lead_department_name": names.get(x["lead_department"], "")} for x in _rows(report.filings.plans)],
        ),
        Sheet(
            "事项清单",
            [
                DEPT,
                DEPT_NAME,
                Column("items", "年度事项数"),
                Column("items_late", "其中1月31日后新增"),
                Column("checklists", "牵头行业检查单数"),
                Column("checklists_late", "其中1月31日后新建"),
            ],
            _rows(report.filings.item_lists, names),
        ),
        Sheet(
            "逾期新增事项",
            [
                Column("kind", "类别", label(ENTRY_KIND)),
                DEPT,
                DEPT_NAME,
                Column("code", "事项编号", width=16),
                Column("name", "名称", width=40),
                Column("created_at", "新增时间", width=20),
            ],
            _rows(report.filings.late_entries, names),
        ),
        Sheet(
            "任务完成",
            [
                Column("name", "任务名称", width=40),
                Column("lead_department", "牵头部门", width=12),
                Column("departments", "参与部门", width=20),
                Column("inspection_start", "检查开始", width=12),
                Column("inspection_end", "检查结束", width=12),
                Column("state", "任务状态", label(TASK_STATE), width=16),
                Column("completion", "完成情况", label(COMPLETION), width=16),
                Column("completed_at", "完成时间", width=20),
                Column("days_late", "逾期天数"),
                Column("id", "任务编号", width=38),
            ],
            _rows(report.tasks.tasks),
        ),
        Sheet(
            "结果录入",
            results_columns,
            _rows(report.results.by_department, names) + [_total(report.results.county)],
        ),
        Sheet(
            "逾期结果",
            [
                Column("timeliness", "情况", label(TIMELINESS)),
                Column("uscc", "统一社会信用代码", width=22),
                Column("lead_department", "牵头部门", width=12),
                Column("departments", "参与部门", width=20),
                Column("state", "检查状态", label(INSPECTION_STATE)),
                Column("due_on", "录入期限", width=12),
                Column("approved_on", "审核日期", width=12),
                Column("days_past_due", "超期天数"),
                Column("task_id", "任务编号", width=38),
                Column("id", "检查编号", width=38),
            ],
            _rows(report.results.late),
        ),
        Sheet(
            "结果公示",
            publication_columns,
            _rows(report.publications.by_department, names) + [_total(report.publications.county)],
        ),
        Sheet(
            "后续处置",
            followup_columns,
            _rows(report.followups.by_department, names) + [_total(report.followups.county)],
        ),
        Sheet(
            "逾期处置",
            [
                DEPT,
                DEPT_NAME,
                Column("uscc", "统一社会信用代码", width=22),
                Column("item_name", "检查事项", width=30),
                Column("rectify_by", "整改期限", width=12),
                Column("opened_at", "立案时间", width=20),
                Column("task_id", "任务编号", width=38),
                Column("id", "案件编号", width=38),
            ],
            _rows(report.followups.overdue, names),
        ),
        Sheet(
            "作废抽取",
            [
                Column("id", "抽取编号", width=38),
                Column("kind", "抽取类型", label(DRAW_KIND)),
                Column("round", "轮次"),
                Column("lead_department", "牵头部门", width=12),
                Column("void_reason", "作废原因", width=48),
                Column("voided_at", "作废时间", width=20),
                Column("voided_by", "作废人", width=20),
                Column("task_id", "任务编号", width=38),
            ],
            _rows(report.draws.voided),
        ),
        Sheet(
            "检查负担",
            [Column("inspections", "年内受检次数"), Column("entities", "市场主体数")],
            _rows(report.burden.distribution),
        ),
        Sheet(
            "联合检查",
            [
                Column("departments", "参与部门数"),
                Column("visits", "检查次数"),
                Column("visits_saved", "减少入户次数"),
            ],
            _rows(report.burden.by_size)
            + [
                {
                    "departments": "合计",
                    "visits": report.burden.visits,
                    "visits_saved": report.burden.visits_saved,
                }
            ],
        ),
    ]


def report_xlsx(report: OversightReport) -> bytes:
    """The workbook (blocking: call it off the event loop)."""
    return xlsx_sheets_bytes(report_sheets(report))


def file_name(report: OversightReport) -> str:
    scope = f"（{report.department}）" if report.department else ""
    return f"{report.year}年度一业一查督查报告{scope}.xlsx"
