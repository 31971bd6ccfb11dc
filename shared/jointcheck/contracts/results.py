"""What results publishes to sampling: recently inspected entities and last inspectors."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from jointcheck.schemas import Schema


class RecentlyInspectedQuery(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"since": "2026-04-01"}]})

    since: date = Field(description="inspected on or after this date / 起始日期")


class RecentlyInspected(Schema):
    since: date
    usccs: list[str] = Field(description="sorted, unique / 已排序、去重")


class LastInspectorsQuery(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"usccs": ["91411523MA00000019"]}]})

    usccs: list[str] = Field(max_length=1_000_000)


class LastInspectors(Schema):
    last: dict[str, list[str]] = Field(
        description="uscc → inspectors of its most recent inspection / 最近一次检查的执法人员"
    )
