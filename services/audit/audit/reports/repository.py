"""Every query of the oversight report on audit's own data: the replay verdicts of the year's draws."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from audit.replays.models import Replay


@dataclass(frozen=True)
class ReplayTally:
    """A draw's latest replay verdict, and how many replays (and failures) it has had."""

    ok: bool
    failed_check: str | None
    detail: str | None
    finished_at: datetime
    replays: int
    failures: int


async def replay_tallies(session: AsyncSession, draw_ids: Sequence[str]) -> dict[str, ReplayTally]:
    if not draw_ids:
        return {}
    ids = list(draw_ids)
    latest = await session.execute(
        select(Replay.draw_id, Replay.ok, Replay.failed_check, Replay.detail, Replay.finished_at)
        .where(Replay.draw_id.in_(ids))
        .order_by(Replay.draw_id, Replay.finished_at.desc(), Replay.id.desc())
        .ext(distinct_on(Replay.draw_id))
    )
    counts = await session.execute(
        select(Replay.draw_id, func.count(), func.count().filter(Replay.ok.is_(False)))
        .where(Replay.draw_id.in_(ids))
        .group_by(Replay.draw_id)
    )
    tallies = {d: (int(n), int(f)) for d, n, f in counts.all()}
    return {
        d: ReplayTally(ok, check, detail, at, *tallies.get(d, (1, 0 if ok else 1)))
        for d, ok, check, detail, at in latest.all()
    }
