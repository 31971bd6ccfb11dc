"""Check item schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field, field_validator

from jointcheck.contracts import DEPT_PATTERN
from jointcheck.schemas import Schema


class Method(StrEnum):
    """检查方式."""

    on_site = "on_site"  # 现场检查
    documentary = "documentary"  # 书面检查
    online_monitoring = "online_monitoring"  # 网络监测
    testing = "testing"  # 抽样检测
    expert_opinion = "expert_opinion"  # 专家评审


class Category(StrEnum):
    """事项类别."""

    general = "general"  # 一般检查事项
    key = "key"  # 重点检查事项


CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$"


def _texts(v: list[str], *, max_len: int) -> list[str]:
    out = [s.strip() for s in v if s and s.strip()]
    if any(len(s) > max_len for s in out):
        raise ValueError(f"each entry has at most {max_len} characters")
    return out


def _tags(v: list[str]) -> list[str]:
    out = sorted({t.strip() for t in v if t and t.strip()})
    if any(len(t) > 64 or "\t" in t or "\n" in t for t in out):
        raise ValueError("a specialty tag has at most 64 characters and no tab or newline")
    return out


class ItemFields(Schema):
    """What a version of an item says."""

    name: str = Field(min_length=1, max_length=200, description="事项名称", examples=["成品油经营许可情况检查"])
    sub_items: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="检查子项",
        examples=[["是否取得成品油零售经营批准证书", "是否超范围经营"]],
    )
    legal_basis: str = Field(
        min_length=1, max_length=5000, description="检查依据", examples=["《成品油市场管理办法》第二十六条"]
    )
    content: str = Field("", max_length=10000, description="检查内容")
    methods: list[Method] = Field(
        min_length=1,
        description="检查方式: on_site 现场检查 / documentary 书面检查 / "
        "online_monitoring 网络监测 / testing 抽样检测 / expert_opinion 专家评审",
        examples=[["on_site", "documentary"]],
    )
    category: Category = Field(Category.general, description="类别: general 一般 / key 重点")
    objects: str = Field("", max_length=1000, description="检查对象", examples=["成品油零售经营企业"])
    inspector_requirements: list[str] = Field(
        default_factory=list, description="执法人员要求（专业标签）", examples=[["成品油流通"]]
    )
    remarks: str = Field("", max_length=2000, description="备注")

    @field_validator("sub_items")
    @classmethod
    def _sub_items(cls, v: list[str]) -> list[str]:
        return _texts(v, max_len=500)

    @field_validator("methods")
    @classmethod
    def _methods(cls, v: list[Method]) -> list[Method]:
        return list(dict.fromkeys(v))

    @field_validator("inspector_requirements")
    @classmethod
    def _reqs(cls, v: list[str]) -> list[str]:
        return _tags(v)


class ItemCreate(ItemFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "department": "SCJG",
                    "code": "SCJG-CY-001",
                    "name": "餐饮服务食品安全检查",
                    "legal_basis": "《中华人民共和国食品安全法》第八十七条",
                    "methods": ["on_site", "documentary"],
                    "sub_items": ["是否取得食品经营许可证", "从业人员健康证明"],
                    "category": "key",
                }
            ]
        }
    )

    department: str = Field(pattern=DEPT_PATTERN, description="所属部门代码", examples=["SWJ"])
    code: str = Field(pattern=CODE_PATTERN, description="事项编号（部门内唯一）", examples=["SWJ-001"])


class ItemUpdate(Schema):
    """Fields to change; a new version is written, the old one stays readable."""

    name: str | None = Field(None, min_length=1, max_length=200)
    sub_items: list[str] | None = Field(None, max_length=100)
    legal_basis: str | None = Field(None, min_length=1, max_length=5000)
    content: str | None = Field(None, max_length=10000)
    methods: list[Method] | None = Field(None, min_length=1)
    category: Category | None = None
    objects: str | None = Field(None, max_length=1000)
    inspector_requirements: list[str] | None = None
    remarks: str | None = Field(None, max_length=2000)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"legal_basis": "《中华人民共和国食品安全法》第八十七条、第一百一十条"}]},
    )

    @field_validator("sub_items")
    @classmethod
    def _sub_items(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _texts(v, max_len=500)

    @field_validator("methods")
    @classmethod
    def _methods(cls, v: list[Method] | None) -> list[Method] | None:
        return None if v is None else list(dict.fromkeys(v))

    @field_validator("inspector_requirements")
    @classmethod
    def _reqs(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _tags(v)


class ItemRead(Schema):
    """One version of an item (the current one unless ``?version=`` asked otherwise)."""

    id: uuid.UUID
    department: str
    code: str
    version: int
    current_version: int
    name: str
    sub_items: list[str]
    legal_basis: str
    content: str
    methods: list[Method]
    category: Category
    objects: str
    inspector_requirements: list[str]
    remarks: str
    created_at: datetime = Field(description="when the item was first created / 创建时间")
    version_created_at: datetime = Field(description="when this version was written / 本版本时间")
    version_created_by: str
    cancelled: bool = Field(False, description="cancelled (never deleted) / 已取消")
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = Field(None, description="取消理由")


class ItemCancelCreate(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "该事项已并入 SCJG-CY-002"}]})

    reason: str = Field(min_length=5, max_length=2000, description="why the item is cancelled (kept) / 取消理由")
