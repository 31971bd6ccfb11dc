"""Calendar schemas: a year's days off and make-up working days, and a results due date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from jointcheck.schemas import Schema

#: Years a calendar may be loaded for (a table's check constraint says the same).
MIN_YEAR, MAX_YEAR = 1900, 2200


class CalendarYearFields(Schema):
    days_off: list[date] = Field(
        max_length=366,
        description="days off of the year's public holidays (weekend days inside a holiday may be listed too) "
        "/ 放假日期",
        examples=[["2027-01-01", "2027-02-05", "2027-02-08"]],
    )
    makeup_workdays: list[date] = Field(
        default_factory=list,
        max_length=366,
        description="weekend days that are working days (调休上班) / 调休上班日期",
        examples=[["2027-02-20"]],
    )
    source: str = Field(
        min_length=2,
        max_length=500,
        description="where the schedule comes from, e.g. the State Council's notice / 来源（如国务院办公厅通知文号）",
        examples=["国务院办公厅关于2027年部分节假日安排的通知"],
    )


class CalendarYearCreate(CalendarYearFields):
    """The body of ``POST /v1/calendars/{year}``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "days_off": ["2027-01-01", "2027-02-05", "2027-02-08"],
                    "makeup_workdays": ["2027-02-20"],
                    "source": "国务院办公厅关于2027年部分节假日安排的通知",
                    "replace": False,
                }
            ]
        }
    )

    replace: bool = Field(False, description="replace a year already loaded (audited) / 覆盖已录入的年份（记入审计）")


class CalendarYearRead(CalendarYearFields):
    year: int
    origin: Literal["api", "file"] = Field(description="loaded through the API or from a configured file / 录入方式")
    loaded_by: str
    loaded_at: datetime
    revision: int = Field(description="1, then +1 each time the year is replaced / 版本")


class CalendarList(Schema):
    package_first_year: int | None = Field(description="first year the chinesecalendar package covers")
    package_last_year: int | None = Field(description="last year the chinesecalendar package covers")
    items: list[CalendarYearRead] = Field(description="years loaded by operators, oldest first / 已录入年份")


class ResultsDueDate(Schema):
    window_end: date = Field(description="the last day of the task's inspection window / 检查期限截止日")
    working_days: int
    due_date: date = Field(description="results are due by this day / 结果录入截止日")
