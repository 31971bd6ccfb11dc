"""Entity schemas: create, update, read, filters, imports and credit-class sync."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from jointcheck.codes import (
    CodeValueError,
    EntityType,
    RegistrationStatus,
    normalize_division_code,
    normalize_industry_code,
    normalize_uscc,
)
from jointcheck.contracts import DEPT_PATTERN, EntityScope
from jointcheck.schemas import Renaming, Schema, deprecated_name

CreditClassCode = Literal["A", "B", "C", "D"]
FrameClass = Literal["A", "B", "C", "D", "U"]


def _industry(v: str) -> str:
    try:
        return normalize_industry_code(v)
    except CodeValueError as exc:
        raise ValueError(str(exc)) from None


def _division(v: str) -> str:
    try:
        return normalize_division_code(v)
    except CodeValueError as exc:
        raise ValueError(str(exc)) from None


def _departments(v: list[str]) -> list[str]:
    out = sorted({d.strip().upper() for d in v if d.strip()})
    bad = [d for d in out if not re.match(DEPT_PATTERN, d)]
    if bad:
        raise ValueError(f"not department codes: {bad}")
    return out


def _tags(v: list[str]) -> list[str]:
    out = sorted({t.strip() for t in v if t.strip()})
    if any(len(t) > 64 or "\t" in t or "\n" in t for t in out):
        raise ValueError("a tag has at most 64 characters and no tab or newline")
    return out


class EntityFields(Schema):
    name: str = Field(min_length=1, max_length=256, description="市场主体名称", examples=["新县新集镇张记饭店有限公司"])
    entity_type: EntityType = Field(
        description="市场主体类型 (enterprise 企业 / individual_business 个体工商户 / "
        "farmers_cooperative 农民专业合作社 / other 其他)"
    )
    industry_code: str = Field(description="行业代码 GB/T 4754-2017, e.g. H6210", examples=["H6210"])
    division_code: str = Field(description="所在行政区划 GB/T 2260", examples=["411523"])
    address: str = Field("", max_length=500, description="住所（经营场所）")
    status: RegistrationStatus = Field(RegistrationStatus.ACTIVE, description="登记状态")
    registered_on: date | None = Field(None, description="成立日期")
    credit_class: CreditClassCode | None = Field(None, description="信用风险分类 A/B/C/D, null = 未分类")
    classified_at: datetime | None = Field(None, description="分类时间")
    departments: list[str] = Field(default_factory=list, description="监管部门代码", examples=[["SCJG", "XFJY"]])
    tags: list[str] = Field(default_factory=list, description="标签, e.g. 许可证", examples=[["食品经营许可"]])

    @field_validator("industry_code")
    @classmethod
    def check_industry(cls, v: str) -> str:
        return _industry(v)

    @field_validator("division_code")
    @classmethod
    def check_division(cls, v: str) -> str:
        return _division(v)

    @field_validator("departments")
    @classmethod
    def check_departments(cls, v: list[str]) -> list[str]:
        return _departments(v)

    @field_validator("tags")
    @classmethod
    def check_tags(cls, v: list[str]) -> list[str]:
        return _tags(v)


class EntityCreate(EntityFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "uscc": "91411523MA00000019",
                    "name": "新县新集镇张记饭店有限公司",
                    "entity_type": "enterprise",
                    "industry_code": "H6210",
                    "division_code": "411523",
                    "address": "新县新集镇将军路 18 号",
                    "registered_on": "2019-05-08",
                    "credit_class": "B",
                    "classified_at": "2027-03-01T00:00:00+08:00",
                    "departments": ["SCJG", "XFJY"],
                    "tags": ["餐饮"],
                }
            ]
        }
    )

    uscc: str = Field(description="统一社会信用代码 (GB 32100-2015)", examples=["91411523MA0000004J"])
    legacy_code: bool = Field(
        False,
        description="admin only: accept a known legacy code whose check character fails "
        "/ 仅管理员：接受校验位不符的历史代码",
    )
    legacy_reason: str | None = Field(
        None, max_length=500, description="why the legacy code is genuine (required with legacy_code)"
    )

    @field_validator("uscc")
    @classmethod
    def _norm(cls, v: str) -> str:
        return normalize_uscc(v)


class EntityUpdate(Schema):
    """Fields to change; everything omitted stays as it is."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"address": "新县新集镇将军路 20 号", "tags": ["餐饮", "重点"]}]}
    )

    name: str | None = Field(None, min_length=1, max_length=256)
    entity_type: EntityType | None = None
    industry_code: str | None = None
    division_code: str | None = None
    address: str | None = Field(None, max_length=500)
    status: RegistrationStatus | None = None
    registered_on: date | None = None
    credit_class: CreditClassCode | None = None
    classified_at: datetime | None = None
    departments: list[str] | None = None
    tags: list[str] | None = None

    @field_validator("industry_code")
    @classmethod
    def check_industry(cls, v: str | None) -> str | None:
        return None if v is None else _industry(v)

    @field_validator("division_code")
    @classmethod
    def check_division(cls, v: str | None) -> str | None:
        return None if v is None else _division(v)

    @field_validator("departments")
    @classmethod
    def check_departments(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _departments(v)

    @field_validator("tags")
    @classmethod
    def check_tags(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _tags(v)


class EntityRead(Schema):
    uscc: str
    name: str
    entity_type: str
    industry_code: str
    division_code: str
    address: str
    status: str
    registered_on: date | None
    credit_class: str | None
    classified_at: datetime | None
    departments: list[str]
    tags: list[str]
    legacy_code: bool
    source: str = Field(
        description="local (files, this API) or platform (the collaborative platform's feed, "
        "which owns the registration fields) / 数据来源"
    )
    deleted: bool
    version: int = Field(validation_alias="valid_from", description="registry version of this state / 名录库版本")
    changed_at: datetime
    changed_by: str | None
    change_reason: str


class EntityVersionRead(EntityRead):
    valid_to: int | None


EntityFilter = EntityScope
"""A scope of entities (the published contract, :class:`jointcheck.contracts.EntityScope`)."""


class CreditClassItem(Renaming):
    model_config = ConfigDict(populate_by_name=True)
    renamed = {"class": "credit_class"}

    uscc: str
    credit_class: CreditClassCode | None = Field(
        description="A/B/C/D, or null for unclassified (an entity's `credit_class`) / 信用风险分类"
    )
    class_: CreditClassCode | None = deprecated_name("credit_class", alias="class")
    classified_at: datetime

    @field_validator("uscc")
    @classmethod
    def _norm(cls, v: str) -> str:
        return normalize_uscc(v)


class CreditClassSync(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "uscc": "91411523MA00000019",
                            "credit_class": "B",
                            "classified_at": "2027-03-01T00:00:00+08:00",
                        }
                    ]
                }
            ]
        }
    )

    items: list[CreditClassItem] = Field(min_length=1, max_length=1_000_000)


class CreditClassSyncResult(Schema):
    changed: bool = Field(description="true when classes changed: a new registry version was written / 是否有变化")
    registry_version: int = Field(
        description="the registry version holding these classes: the one written, or the current one when "
        "nothing changed / 反映本次同步结果的名录库版本"
    )
    received: int
    updated: int
    unchanged: int
    stale: list[str] = Field(description="USCCs whose classified_at is older than the one on record (ignored)")
    unknown: list[str] = Field(description="USCCs not in the registry / 名录库中不存在")
    version: int | None = Field(
        description="deprecated since API 0.2.0 (use `changed` and `registry_version`): the registry version "
        "written, null if nothing changed / 已弃用",
        json_schema_extra={"deprecated": True},
    )


class RowError(Schema):
    line: int = Field(description="line in the file (the header is line 1) / 行号")
    field: str | None = None
    value: str | None = None
    reason: str
    reason_zh: str | None = None


class EntityImportResult(Schema):
    """What an import did. Importing the same file again is a success that changes nothing:
    `changed: false`, with the `registry_version` that already holds the file. 导入结果。"""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "changed": False,
                    "registry_version": 42,
                    "mode": "all_or_nothing",
                    "dry_run": False,
                    "rows": 5000,
                    "inserted": 0,
                    "updated": 0,
                    "unchanged": 5000,
                    "rejected": 0,
                    "errors": [],
                    "errors_total": 0,
                    "sha256": "9f2c6a0e5b1d4c3a8e7f6d5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a3928",
                    "committed": False,
                    "version": None,
                }
            ]
        }
    )

    changed: bool = Field(
        description="true when the import wrote a new registry version; false when the registry already held "
        "every row (a re-import) or on a dry run / 是否写入了新版本"
    )
    registry_version: int = Field(
        description="the registry version holding the file's rows: the one written, or the current one when "
        "nothing changed (on a dry run: the current one) / 反映本次导入结果的名录库版本"
    )
    mode: Literal["all_or_nothing", "valid_rows"]
    dry_run: bool
    rows: int = Field(description="data rows in the file (the header is line 1) / 数据行数")
    inserted: int
    updated: int
    unchanged: int
    rejected: int = Field(description="rows rejected / 被拒绝的行数")
    errors: list[RowError] = Field(
        description="the first row errors by line (the header is line 1; REGISTRY_IMPORT_MAX_ERRORS, default "
        "1,000) / 按行号排列的前若干条错误（表头为第 1 行）"
    )
    errors_total: int = Field(0, description="how many row errors there were in all / 错误总数")
    sha256: str = Field(description="SHA-256 of the uploaded file")
    committed: bool = Field(
        description="deprecated since API 0.2.0: the old name of `changed` / 已弃用，同 changed",
        json_schema_extra={"deprecated": True},
    )
    version: int | None = Field(
        description="deprecated since API 0.2.0 (use `changed` and `registry_version`): the registry version "
        "written, null if nothing changed / 已弃用",
        json_schema_extra={"deprecated": True},
    )
