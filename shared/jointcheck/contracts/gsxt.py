"""What results publishes to the National Enterprise Credit Information Publicity System (GSXT).

GSXT is outside the project (the emulator, ``services/gsxt_emulator``, stands in for it in
development and tests). A :class:`GsxtPublicationRecord` is one entity's result of one
joint random inspection, shaped like GSXT's public section 双随机抽查结果信息 (plan and task
numbers, task name, 定向/不定向, the inspecting bodies, the completion date, each item and
its result) plus what its detail and the domain brief add (result categories, follow-up
measure, inspection methods). ``record_id`` is the idempotency key: the sender sends it as
``Idempotency-Key``, and GSXT answers a resubmission of the same record with the same
:class:`GsxtReceipt`, never a second publication.

The model checks shape (types, lengths, codes' spelling); :func:`check_publication` checks
meaning — a valid USCC check character, known result categories and the selection rules
(:mod:`jointcheck.codes.result_categories`), dates in order, the publishing department
among the inspecting ones — and raises :class:`InvalidPublicationRecord` with a stable
``code`` and both languages. The emulator runs exactly that check; a sender may run it
before enqueueing to refuse a bad record early.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from jointcheck.codes import InvalidUSCC, validate_uscc
from jointcheck.codes.result_categories import (
    CATEGORY_CODE_PATTERN,
    CategoryDictionary,
    InvalidResultSelection,
    default_dictionary,
)
from jointcheck.schemas import Schema

#: 定向 (a filtered group of entities) / 不定向 (the whole directory).
DrawType = Literal["directed", "undirected"]
#: The check items' methods (planning's vocabulary): 现场检查, 书面检查, 网络监测, 抽样检测, 专家评审.
InspectionMethod = Literal["on_site", "documentary", "online_monitoring", "testing", "expert_opinion"]
#: An item's finding: 合格 / 不合格 / 不适用.
ItemOutcome = Literal["compliant", "non_compliant", "not_applicable"]
#: Record ids: what GSXT keys records by, sent as ``Idempotency-Key``.
RECORD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
_DEPT = r"^[A-Z][A-Z0-9_]{1,15}$"  # jointcheck.contracts.DEPT_PATTERN (this module is imported by it)
DepartmentCode = Annotated[str, Field(pattern=_DEPT)]


def _unique(values: list[str], what: str) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError(f"{what} are listed more than once")
    return values


class GsxtResultCategory(Schema):
    """One result category (:mod:`jointcheck.codes.result_categories`); ``department`` names
    the department whose rules were broken, on the sub-types that name one."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CATEGORY_CODE_PATTERN, max_length=48, description="结果类别代码", examples=["no_problem"])
    department: str | None = Field(None, pattern=_DEPT, description="违反其规定的部门（仅“待后续处理”子类）")


class GsxtItemResult(Schema):
    """One check item (抽查事项) of the inspection and its result (检查结果)."""

    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(min_length=1, max_length=64, description="事项编号")
    item_name: str = Field(min_length=1, max_length=256, description="抽查事项")
    department: str = Field(pattern=_DEPT, description="负责该事项的部门")
    result: ItemOutcome = Field(description="compliant 合格 / non_compliant 不合格 / not_applicable 不适用")
    categories: list[GsxtResultCategory] = Field(
        default_factory=list, max_length=32, description="该事项的检查结果类别"
    )


class GsxtPublicationRecord(Schema):
    """One entity's published result of one joint random inspection (抽查检查结果信息)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "record_id": "0f4b3c2a-1d2e-4f50-8a6b-7c8d9e0f1a2b",
                    "uscc": "91110000600037341L",
                    "entity_name": "新县某某餐饮有限公司",
                    "plan_id": "9b0c1e2a-0000-4000-8000-000000000009",
                    "plan_name": "2025年度联合抽查计划",
                    "task_id": "5f0c1e2a-0000-4000-8000-000000000001",
                    "task_name": "餐饮业联合检查",
                    "draw_type": "directed",
                    "inspecting_departments": ["SCJG", "XFJY"],
                    "publishing_department": "SCJG",
                    "inspection_date": "2025-07-01",
                    "completion_date": "2025-07-15",
                    "result_categories": [{"code": "problem_followup_rectify", "department": "XFJY"}],
                    "item_results": [
                        {"item_code": "XF-01", "item_name": "消防通道", "department": "XFJY", "result": "non_compliant"}
                    ],
                    "follow_up_measure": "责令限期整改",
                    "inspection_methods": ["on_site"],
                }
            ]
        },
    )

    record_id: str = Field(pattern=RECORD_ID_PATTERN, description="记录编号（幂等键）/ the idempotency key")
    uscc: str = Field(min_length=18, max_length=18, description="统一社会信用代码")
    entity_name: str = Field(min_length=1, max_length=256, description="市场主体名称")
    plan_id: str = Field(min_length=1, max_length=64, description="抽查计划标识")
    plan_number: str | None = Field(None, max_length=64, description="抽查计划编号")
    plan_name: str | None = Field(None, max_length=256, description="抽查计划名称")
    task_id: str = Field(min_length=1, max_length=64, description="抽查任务标识")
    task_number: str | None = Field(None, max_length=64, description="抽查任务编号")
    task_name: str = Field(min_length=1, max_length=256, description="抽查任务名称")
    draw_type: DrawType = Field(description="抽查类型：directed 定向 / undirected 不定向")
    inspecting_departments: list[DepartmentCode] = Field(
        min_length=1, max_length=32, description="抽查机关（检查实施部门代码）", examples=[["SCJG", "XFJY"]]
    )
    publishing_department: str = Field(pattern=_DEPT, description="公示部门（牵头部门）")
    inspection_date: date = Field(description="检查日期（实施检查之日）")
    completion_date: date = Field(description="抽查完成日期（结果审核通过之日）")
    result_categories: list[GsxtResultCategory] = Field(min_length=1, max_length=32, description="检查结果类别")
    item_results: list[GsxtItemResult] = Field(default_factory=list, max_length=500, description="各抽查事项的结果")
    follow_up_measure: str | None = Field(None, max_length=2000, description="后续处置措施")
    inspection_methods: list[InspectionMethod] = Field(min_length=1, max_length=5, description="检查方式")

    @field_validator("inspecting_departments")
    @classmethod
    def _departments(cls, v: list[str]) -> list[str]:
        return _unique(v, "inspecting departments")

    @field_validator("inspection_methods")
    @classmethod
    def _methods(cls, v: list[str]) -> list[str]:
        return _unique(v, "inspection methods")

    def canonical_json(self) -> str:
        """The record as canonical JSON (sorted keys, no spaces): two records are the same
        record exactly when these are equal."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


class GsxtReceipt(Schema):
    """GSXT's acknowledgement of a record: the same for every resubmission of the same record."""

    record_id: str = Field(description="记录编号")
    publication_id: str = Field(description="公示系统的公示编号")
    uscc: str
    received_at: datetime = Field(description="first accepted at / 首次接收时间")
    record_sha256: str = Field(description="SHA-256 of the record's canonical JSON / 记录摘要")


class InvalidPublicationRecord(ValueError):
    """A record that is well-formed but wrong. ``code`` (stable): ``invalid_uscc``,
    ``invalid_result_categories``, ``dates_out_of_order``, ``publishing_department_not_inspecting``,
    ``item_department_not_inspecting``; ``field`` names where; ``reason`` refines the code."""

    def __init__(self, code: str, detail: str, detail_zh: str, *, field: str, reason: str | None = None) -> None:
        super().__init__(detail)
        self.code, self.detail, self.detail_zh, self.field, self.reason = code, detail, detail_zh, field, reason


def check_publication(record: GsxtPublicationRecord, *, dictionary: CategoryDictionary | None = None) -> None:
    """Raise :class:`InvalidPublicationRecord` for the first rule ``record`` breaks."""
    try:
        validate_uscc(record.uscc)
    except InvalidUSCC as exc:
        raise InvalidPublicationRecord(
            "invalid_uscc",
            f"uscc {record.uscc!r}: {exc.detail}",
            f"统一社会信用代码“{record.uscc}”无效：{exc.detail_zh}",
            field="uscc",
            reason=exc.reason,
        ) from None
    dictionary = dictionary or default_dictionary()
    inspecting = set(record.inspecting_departments)
    selections = [("result_categories", record.result_categories)] + [
        (f"item_results.{i}.categories", item.categories)
        for i, item in enumerate(record.item_results)
        if item.categories
    ]
    for where, selection in selections:
        try:
            dictionary.validate_selection(selection)
        except InvalidResultSelection as exc:
            raise InvalidPublicationRecord(
                "invalid_result_categories",
                f"{where}: {exc.detail}",
                f"{where}：{exc.detail_zh}",
                field=where,
                reason=exc.reason,
            ) from None
    if record.completion_date < record.inspection_date:
        raise InvalidPublicationRecord(
            "dates_out_of_order",
            f"completion date {record.completion_date} is before the inspection date {record.inspection_date}",
            f"抽查完成日期 {record.completion_date} 早于检查日期 {record.inspection_date}",
            field="completion_date",
        )
    if record.publishing_department not in inspecting:
        raise InvalidPublicationRecord(
            "publishing_department_not_inspecting",
            f"publishing department {record.publishing_department} is not among the inspecting departments "
            f"{', '.join(record.inspecting_departments)} (谁检查、谁公开)",
            f"公示部门 {record.publishing_department} 不在抽查机关之列（{'、'.join(record.inspecting_departments)}）：谁检查、谁公开",
            field="publishing_department",
        )
    for i, item in enumerate(record.item_results):
        if item.department not in inspecting:
            raise InvalidPublicationRecord(
                "item_department_not_inspecting",
                f"item {item.item_code}: department {item.department} is not among the inspecting departments",
                f"抽查事项 {item.item_code} 的部门 {item.department} 不在抽查机关之列",
                field=f"item_results.{i}.department",
            )
