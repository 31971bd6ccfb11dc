"""Every ORM model of the results service, imported so that its metadata is complete."""

from results.calendars.models import CalendarYear
from results.categories.models import ResultCategory
from results.database import Base, metadata
from results.followups.models import FollowupCase, FollowupEvent
from results.inspections.models import Finding, Inspection, InspectionEvent
from results.publications.models import Publication
from results.tasks.models import ResultTask

__all__ = [
    "Base",
    "CalendarYear",
    "Finding",
    "FollowupCase",
    "FollowupEvent",
    "Inspection",
    "InspectionEvent",
    "Publication",
    "ResultCategory",
    "ResultTask",
    "metadata",
]
