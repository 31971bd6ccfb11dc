"""Expert schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field, field_validator

from jointcheck.schemas import Schema
from registry.inspectors.schemas import ID_PATTERN, clean_text


class ExpertStatus(StrEnum):
    active = "active"  # 在库
    inactive = "inactive"  # 暂停/退出


def _field(v: str) -> str:
    return clean_text(v, max_length=64, what="field")


class ExpertFields(Schema):
    name: str = Field(max_length=64, description="姓名", examples=["李芳"])
    field: str = Field(max_length=64, description="专业领域 (the stratum of expert draws)", examples=["消防安全"])
    organisation: str = Field("", max_length=128, description="工作单位", examples=["信阳市消防救援支队"])
    title: str | None = Field(None, max_length=64, description="职称", examples=["高级工程师"])
    status: ExpertStatus = Field(ExpertStatus.active, description="active 在库 / inactive 暂停")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return clean_text(v, max_length=64, what="name")

    @field_validator("field")
    @classmethod
    def _check_field(cls, v: str) -> str:
        return _field(v)

    @field_validator("organisation")
    @classmethod
    def _organisation(cls, v: str) -> str:
        return clean_text(v, max_length=128, what="organisation") if v.strip() else ""

    @field_validator("title")
    @classmethod
    def _title(cls, v: str | None) -> str | None:
        return clean_text(v, max_length=64, what="title") if v and v.strip() else None


class ExpertCreate(ExpertFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "expert_id": "EXP001",
                    "name": "李芳",
                    "field": "消防安全",
                    "organisation": "信阳市消防救援支队",
                    "title": "高级工程师",
                }
            ]
        }
    )

    expert_id: str = Field(pattern=ID_PATTERN, description="专家编号 (letters, digits, _ and -)", examples=["EXP001"])


class ExpertUpdate(Schema):
    """Fields to change; everything omitted stays as it is."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "inactive"}]})

    name: str | None = Field(None, max_length=64)
    field: str | None = Field(None, max_length=64)
    organisation: str | None = Field(None, max_length=128)
    title: str | None = Field(None, max_length=64)
    status: ExpertStatus | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return None if v is None else clean_text(v, max_length=64, what="name")

    @field_validator("field")
    @classmethod
    def _check_field(cls, v: str | None) -> str | None:
        return None if v is None else _field(v)

    @field_validator("organisation")
    @classmethod
    def _organisation(cls, v: str | None) -> str | None:
        return None if v is None else (clean_text(v, max_length=128, what="organisation") if v.strip() else "")

    @field_validator("title")
    @classmethod
    def _title(cls, v: str | None) -> str | None:
        return clean_text(v, max_length=64, what="title") if v and v.strip() else None


class ExpertRead(Schema):
    expert_id: str
    name: str
    field: str
    organisation: str
    title: str | None
    status: str
    deleted: bool
    version: int = Field(validation_alias="valid_from", description="registry version of this state / 名录库版本")
    changed_at: datetime
    changed_by: str | None
    change_reason: str


class ExpertVersionRead(ExpertRead):
    valid_to: int | None


class ExpertFilter(Schema):
    fields: list[str] = Field(default_factory=list, description="any of these fields of expertise")
    statuses: list[ExpertStatus] = Field(default_factory=list, description="any of; default every status")

    model_config = ConfigDict(extra="forbid")
