"""Results are due 20 working days after the task's inspection window ends (the seed's rule).

Working days come from :mod:`jointcheck.workdays` (the ``chinesecalendar`` package and the
years operators load). A due date in a year nobody knows is never guessed: it stays unknown
(``None`` with the reason) until that year's calendar is loaded, and a route that must answer
with it gives 409 ``unknown_calendar_year`` naming the year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.errors import Conflict

CHINA = timezone(timedelta(hours=8))


def today_in_china() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


async def due_date(session: AsyncSession, window_end: date) -> date:
    """The due date on the working calendar (the package and the years operators loaded), or
    409 ``unknown_calendar_year`` naming the year (:mod:`results.calendars`)."""
    from results.calendars.service import results_due_date

    return await results_due_date(session, window_end, working_days=_working_days())


def _working_days() -> int:
    from results.config import get_settings

    return get_settings().results_due_working_days


async def due_date_or_problem(session: AsyncSession, window_end: date) -> tuple[date | None, str | None]:
    """``(due date, None)``, or ``(None, the unknown year)``: stored with the task until that year is loaded."""
    from results.calendars.service import CalendarYearUnknown

    try:
        return await due_date(session, window_end), None
    except CalendarYearUnknown as exc:
        return None, str(exc.extra.get("year") or "")


def unknown_year_conflict(year: int | str) -> Conflict:
    return Conflict(
        f"the due date falls in {year}, whose holiday calendar is not known: load it with POST /v1/calendars/{year}",
        detail_zh=f"结果录入期限落在 {year} 年，该年节假日安排未知：请通过 POST /v1/calendars/{year} 录入",
        code="unknown_calendar_year",
        extra={"year": int(year)},
    )
