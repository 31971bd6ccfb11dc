"""Frame request schemas."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from jointcheck.schemas import Schema
from registry.entities.schemas import EntityFilter


class AsOf(Schema):
    as_of: str | int | None = Field(
        None,
        description="registry version or RFC 3339 timestamp; default: current / 名录库版本号或时间，缺省为当前",
        examples=[42, "2026-11-25T08:00:00+08:00"],
    )


class EntityFrameQuery(AsOf):
    """The scope of a draw; the same request as of the same version gives the same bytes forever."""

    model_config = ConfigDict(extra="forbid")
    filter: EntityFilter = Field(default_factory=EntityFilter)


class InspectorPoolQuery(AsOf):
    model_config = ConfigDict(extra="forbid")
    departments: list[str] = Field(default_factory=list, description="only these departments (default: all)")


class RecusalPairsQuery(AsOf):
    model_config = ConfigDict(extra="forbid")
    on: date = Field(description="recusals valid on this date / 有效日期")
    inspector_ids: list[str] = Field(default_factory=list, description="only these inspectors (default: all)")
    usccs: list[str] = Field(default_factory=list, description="only these entities (default: all)")


class ExpertFrameQuery(AsOf):
    model_config = ConfigDict(extra="forbid")
    fields: list[str] = Field(default_factory=list, description="only these fields of expertise (default: all)")
