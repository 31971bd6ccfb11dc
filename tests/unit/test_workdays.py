"""Working-day arithmetic: holidays, make-up working days (调休), unknown years, overrides."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointcheck.workdays import (
    UnknownCalendarYear,
    WorkingCalendar,
    add_working_days,
    is_working_day,
    package_years,
    working_days_between,
)

D = dt.date
FAST = settings(max_examples=80, deadline=None, database=None)


def test_binding_example():
    assert add_working_days(D(2026, 11, 30), 20) == D(2026, 12, 28)


def test_start_is_not_counted_and_zero_is_identity():
    assert add_working_days(D(2026, 12, 1), 1) == D(2026, 12, 2)  # Tue → Wed
    assert add_working_days(D(2026, 12, 4), 1) == D(2026, 12, 7)  # Fri → Mon
    assert add_working_days(D(2026, 12, 5), 0) == D(2026, 12, 5)  # a Saturday stays itself
    assert add_working_days(D(2026, 12, 5), 1) == D(2026, 12, 7)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 9, 28), True),  # Sunday, make-up working day for National Day
        (D(2025, 10, 1), False),
        (D(2025, 10, 6), False),  # Mid-Autumn merged into the 2025 National Day break
        (D(2025, 10, 8), False),
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),  # Saturday, make-up working day
        (D(2026, 2, 14), True),  # Saturday, make-up working day for Spring Festival
        (D(2026, 2, 15), False),
        (D(2026, 2, 23), False),  # Monday, still Spring Festival
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday, make-up working day
        (D(2026, 1, 1), False),
        (D(2026, 12, 25), True),
    ],
)
def test_known_days(day, working):
    assert is_working_day(day) is working


def test_national_day_2025():
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 27), 1) == D(2025, 9, 28)  # Sat → make-up Sunday
    assert add_working_days(D(2025, 10, 10), 1) == D(2025, 10, 11)  # Fri → make-up Saturday
    # after Fri Sep 26: Sun 28 (make-up), 29, 30, Oct 9, 10, Sat 11 (make-up), 13
    assert add_working_days(D(2025, 9, 26), 6) == D(2025, 10, 11)
    assert add_working_days(D(2025, 9, 26), 7) == D(2025, 10, 13)
    assert add_working_days(D(2025, 9, 15), 20) == D(2025, 10, 17)


def test_spring_festival_2026():
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # Feb 2–6 (5), 9–13 (10), Sat 14 (11), 24–27 (15), Sat 28 (16), Mar 2–5 (20)
    assert add_working_days(D(2026, 2, 1), 20) == D(2026, 3, 5)


def test_backwards():
    assert add_working_days(D(2026, 2, 24), -1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 12, 28), -20) == D(2026, 11, 30)


@FAST
@given(st.dates(D(2004, 3, 1), D(2026, 10, 31)), st.integers(-40, 40))
def test_agrees_with_package_find_workday(start, n):
    if not chinese_calendar.is_workday(start):
        start = chinese_calendar.find_workday(0, start)
    assert add_working_days(start, n) == chinese_calendar.find_workday(n, start)


@FAST
@given(st.dates(D(2004, 1, 2), D(2026, 10, 31)), st.integers(0, 30))  # 30 working days stay in covered years
def test_between_is_the_inverse(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert working_days_between(end, start) == -n
    assert working_days_between(start, end) == len(chinese_calendar.get_workdays(start + dt.timedelta(1), end))


def test_package_years():
    years = package_years()
    assert years[0] <= 2004 and years[-1] >= 2026
    assert 2030 not in years


@pytest.mark.parametrize("day", [D(2030, 3, 1), D(2003, 12, 31), D(2027, 1, 4)])
def test_unknown_year_raises(day):
    with pytest.raises(UnknownCalendarYear) as info:
        is_working_day(day)
    err = info.value
    assert err.year == day.year and err.day == day
    assert str(day.year) in str(err) and "override" in str(err)
    assert str(day.year) in err.detail_zh


def test_unknown_year_raises_midway():
    with pytest.raises(UnknownCalendarYear) as info:
        add_working_days(D(2026, 12, 20), 20)
    assert info.value.year == 2027
    with pytest.raises(UnknownCalendarYear):
        add_working_days(D(2030, 6, 3), 1)


def test_known_year_without_overrides_is_monday_to_friday():
    assert add_working_days(D(2030, 6, 3), 5, known_years={2030}) == D(2030, 6, 10)
    assert is_working_day(D(2030, 6, 8), known_years={2030}) is False
    assert add_working_days(D(2026, 12, 20), 20, known_years={2027}) == D(2027, 1, 15)


def test_override_year():
    # an operator-entered (fictitious) 2030 schedule: Oct 1–7 off, Sun Sep 29 and Sat Oct 12 worked
    overrides = {D(2030, 10, d): False for d in range(1, 8)}
    overrides |= {D(2030, 9, 29): True, D(2030, 10, 12): True}
    known = {2030}
    assert is_working_day(D(2030, 9, 29), overrides, known_years=known)
    assert not is_working_day(D(2030, 10, 2), overrides, known_years=known)
    assert add_working_days(D(2030, 9, 27), 1, overrides, known_years=known) == D(2030, 9, 29)
    assert add_working_days(D(2030, 9, 30), 1, overrides, known_years=known) == D(2030, 10, 8)
    assert add_working_days(D(2030, 10, 11), 1, overrides, known_years=known) == D(2030, 10, 12)
    # per-date overrides alone do not make the rest of the year known
    with pytest.raises(UnknownCalendarYear):
        add_working_days(D(2030, 9, 30), 1, overrides)


def test_overrides_win_over_the_package():
    assert add_working_days(D(2026, 11, 30), 20, {D(2026, 12, 1): False}) == D(2026, 12, 29)
    assert add_working_days(D(2026, 11, 30), 20, {D(2026, 12, 5): True}) == D(2026, 12, 25)
    # declaring a covered year "known" does not replace the package's holidays
    assert is_working_day(D(2026, 10, 1), known_years={2026}) is False


def test_datetimes_are_accepted():
    assert add_working_days(dt.datetime(2026, 11, 30, 17, 45), 20) == D(2026, 12, 28)
    with pytest.raises(TypeError):
        add_working_days("2026-11-30", 20)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        add_working_days(D(2026, 11, 30), 2.0)  # type: ignore[arg-type]


def test_calendar_object():
    cal = WorkingCalendar(overrides={D(2027, 1, 1): False}, known_years=frozenset({2027}))
    assert cal.add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)
    assert cal.working_days_between(D(2026, 12, 30), D(2027, 1, 4)) == 2
    assert not cal.is_working_day(D(2027, 1, 1))
    assert WorkingCalendar().add_working_days(D(2026, 11, 30), 20) == D(2026, 12, 28)


# --------------------------------------------------------------------------- edges (issue 17)


def test_datetime_inputs_use_their_date_for_overrides_and_spans():
    morning, evening = dt.datetime(2026, 12, 1, 9, 0), dt.datetime(2026, 12, 1, 17, 30)
    # an override keyed by the date applies to any time on that date
    assert is_working_day(morning, {D(2026, 12, 1): False}) is False
    assert is_working_day(dt.datetime(2026, 12, 5, 10), {D(2026, 12, 5): True}) is True
    # a span within one day has no working day in it, whatever the times
    assert working_days_between(morning, evening) == 0
    assert working_days_between(evening, morning) == 0
    assert working_days_between(dt.datetime(2026, 11, 30, 23, 59), dt.datetime(2026, 12, 1, 0, 1)) == 1
    assert add_working_days(evening, 1, {D(2026, 12, 2): False}) == D(2026, 12, 3)
    assert type(add_working_days(evening, 0)) is D


def test_backwards_from_a_weekend_and_reverse_spans():
    assert add_working_days(D(2026, 12, 7), -1) == D(2026, 12, 4)  # Mon → Fri
    assert add_working_days(D(2026, 12, 6), -1) == D(2026, 12, 4)  # Sun → Fri
    assert working_days_between(D(2026, 12, 7), D(2026, 12, 4)) == -1
    assert working_days_between(D(2026, 12, 4), D(2026, 12, 7)) == 1
    assert working_days_between(D(2026, 12, 4), D(2026, 12, 4)) == 0


def test_type_errors_name_what_was_wrong():
    with pytest.raises(TypeError, match=r"^expected a date, got str$"):
        is_working_day("2026-12-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^n must be an int$"):
        add_working_days(D(2026, 12, 1), True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^n must be an int$"):
        add_working_days(D(2026, 12, 1), 1.0)  # type: ignore[arg-type]


def test_unknown_year_message_names_the_covered_span_and_the_day():
    years = package_years()
    span = f"{years[0]}–{years[-1]}"
    err = UnknownCalendarYear(2031, D(2031, 2, 3))
    assert err.detail == (
        f"the holiday schedule of 2031 is unknown (needed for 2031-02-03): the chinesecalendar package covers "
        f"{span}; add the State Council's 2031 holidays and make-up working days as overrides and declare 2031 "
        "a known year"
    )
    assert err.detail_zh.startswith("2031年的节假日安排未知（计算2031-02-03时需要）：")
    assert f"仅覆盖{span}年" in err.detail_zh
    assert str(err) == err.detail and err.code == "unknown_calendar_year"
    bare = UnknownCalendarYear(2031)
    assert bare.day is None and "needed for" not in bare.detail
    assert bare.detail.startswith("the holiday schedule of 2031 is unknown: ")
    assert bare.detail_zh.startswith("2031年的节假日安排未知：")


def test_unknown_year_message_without_any_package_years(monkeypatch):
    import jointcheck.workdays as wd

    monkeypatch.setattr(wd, "package_years", lambda: range(0))
    err = wd.UnknownCalendarYear(2031)
    assert "covers no years;" in err.detail and "仅覆盖no years年" in err.detail_zh


def test_calendar_object_passes_its_known_years_and_overrides():
    cal = WorkingCalendar(known_years=frozenset({2030}))
    assert cal.is_working_day(D(2030, 6, 3)) is True  # a Monday of a declared year
    assert cal.is_working_day(D(2030, 6, 8)) is False
    assert cal.add_working_days(D(2030, 6, 7), 1) == D(2030, 6, 10)
    assert cal.working_days_between(D(2030, 6, 7), D(2030, 6, 10)) == 1
    with pytest.raises(UnknownCalendarYear):
        WorkingCalendar().is_working_day(D(2030, 6, 3))
    off = WorkingCalendar(overrides={D(2026, 12, 1): False})
    assert off.is_working_day(D(2026, 12, 1)) is False
    assert off.working_days_between(D(2026, 11, 30), D(2026, 12, 2)) == 1
