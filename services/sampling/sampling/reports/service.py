"""Sampling's year summary: the year's draws by kind and status, each named (the voided with their
reasons) — the audit service's oversight report reads it and joins its own replay verdicts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.contracts import MAX_LISTED, DrawCounts, DrawRecord, SamplingYearSummary
from sampling.draws.service import today_in_china
from sampling.reports import repository


async def year_summary(session: AsyncSession, *, year: int, department: str | None) -> SamplingYearSummary:
    counts = [
        DrawCounts(kind=k, status=s, draws=n)
        for k, s, n in await repository.counts(session, year=year, department=department)
    ]
    rows = await repository.draws(session, year=year, department=department, limit=MAX_LISTED)
    return SamplingYearSummary(
        year=year,
        department=department,
        today=today_in_china(),
        counts=counts,
        draws=[
            DrawRecord(
                id=r.id,
                task_id=r.task_id,
                kind=r.kind,
                round=r.round,
                status=r.status,
                lead_department=r.lead_department,
                departments=[d for d in (r.departments or []) if isinstance(d, str)],
                created_at=r.created_at,
                executed_at=r.executed_at,
                voided_at=r.voided_at,
                voided_by=r.voided_by,
                void_reason=r.void_reason,
            )
            for r in rows
        ],
        draws_total=sum(c.draws for c in counts),
    )
