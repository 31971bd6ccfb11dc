"""Inspection schemas: the inspection a teams draw creates and its on-site visit."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from jointcheck.schemas import Schema


class InspectionRead(Schema):
    id: uuid.UUID
    task_id: str
    draw_id: str
    uscc: str
    inspectors: list[str]
    departments: list[str] = Field(description="the task's departments / 任务参与部门")
    team_departments: list[str] = Field(description="the departments the team is drawn from / 检查组所属部门")
    state: str
    inspected_on: date | None
    created_at: datetime


class InspectionVisit(Schema):
    inspected_on: date = Field(description="date of the on-site visit / 实施检查日期")


# What sampling reads from results (queries and answers) and sends to it (events) is the
# published contract; these names stay importable here for the service's own modules.
from jointcheck.contracts import (  # noqa: E402
    InspectionsCreate,
    InspectionsVoided,
    InspectionTeam,
    LastInspectors,
    LastInspectorsQuery,
    RecentlyInspected,
    RecentlyInspectedQuery,
)

__all__ = [
    "InspectionRead",
    "InspectionTeam",
    "InspectionVisit",
    "InspectionsCreate",
    "InspectionsVoided",
    "LastInspectors",
    "LastInspectorsQuery",
    "RecentlyInspected",
    "RecentlyInspectedQuery",
]
