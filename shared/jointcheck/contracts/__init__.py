"""Schemas that cross service boundaries, published once.

:class:`EntityScope` is the registry's frame filter: planning stores it as a task's object
scope, sampling passes it back to the registry's frames. Defining it here (validators
included) means a scope planning accepts is exactly a scope the registry understands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from jointcheck.codes import CodeValueError, EntityType, RegistrationStatus, normalize_industry_code
from jointcheck.codes.classification import _division_prefix
from jointcheck.schemas import Schema

FrameClass = Literal["A", "B", "C", "D", "U"]
DEPT_PATTERN = r"^[A-Z][A-Z0-9_]{1,15}$"
_DEPT_RE = re.compile(DEPT_PATTERN)


def is_department_code(code: object) -> bool:
    return isinstance(code, str) and bool(_DEPT_RE.match(code))


def industry_prefix(raw: str) -> str:
    """Canonical GB/T 4754 code or prefix: "52" → "F52", "f5265" → "F5265", "f" → "F"."""
    return normalize_industry_code(raw)


def division_prefix(raw: str) -> str:
    """Canonical GB/T 2260 prefix: 2, 4 or 6 digits; "411500" → "4115" (the whole prefecture)."""
    return _division_prefix(raw)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _prefixes(values: list[str], parse: Callable[[str], str], what: str) -> list[str]:
    """Each value through ``parse`` (a code error names the value), once each, in order."""
    out = []
    for raw in values:
        try:
            out.append(parse(raw))
        except CodeValueError as exc:
            raise ValueError(f"{what} {raw!r}: {exc.detail}") from None
    return _unique(out)


class EntityScope(Schema):
    """A scope of entities: every list means "any of"; the lists combine with AND."""

    model_config = ConfigDict(extra="forbid")

    industry_prefixes: list[str] = Field(
        default_factory=list, description="GB/T 4754 prefixes, any of (F52, F5265, 52)"
    )
    division_prefixes: list[str] = Field(
        default_factory=list, description="GB/T 2260 prefixes, any of (41, 4115, 411523)"
    )
    entity_types: list[EntityType] = Field(default_factory=list, description="any of")
    statuses: list[RegistrationStatus] = Field(
        default_factory=lambda: [RegistrationStatus.ACTIVE], description="any of; default active only"
    )
    tags: list[str] = Field(default_factory=list, description="entities holding at least one of these tags")
    credit_classes: list[FrameClass] = Field(default_factory=list, description="any of (U = unclassified)")
    departments: list[str] = Field(default_factory=list, description="supervised by any of these departments")
    name_contains: str | None = Field(None, max_length=100)

    @field_validator("industry_prefixes")
    @classmethod
    def _industry(cls, v: list[str]) -> list[str]:
        return _prefixes(v, industry_prefix, "industry prefix")

    @field_validator("division_prefixes")
    @classmethod
    def _division(cls, v: list[str]) -> list[str]:
        return _prefixes(v, division_prefix, "division prefix")

    @field_validator("departments")
    @classmethod
    def _departments(cls, v: list[str]) -> list[str]:
        out = _unique([d.strip().upper() for d in v])
        bad = [d for d in out if not is_department_code(d)]
        if bad:
            raise ValueError(f"not department codes: {bad}")
        return out

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        out = _unique([t.strip() for t in v if t.strip()])
        if any(len(t) > 64 or "\t" in t or "\n" in t for t in out):
            raise ValueError("a tag has at most 64 characters and no tab or newline")
        return out


# The rest of the published contracts, one module per subject (imported last: they build on
# the scope above). What two services must agree on is defined here once; callees use these
# as response models, callers' clients return them, receivers validate events into them.
from jointcheck.contracts.audit import AnnouncementReceipt  # noqa: E402
from jointcheck.contracts.events import (  # noqa: E402
    AuditRecord,
    Event,
    InspectionsCreate,
    InspectionsDrawn,
    InspectionsVoided,
    InspectionTeam,
    TaskApproved,
    TaskDrawVoided,
    TaskInspectionsCompleted,
    TaskInspectionStarted,
    TaskItem,
    TaskObjectsDrawn,
    TaskResultsPublished,
    TaskTeamsAssigned,
    TeamMember,
    UnassignedEntity,
    event_handlers,
    publish,
    typed_handler,
)
from jointcheck.contracts.gsxt import (  # noqa: E402
    GsxtItemResult,
    GsxtPublicationRecord,
    GsxtReceipt,
    GsxtResultCategory,
    InvalidPublicationRecord,
    check_publication,
)
from jointcheck.contracts.platform import PlatformEvent, PlatformPage, PlatformRegistration  # noqa: E402
from jointcheck.contracts.registry import ClassCounts, DepartmentInfo, EntitySummary, FrameFile  # noqa: E402
from jointcheck.contracts.reports import (  # noqa: E402
    MAX_LISTED,
    REPORT_YEAR_MAX,
    REPORT_YEAR_MIN,
    RESULTS_WORKING_DAYS,
    BurdenRow,
    CompletionState,
    DepartmentBurden,
    DepartmentFollowups,
    DepartmentPublications,
    DepartmentResults,
    DrawCounts,
    DrawRecord,
    FilingState,
    FollowupCounts,
    InspectionBurden,
    ItemListFiling,
    JointVisitSize,
    LateListEntry,
    NamedFollowup,
    NamedInspection,
    PlanFiling,
    PlanningYearSummary,
    PublicationCounts,
    ResultsCounts,
    ResultsYearSummary,
    SamplingYearSummary,
    TaskCompletion,
    YearSummaryFields,
    completion_deadline,
    filing_deadline,
    review_deadline,
)
from jointcheck.contracts.results import (  # noqa: E402
    LastInspectors,
    LastInspectorsQuery,
    RecentlyInspected,
    RecentlyInspectedQuery,
)
from jointcheck.contracts.sampling import DrawBundle, DrawStatusRead  # noqa: E402
from jointcheck.contracts.tasks import SamplingRule, TaskSpec, TaskState, TeamRules  # noqa: E402

__all__ = [
    "DEPT_PATTERN",
    "MAX_LISTED",
    "REPORT_YEAR_MAX",
    "REPORT_YEAR_MIN",
    "RESULTS_WORKING_DAYS",
    "AnnouncementReceipt",
    "AuditRecord",
    "BurdenRow",
    "ClassCounts",
    "CompletionState",
    "DepartmentBurden",
    "DepartmentFollowups",
    "DepartmentInfo",
    "DepartmentPublications",
    "DepartmentResults",
    "DrawBundle",
    "DrawCounts",
    "DrawRecord",
    "DrawStatusRead",
    "EntityScope",
    "EntitySummary",
    "Event",
    "FilingState",
    "FollowupCounts",
    "FrameClass",
    "FrameFile",
    "GsxtItemResult",
    "GsxtPublicationRecord",
    "GsxtReceipt",
    "GsxtResultCategory",
    "InspectionBurden",
    "InspectionTeam",
    "InspectionsCreate",
    "InspectionsDrawn",
    "InspectionsVoided",
    "InvalidPublicationRecord",
    "ItemListFiling",
    "JointVisitSize",
    "LastInspectors",
    "LastInspectorsQuery",
    "LateListEntry",
    "NamedFollowup",
    "NamedInspection",
    "PlanFiling",
    "PlanningYearSummary",
    "PlatformEvent",
    "PlatformPage",
    "PlatformRegistration",
    "PublicationCounts",
    "RecentlyInspected",
    "RecentlyInspectedQuery",
    "ResultsCounts",
    "ResultsYearSummary",
    "SamplingRule",
    "SamplingYearSummary",
    "TaskApproved",
    "TaskCompletion",
    "TaskDrawVoided",
    "TaskInspectionStarted",
    "TaskInspectionsCompleted",
    "TaskItem",
    "TaskObjectsDrawn",
    "TaskResultsPublished",
    "TaskSpec",
    "TaskState",
    "TaskTeamsAssigned",
    "TeamMember",
    "TeamRules",
    "UnassignedEntity",
    "YearSummaryFields",
    "check_publication",
    "completion_deadline",
    "division_prefix",
    "event_handlers",
    "filing_deadline",
    "industry_prefix",
    "is_department_code",
    "publish",
    "review_deadline",
    "typed_handler",
]
