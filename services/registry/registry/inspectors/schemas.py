"""Inspector schemas, and the text rules every draw-v1 id and field obeys."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field, field_validator

from jointcheck.codes import CodeValueError, normalize_division_code
from jointcheck.schemas import Schema
from registry.entities.schemas import DEPT_PATTERN

ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"

# Characters a draw-v1 file line cannot hold, or COPY's text format would escape.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def clean_text(value: str, *, max_length: int, what: str = "text") -> str:
    """NFC, trimmed, non-empty, no control / invisible characters and no backslash.

    Values that go into draw-v1 files must never hold TAB, LF or CR; the same rule for
    every name keeps lists and exports clean too.
    """
    s = unicodedata.normalize("NFC", value).strip()
    if not s:
        raise ValueError(f"{what} must not be empty")
    if len(s) > max_length:
        raise ValueError(f"{what} has at most {max_length} characters")
    bad = [c for c in s if c == "\\" or unicodedata.category(c) in _FORBIDDEN_CATEGORIES]
    if bad:
        raise ValueError(f"{what} must not contain control characters, TAB, LF, CR or backslash: {bad[0]!r}")
    return s


def department_code(value: str) -> str:
    code = value.strip().upper()
    if not re.match(DEPT_PATTERN, code):
        raise ValueError(f"not a department code: {value!r}")
    return code


def region_code(value: str) -> str:
    try:
        return normalize_division_code(value)
    except CodeValueError as exc:
        raise ValueError(str(exc)) from None


def certificate(value: str) -> str:
    """执法证号: full-width forms folded (NFKC), no spaces, upper-case."""
    s = "".join(unicodedata.normalize("NFKC", value).split()).upper()
    return clean_text(s, max_length=32, what="certificate_no")


def specialty_tags(values: list[str]) -> list[str]:
    return sorted({clean_text(v, max_length=64, what="specialty") for v in values if v.strip()})


class InspectorStatus(StrEnum):
    active = "active"  # 在岗
    on_leave = "on_leave"  # 休假/借调
    left = "left"  # 调离/离职


class InspectorFields(Schema):
    name: str = Field(max_length=64, description="姓名", examples=["王伟"])
    department: str = Field(description="所属部门代码", examples=["SCJG"])
    certificate_no: str = Field(
        max_length=64, description="执法证号 (unique among current inspectors)", examples=["41152320240001"]
    )
    specialties: list[str] = Field(default_factory=list, description="专业特长标签", examples=[["食品安全"]])
    region: str = Field(description="所在行政区划 GB/T 2260", examples=["411523"])
    status: InspectorStatus = Field(InspectorStatus.active, description="active 在岗 / on_leave 休假 / left 调离")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return clean_text(v, max_length=64, what="name")

    @field_validator("department")
    @classmethod
    def _department(cls, v: str) -> str:
        return department_code(v)

    @field_validator("certificate_no")
    @classmethod
    def _certificate(cls, v: str) -> str:
        return certificate(v)

    @field_validator("specialties")
    @classmethod
    def _specialties(cls, v: list[str]) -> list[str]:
        return specialty_tags(v)

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        return region_code(v)


class InspectorCreate(InspectorFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "inspector_id": "INS0001",
                    "name": "王伟",
                    "department": "SCJG",
                    "certificate_no": "41152320240001",
                    "specialties": ["食品安全"],
                    "region": "411523",
                }
            ]
        }
    )

    inspector_id: str = Field(
        pattern=ID_PATTERN, description="人员编号 (letters, digits, _ and -)", examples=["INS0001"]
    )


class InspectorUpdate(Schema):
    """Fields to change; everything omitted stays as it is."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "on_leave"}]})

    name: str | None = Field(None, max_length=64)
    department: str | None = None
    certificate_no: str | None = Field(None, max_length=64)
    specialties: list[str] | None = None
    region: str | None = None
    status: InspectorStatus | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return None if v is None else clean_text(v, max_length=64, what="name")

    @field_validator("department")
    @classmethod
    def _department(cls, v: str | None) -> str | None:
        return None if v is None else department_code(v)

    @field_validator("certificate_no")
    @classmethod
    def _certificate(cls, v: str | None) -> str | None:
        return None if v is None else certificate(v)

    @field_validator("specialties")
    @classmethod
    def _specialties(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else specialty_tags(v)

    @field_validator("region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        return None if v is None else region_code(v)


class InspectorRead(Schema):
    inspector_id: str
    name: str
    department: str
    certificate_no: str
    specialties: list[str]
    region: str
    status: str
    deleted: bool
    version: int = Field(validation_alias="valid_from", description="registry version of this state / 名录库版本")
    changed_at: datetime
    changed_by: str | None
    change_reason: str


class InspectorVersionRead(InspectorRead):
    valid_to: int | None


class InspectorFilter(Schema):
    departments: list[str] = Field(default_factory=list, description="any of")
    statuses: list[InspectorStatus] = Field(default_factory=list, description="any of; default every status")
    specialties: list[str] = Field(default_factory=list, description="holding any of these specialties")
    region_prefixes: list[str] = Field(
        default_factory=list, description="GB/T 2260 prefixes, any of (41, 4115, 411523)"
    )

    model_config = ConfigDict(extra="forbid")
