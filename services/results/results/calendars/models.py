"""Holiday schedules of years the ``chinesecalendar`` package does not know (or corrects)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from results.database import Base


class CalendarYear(Base):
    """One year's State Council schedule as an operator loaded it: the days off (放假) and the
    make-up working days (调休上班). For a year the package does not cover, every other
    Monday–Friday is a working day and every other weekend day is not; for a year it covers,
    these dates correct the package."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    days_off: Mapped[list[date]] = mapped_column(ARRAY(Date))
    makeup_workdays: Mapped[list[date]] = mapped_column(ARRAY(Date))
    source: Mapped[str] = mapped_column(String(500))
    # "api" (POST /v1/calendars/{year}) or "file" (RESULTS_CALENDAR_FILES, loaded at startup)
    origin: Mapped[str] = mapped_column(String(8))
    loaded_by: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revision: Mapped[int] = mapped_column(Integer, server_default="1")

    __table_args__ = (
        CheckConstraint("year BETWEEN 1900 AND 2200", name="year_range"),
        CheckConstraint("origin IN ('api', 'file')", name="origin"),
    )
