"""Recusal schemas."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ConfigDict, Field, field_validator, model_validator

from jointcheck.codes import normalize_uscc
from jointcheck.schemas import Schema
from registry.inspectors.schemas import ID_PATTERN


class RecusalCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "inspector_id": "INS0001",
                    "uscc": "91411523MA00000019",
                    "reason": "近亲属在该企业任职",
                    "valid_from": "2027-01-01",
                    "valid_until": None,
                }
            ]
        },
    )

    inspector_id: str = Field(pattern=ID_PATTERN, description="执法人员编号", examples=["INS0001"])
    uscc: str = Field(description="统一社会信用代码 of a current entity", examples=["91411523MA0000004J"])
    reason: str = Field(min_length=2, max_length=1000, description="回避事由", examples=["近亲属在该企业任职"])
    valid_from: date = Field(description="生效日期 (inclusive)")
    valid_until: date | None = Field(None, description="失效日期 (inclusive); null = open-ended / 长期")

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, v: str) -> str:
        return normalize_uscc(v)

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        v = v.strip()
        if len(v) < 2:
            raise ValueError("reason must have at least 2 characters")
        return v

    @model_validator(mode="after")
    def _period(self) -> RecusalCreate:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")
        return self


class RecusalRead(Schema):
    recusal_id: str
    inspector_id: str
    uscc: str
    reason: str
    declared_by: str
    valid_from: date = Field(validation_alias="effective_from", description="生效日期")
    valid_until: date | None = Field(validation_alias="effective_until", description="失效日期")
    withdrawn: bool = Field(validation_alias="deleted", description="已撤回")
    withdrawal_reason: str | None
    version: int = Field(validation_alias="valid_from", description="registry version of this state / 名录库版本")
    changed_at: datetime
    changed_by: str | None
    change_reason: str


class RecusalVersionRead(RecusalRead):
    valid_to: int | None


class RecusalFilter(Schema):
    inspector_ids: list[str] = Field(default_factory=list, description="any of")
    usccs: list[str] = Field(default_factory=list, description="any of")
    valid_on: date | None = Field(None, description="in force on this date")

    model_config = ConfigDict(extra="forbid")
