"""Working-day arithmetic for Chinese deadlines (e.g. results entered within 20 working days).

The State Council publishes each year's public holidays and make-up working days (调休)
late in the previous year. The ``chinesecalendar`` package (``import chinese_calendar``)
carries the published years (2004–2026 in version 1.11). For a later year the operator
must supply the schedule:

* ``overrides`` — per-date answers (``True`` working day, ``False`` day off); they win over
  everything, including the package, so a correction is always possible;
* ``known_years`` — years the operator declares complete: a day of such a year that is not
  in ``overrides`` is a working day iff it is Monday–Friday. Only consulted for years the
  package does not cover (the package's published schedule is more precise).

A date in a year known to neither raises :class:`UnknownCalendarYear` — never a guess.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import chinese_calendar

__all__ = [
    "UnknownCalendarYear",
    "WorkingCalendar",
    "add_working_days",
    "is_working_day",
    "package_years",
    "working_days_between",
]


@functools.lru_cache(maxsize=1)
def package_years() -> range:
    """Years the installed ``chinesecalendar`` package covers (e.g. ``range(2004, 2027)``)."""
    years = [y for y in range(1990, 2101) if _package_is_workday(dt.date(y, 6, 1)) is not None]
    return range(years[0], years[-1] + 1) if years else range(0)


class UnknownCalendarYear(Exception):
    """No holiday schedule is known for ``year`` (the date ``day`` needed one)."""

    code = "unknown_calendar_year"

    def __init__(self, year: int, day: dt.date | None = None) -> None:
        covered = package_years()
        span = f"{covered[0]}–{covered[-1]}" if covered else "no years"
        at = f" (needed for {day.isoformat()})" if day else ""
        self.year = year
        self.day = day
        self.detail = (
            f"the holiday schedule of {year} is unknown{at}: the chinesecalendar package covers "
            f"{span}; add the State Council's {year} holidays and make-up working days as "
            f"overrides and declare {year} a known year"
        )
        self.detail_zh = (
            f"{year}年的节假日安排未知{f'（计算{day.isoformat()}时需要）' if day else ''}："
            f"chinesecalendar 仅覆盖{span}年；请录入国务院公布的{year}年放假和调休安排，并声明该年份已知"
        )
        super().__init__(self.detail)


@functools.lru_cache(maxsize=16_384)
def _package_is_workday(day: dt.date) -> bool | None:
    """The package's answer, or None when it has no data for the year."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def _as_date(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


def is_working_day(
    day: dt.date,
    overrides: Mapping[dt.date, bool] | None = None,
    *,
    known_years: Collection[int] | None = None,
) -> bool:
    """True if ``day`` is a working day in mainland China.

    Order of precedence: ``overrides[day]``; the package for the years it covers;
    Monday–Friday for ``known_years``; otherwise :class:`UnknownCalendarYear`.
    """
    day = _as_date(day)
    if overrides:
        answer = overrides.get(day)
        if answer is not None:
            return bool(answer)
    answer = _package_is_workday(day)
    if answer is not None:
        return answer
    if known_years and day.year in known_years:
        return day.weekday() < 5
    raise UnknownCalendarYear(day.year, day)


def add_working_days(
    start: dt.date,
    n: int,
    overrides: Mapping[dt.date, bool] | None = None,
    *,
    known_years: Collection[int] | None = None,
) -> dt.date:
    """The date ``n`` working days after ``start`` (``start`` itself is not counted).

    ``n == 0`` returns ``start``; a negative ``n`` counts backwards (the ``|n|``-th working
    day before ``start``). Example: 20 working days after 2026-11-30 is 2026-12-28.
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("n must be an int")
    day = _as_date(start)
    step = dt.timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day, overrides, known_years=known_years):
            remaining -= 1
    return day


def working_days_between(
    start: dt.date,
    end: dt.date,
    overrides: Mapping[dt.date, bool] | None = None,
    *,
    known_years: Collection[int] | None = None,
) -> int:
    """Working days in the interval (start, end]; negative (−count of (end, start]) if end < start.

    Inverse of :func:`add_working_days` on working days:
    ``working_days_between(s, add_working_days(s, n)) == n``.
    """
    start, end = _as_date(start), _as_date(end)
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = 0
    day = start
    one = dt.timedelta(days=1)
    while day < end:
        day += one
        if is_working_day(day, overrides, known_years=known_years):
            count += 1
    return sign * count


@dataclass(frozen=True)
class WorkingCalendar:
    """An operator-configured calendar: per-date ``overrides`` plus ``known_years``.

    Services build one from their settings and call its methods; the module functions
    are the same operations with the configuration passed explicitly.
    """

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        """See :func:`is_working_day`."""
        return is_working_day(day, self.overrides, known_years=self.known_years)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """See :func:`add_working_days`."""
        return add_working_days(start, n, self.overrides, known_years=self.known_years)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """See :func:`working_days_between`."""
        return working_days_between(start, end, self.overrides, known_years=self.known_years)
