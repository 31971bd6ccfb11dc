"""Working-day deadlines: operator-loaded holiday schedules on top of the ``chinesecalendar`` package.

Results are due ``results_due_working_days`` (20) working days after a task's inspection
window ends (the seed: "within 20 working days after the task ends"). The package knows the
State Council's schedules up to the year it was released for; operators load later years
(``POST /v1/calendars/{year}``, or JSON files named in ``RESULTS_CALENDAR_FILES``, loaded at
startup). A deadline that needs a year known to neither is refused with 409
``unknown_calendar_year`` naming that year — never guessed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.db import Database
from jointcheck.errors import Conflict, DomainError, UnprocessableEntity
from jointcheck.outbox import record_audit
from jointcheck.workdays import UnknownCalendarYear, WorkingCalendar, package_years
from results.calendars import repository
from results.calendars.models import CalendarYear
from results.calendars.schemas import MAX_YEAR, MIN_YEAR, CalendarYearFields

log = logging.getLogger("results.calendars")

#: Results are entered within this many working days after the task's inspection window ends.
DEFAULT_DUE_WORKING_DAYS = 20


class CalendarYearUnknown(DomainError):
    """A deadline needs the holiday schedule of a year nobody has loaded."""

    status, code, title_en, title_zh = 409, "unknown_calendar_year", "Holiday schedule unknown", "节假日安排未知"


def _package_span() -> str:
    covered = package_years()
    return f"{covered[0]}–{covered[-1]}" if covered else "no years"


def check_year(year: int, data: CalendarYearFields) -> tuple[list[date], list[date]]:
    """The year's days off and make-up working days, sorted; 422 ``invalid_calendar`` listing
    every date outside the year, listed twice, or both off and working."""
    errors: list[dict[str, Any]] = []
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors.append({"field": "year", "message": f"a year between {MIN_YEAR} and {MAX_YEAR}", "input": year})
    for name, days in (("days_off", data.days_off), ("makeup_workdays", data.makeup_workdays)):
        seen: set[date] = set()
        for i, day in enumerate(days):
            if day.year != year:
                errors.append({"field": f"{name}.{i}", "message": f"not in {year}", "input": day.isoformat()})
            if day in seen:
                errors.append({"field": f"{name}.{i}", "message": "listed twice", "input": day.isoformat()})
            seen.add(day)
    both = sorted(set(data.days_off) & set(data.makeup_workdays))
    errors.extend({"field": "makeup_workdays", "message": "also a day off", "input": day.isoformat()} for day in both)
    if errors:
        shown = "; ".join(f"{e['field']}: {e['message']} ({e['input']})" for e in errors[:5])
        raise UnprocessableEntity(
            f"the {year} calendar is inconsistent: {shown}",
            detail_zh=f"{year}年节假日安排有误：日期须在该年内、不得重复、不得既放假又上班（共{len(errors)}处）",
            code="invalid_calendar",
            errors=errors,
        )
    return sorted(set(data.days_off)), sorted(set(data.makeup_workdays))


async def load_year(
    session: AsyncSession,
    *,
    year: int,
    data: CalendarYearFields,
    replace: bool,
    actor: Principal | None,
    origin: str = "api",
    loaded_by: str | None = None,
) -> tuple[CalendarYear, bool]:
    """Store a year's schedule: ``(row, created)``. A year already loaded is replaced only when
    ``replace`` says so (409 ``calendar_year_exists`` otherwise); either way audited."""
    days_off, makeup = check_year(year, data)
    who = loaded_by or (actor.subject if actor else "system")
    row = await repository.insert_new(
        session,
        year=year,
        days_off=days_off,
        makeup_workdays=makeup,
        source=data.source,
        origin=origin,
        loaded_by=who,
    )
    created = row is not None
    if row is None:
        row = await repository.get(session, year, for_update=True)
        assert row is not None  # the insert found it
        if not replace:
            raise Conflict(
                f"the {year} calendar is loaded already (revision {row.revision}, by {row.loaded_by}); "
                "send replace: true to replace it",
                detail_zh=f"{year}年节假日安排已录入（第{row.revision}版，录入人 {row.loaded_by}）；如需覆盖请指定 replace: true",
                code="calendar_year_exists",
                extra={"year": year, "revision": row.revision},
            )
        previous = {"days_off": len(row.days_off), "makeup_workdays": len(row.makeup_workdays), "source": row.source}
        row.days_off, row.makeup_workdays, row.source = days_off, makeup, data.source
        row.origin, row.loaded_by, row.revision = origin, who, row.revision + 1
        await session.flush()
        await session.refresh(row, ["loaded_at"])
    else:
        previous = None
    await record_audit(
        session,
        actor=actor,
        action="calendar.load" if created else "calendar.replace",
        object_type="calendar_year",
        object_id=str(year),
        data={
            "days_off": [d.isoformat() for d in days_off],
            "makeup_workdays": [d.isoformat() for d in makeup],
            "source": data.source,
            "origin": origin,
            "revision": row.revision,
        }
        | ({"previous": previous} if previous else {}),
    )
    return row, created


async def working_calendar(session: AsyncSession) -> WorkingCalendar:
    """The package's calendar with every loaded year on top (loaded dates win)."""
    overrides: dict[date, bool] = {}
    years: set[int] = set()
    for row in await repository.list_all(session):
        years.add(row.year)
        overrides.update(dict.fromkeys(row.days_off, False))
        overrides.update(dict.fromkeys(row.makeup_workdays, True))
    return WorkingCalendar(overrides=overrides, known_years=frozenset(years))


def due_date(calendar: WorkingCalendar, window_end: date, working_days: int = DEFAULT_DUE_WORKING_DAYS) -> date:
    """``working_days`` working days after ``window_end`` (not counted) on ``calendar``; 409
    ``unknown_calendar_year`` naming the first year the count needs and nobody knows."""
    try:
        return calendar.add_working_days(window_end, working_days)
    except UnknownCalendarYear as exc:
        y, needed = exc.year, exc.day
        raise CalendarYearUnknown(
            f"the holiday schedule of {y} is unknown (needed for {needed}, counting {working_days} working days "
            f"after {window_end}): the chinesecalendar package covers {_package_span()}; load the State Council's "
            f"{y} schedule with POST /v1/calendars/{y} or a file in RESULTS_CALENDAR_FILES",
            detail_zh=f"{y}年节假日安排未知（计算{window_end}后{working_days}个工作日时需要{needed}）："
            f"chinesecalendar 仅覆盖{_package_span()}年；请通过 POST /v1/calendars/{y} 或 RESULTS_CALENDAR_FILES "
            f"录入国务院公布的{y}年放假和调休安排",
            extra={"year": y, "needed_for": needed.isoformat() if needed else None},
        ) from None


async def results_due_date(
    session: AsyncSession, window_end: date, *, working_days: int = DEFAULT_DUE_WORKING_DAYS
) -> date:
    """The day results of a task whose inspection window ends on ``window_end`` are due:
    ``working_days`` (``results_due_working_days``, 20) working days after it. Raises
    :class:`CalendarYearUnknown` (409 ``unknown_calendar_year``, ``year`` in the problem) when
    the count reaches a year neither the package nor an operator has given."""
    return due_date(await working_calendar(session), window_end, working_days)


# ---------------------------------------------------------------------------- files at startup


def read_calendar_file(path: str | Path) -> list[tuple[int, CalendarYearFields]]:
    """A JSON file of one year (``{"year": 2027, "days_off": [...], "makeup_workdays": [...],
    "source": "..."}``) or a list of them; a bad file raises ``ValueError`` naming it."""
    path = Path(path)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"calendar file {path}: {exc}") from None
    entries = content if isinstance(content, list) else [content]
    years: list[tuple[int, CalendarYearFields]] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("year"), int):
            raise ValueError(f"calendar file {path}, entry {i}: an object with an integer year")
        try:
            fields = CalendarYearFields.model_validate({k: v for k, v in entry.items() if k != "year"})
            check_year(entry["year"], fields)
        except ValidationError as exc:
            raise ValueError(f"calendar file {path}, year {entry['year']}: {exc}") from None
        except UnprocessableEntity as exc:
            raise ValueError(f"calendar file {path}: {exc.detail}") from None
        years.append((entry["year"], fields))
    return years


async def load_calendar_files(db: Database, paths: Sequence[str | Path]) -> list[int]:
    """Load the configured files (each year in its own short transaction): a year not yet loaded
    is stored; one loaded from a file before is replaced when the file changed; one an operator
    loaded through the API is left as it is (the operator's word wins; a warning says so).
    Returns the years stored or replaced. Files are read first: a bad file raises before
    anything is written."""
    wanted = [(Path(p), year, fields) for p in paths for year, fields in read_calendar_file(p)]
    changed: list[int] = []
    for path, year, fields in wanted:
        async with db.transaction() as session:
            current = await repository.get(session, year, for_update=True)
            if current is not None:
                if current.origin == "api":
                    log.warning(
                        "calendar %s from %s not loaded: an operator loaded %s through the API", year, path, year
                    )
                    continue
                if (
                    current.days_off == sorted(set(fields.days_off))
                    and current.makeup_workdays == sorted(set(fields.makeup_workdays))
                    and current.source == fields.source
                ):
                    continue
            await load_year(
                session,
                year=year,
                data=fields,
                replace=True,
                actor=None,
                origin="file",
                loaded_by=f"file:{path.name}"[:300],
            )
            changed.append(year)
    return changed
