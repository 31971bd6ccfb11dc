"""Results' problem types with members of their own (see ``jointcheck.errors.Problem``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from jointcheck.errors import InvalidStateProblem, Problem, problem_examples

_TYPE = "https://jointcheck.example.gov.cn/problems/"
_ID = "5d2c1b0a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"


class UnknownCalendarYearProblem(Problem):
    """409: the due date falls in a year whose holiday calendar is not loaded (never a guess).
    该年节假日安排未知。"""

    answers = (409,)
    model_config = problem_examples(
        {
            "type": _TYPE + "unknown_calendar_year",
            "title": "与当前状态冲突",
            "status": 409,
            "code": "unknown_calendar_year",
            "detail": "the due date falls in 2031, whose holiday calendar is not known",
            "instance": f"/v1/tasks/{_ID}/results",
            "request_id": "5f0c6b1e9a2d4c7e",
            "year": 2031,
        }
    )

    code: Literal["unknown_calendar_year"]
    year: int = Field(description="the year to load / 需录入节假日安排的年份")


class FindingsStateProblem(InvalidStateProblem):
    """409: the inspection's items have not arrived, or some item has no finding yet.
    检查事项尚未送达，或有事项尚无检查结果。"""

    model_config = problem_examples(
        {
            "type": _TYPE + "findings_incomplete",
            "title": "当前状态不允许此操作",
            "status": 409,
            "code": "findings_incomplete",
            "detail": "items without a finding: [2, 3]",
            "instance": f"/v1/inspections/{_ID}/submit",
            "request_id": "5f0c6b1e9a2d4c7e",
            "current_state": "visited",
            "missing_positions": [2, 3],
        }
    )

    code: Literal["items_pending", "findings_incomplete"]  # type: ignore[assignment]
    missing_positions: list[int] | None = Field(
        None, description="the items without a finding (findings_incomplete) / 尚无结果的事项序号"
    )


class CalendarYearExistsProblem(Problem):
    """409: the year's calendar is loaded already; `replace: true` replaces it (audited).
    该年节假日安排已录入。"""

    answers = (409,)
    model_config = problem_examples(
        {
            "type": _TYPE + "calendar_year_exists",
            "title": "与当前状态冲突",
            "status": 409,
            "code": "calendar_year_exists",
            "detail": "the 2027 calendar is loaded already (revision 1, by admin-1); send replace: true to replace it",
            "instance": "/v1/calendars/2027",
            "request_id": "5f0c6b1e9a2d4c7e",
            "year": 2027,
            "revision": 1,
        }
    )

    code: Literal["calendar_year_exists"]
    year: int = Field(description="the year / 年份")
    revision: int = Field(description="the loaded revision / 已录入的版本")
