"""Inspection schemas (the minimal form sampling needs; findings come with the results issue)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class InspectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    task_id: str
    draw_id: str
    uscc: str
    inspectors: list[str]
    state: str
    inspected_on: date | None
    created_at: datetime


class InspectionVisit(BaseModel):
    inspected_on: date = Field(description="date of the on-site visit / 实施检查日期")


class RecentlyInspectedQuery(BaseModel):
    since: date = Field(description="inspected on or after this date / 起始日期")


class RecentlyInspected(BaseModel):
    since: date
    usccs: list[str] = Field(description="sorted, unique / 已排序、去重")


class LastInspectorsQuery(BaseModel):
    usccs: list[str] = Field(max_length=1_000_000)


class LastInspectors(BaseModel):
    last: dict[str, list[str]] = Field(description="uscc → inspectors of its most recent inspection / 最近一次检查的执法人员")


class InspectionTeam(BaseModel):
    entity: str
    inspectors: list[str]


class InspectionsCreate(BaseModel):
    """Payload of the ``inspections.create`` event sent by sampling after a teams draw."""

    task_id: str
    draw_id: str
    teams: list[InspectionTeam]


class InspectionsVoided(BaseModel):
    task_id: str
    draw_id: str
