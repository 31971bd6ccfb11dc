"""Small helpers every planning domain uses: actors, time, order-keeping dedupe.

ETags come from :mod:`jointcheck.etag`, pages from :mod:`jointcheck.pagination`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar

#: China Standard Time: deadlines (31 January, 31 October) are calendar days in Beijing.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

T = TypeVar("T")


def now_utc() -> datetime:
    return datetime.now(UTC)


def china_date(moment: datetime) -> date:
    """The calendar date in Beijing of an aware timestamp."""
    return moment.astimezone(CHINA_TZ).date()


def dedupe(values: Sequence[T]) -> list[T]:
    """Keep the first occurrence of each value, in order."""
    seen: set[Any] = set()
    out: list[T] = []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out
