"""What results publishes to sampling: recently inspected entities and last inspectors."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from jointcheck.schemas import Schema


class RecentlyInspectedQuery(Schema):
    since: date = Field(description="inspected on or after this date / 起始日期")


class RecentlyInspected(Schema):
    since: date
    usccs: list[str] = Field(description="sorted, unique / 已排序、去重")


class LastInspectorsQuery(Schema):
    usccs: list[str] = Field(max_length=1_000_000)


class LastInspectors(Schema):
    last: dict[str, list[str]] = Field(
        description="uscc → inspectors of its most recent inspection / 最近一次检查的执法人员"
    )
