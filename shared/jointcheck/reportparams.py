"""What the year-summary routes of planning, sampling and results take (the audit service's
oversight report reads them): who may call, the report year, the department filter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from jointcheck.auth import Principal, Role, require_roles
from jointcheck.contracts import DEPT_PATTERN, REPORT_YEAR_MAX, REPORT_YEAR_MIN

SummaryReaders = Annotated[Principal, Depends(require_roles(Role.admin, Role.auditor, Role.service))]
ReportYear = Annotated[int, Path(ge=REPORT_YEAR_MIN, le=REPORT_YEAR_MAX, description="报告年度")]
ReportDepartment = Annotated[str | None, Query(pattern=DEPT_PATTERN, description="部门")]
