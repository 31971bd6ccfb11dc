"""Result categories (检查结果类别): the dictionary inspections choose their overall result from."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from jointcheck.schemas import Schema

CODE = r"^[a-z][a-z0-9_]{1,47}$"  # jointcheck.codes.result_categories.CATEGORY_CODE_PATTERN


class CategoryRead(Schema):
    code: str
    parent: str | None
    label_zh: str
    label_en: str
    kind: str = Field(description="compliant / problem / circumstance / status")
    names_department: bool = Field(description="a choice names the department whose rules were broken")
    exclusive: bool = Field(description="chosen alone (e.g. no problem found)")
    single_choice: bool = Field(description="a group of which at most one child is chosen")
    follow_up: bool = Field(description="the result leaves work for the competent department (后续处置)")
    active: bool
    position: int


class CategoryCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "license_expired",
                    "parent": None,
                    "label_zh": "许可证过期",
                    "label_en": "Licence expired",
                    "kind": "problem",
                }
            ]
        },
    )

    code: str = Field(pattern=CODE, description="stable ASCII code / 代码")
    parent: str | None = Field(None, pattern=CODE)
    label_zh: str = Field(min_length=1, max_length=200)
    label_en: str = Field(min_length=1, max_length=200)
    kind: Literal["compliant", "problem", "circumstance", "status"] = "problem"
    names_department: bool = False
    exclusive: bool = False
    single_choice: bool = False
    follow_up: bool = False
    position: int = Field(0, ge=0, le=10_000)


class CategoryUpdate(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"active": False}, {"label_en": "Not found at address"}]}
    )

    label_zh: str | None = Field(None, min_length=1, max_length=200)
    label_en: str | None = Field(None, min_length=1, max_length=200)
    active: bool | None = None
    position: int | None = Field(None, ge=0, le=10_000)
