"""Frame request schemas."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from jointcheck.contracts import EntityScope
from jointcheck.schemas import Renaming, Schema, deprecated_name


class AsOf(Schema):
    as_of: str | int | None = Field(
        None,
        description="registry version or RFC 3339 timestamp; default: current / 名录库版本号或时间，缺省为当前",
        examples=[42, "2026-11-25T08:00:00+08:00"],
    )


class EntityFrameQuery(AsOf, Renaming):
    """The scope of a draw (the same object as a task's `scope`); the same request as of the same
    version gives the same bytes forever."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scope": {"industry_prefixes": ["H62"], "division_prefixes": ["411523"]}, "as_of": 42}]
        },
    )
    renamed = {"filter": "scope"}

    scope: EntityScope = Field(
        default_factory=EntityScope, description="the entities of the frame (a task's `scope`) / 抽取范围"
    )
    filter: EntityScope | None = deprecated_name("scope")


class InspectorPoolQuery(AsOf):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"departments": ["SCJG", "XFJY"], "as_of": 42}]}
    )
    departments: list[str] = Field(default_factory=list, description="only these departments (default: all)")


class RecusalPairsQuery(AsOf):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"on": "2027-04-01", "inspector_ids": ["INS0001"]}]}
    )
    on: date = Field(description="recusals valid on this date / 有效日期")
    inspector_ids: list[str] = Field(default_factory=list, description="only these inspectors (default: all)")
    usccs: list[str] = Field(default_factory=list, description="only these entities (default: all)")


class ExpertFrameQuery(AsOf):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"fields": ["消防安全"], "as_of": 42}]})
    fields: list[str] = Field(default_factory=list, description="only these fields of expertise (default: all)")
