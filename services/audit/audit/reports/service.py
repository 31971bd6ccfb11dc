"""The oversight report: gathered from planning, results and sampling over HTTP (their year summaries,
no transaction open meanwhile), joined in one short read of audit's own replay verdicts, assembled by a
pure function. A failing replay verdict heads it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from audit.reports import repository
from audit.reports.repository import ReplayTally
from audit.reports.schemas import (
    DepartmentRow,
    DrawsSection,
    DrawVerdict,
    FilingsSection,
    FollowupsSection,
    OversightReport,
    PublicationsSection,
    ReplaysSection,
    ReplayVerdict,
    ReportDeadlines,
    ResultsSection,
    TasksSection,
)
from jointcheck.clients import PlanningClient, RegistryClient, ResultsClient, SamplingClient
from jointcheck.contracts import (
    RESULTS_WORKING_DAYS,
    CompletionState,
    DepartmentInfo,
    FilingState,
    PlanningYearSummary,
    ResultsYearSummary,
    SamplingYearSummary,
    completion_deadline,
    filing_deadline,
    review_deadline,
)
from jointcheck.db import Database

CHINA = timezone(timedelta(hours=8))

#: Order within a section: what needs attention first.
FILING_ORDER = {FilingState.unfiled_overdue: 0, FilingState.late: 1, FilingState.unfiled: 2, FilingState.on_time: 3}
COMPLETION_ORDER = {
    CompletionState.overdue: 0,
    CompletionState.late: 1,
    CompletionState.open: 2,
    CompletionState.on_time: 3,
    CompletionState.cancelled: 4,
}
VERDICT_ORDER = {ReplayVerdict.failed: 0, ReplayVerdict.not_replayed: 1, ReplayVerdict.ok: 2}


@dataclass(frozen=True)
class Callees:
    """The services the report reads (FastAPI dependencies, passed down)."""

    planning: PlanningClient
    results: ResultsClient
    sampling: SamplingClient
    registry: RegistryClient


@dataclass(frozen=True)
class Gathered:
    """Everything the report is made of, as the callees and audit's own register answered."""

    year: int
    department: str | None
    planning: PlanningYearSummary
    results: ResultsYearSummary
    sampling: SamplingYearSummary
    departments: list[DepartmentInfo]
    replays: dict[str, ReplayTally]
    generated_at: datetime


async def gather(db: Database, *, callees: Callees, year: int, department: str | None) -> Gathered:
    """The three summaries and the registry's departments, concurrently and with no transaction open;
    then the replay verdicts of the year's draws in one short read."""
    planning, results, sampling, departments = await asyncio.gather(
        callees.planning.year_summary(year, department=department),
        callees.results.year_summary(year, department=department),
        callees.sampling.year_summary(year, department=department),
        callees.registry.departments(),
    )
    async with db.transaction() as session:
        replays = await repository.replay_tallies(session, [str(d.id) for d in sampling.draws])
    return Gathered(year, department, planning, results, sampling, departments, replays, datetime.now(UTC))


def draw_verdicts(sampling: SamplingYearSummary, replays: dict[str, ReplayTally]) -> list[DrawVerdict]:
    """Every executed draw of the year (and any other that was replayed) with its latest verdict: failed
    first, then never replayed, then OK — an OK draw that once failed before the others."""
    out = []
    for position, d in enumerate(sampling.draws):
        tally = replays.get(str(d.id))
        if tally is None and d.status != "executed":
            continue  # never executed: nothing to replay
        if tally is None:
            verdict = ReplayVerdict.not_replayed
        else:
            verdict = ReplayVerdict.ok if tally.ok else ReplayVerdict.failed
        out.append(
            (
                (VERDICT_ORDER[verdict], 0 if tally and tally.failures else 1, position),
                DrawVerdict(
                    draw_id=d.id,
                    task_id=d.task_id,
                    kind=d.kind,
                    round=d.round,
                    draw_status=d.status,
                    departments=d.departments,
                    verdict=verdict,
                    failed_check=tally.failed_check if tally else None,
                    detail=tally.detail if tally else None,
                    replayed_at=tally.finished_at if tally else None,
                    replays=tally.replays if tally else 0,
                    failures=tally.failures if tally else 0,
                ),
            )
        )
    return [v for _, v in sorted(out, key=lambda kv: kv[0])]


def _tally(values: Iterable[str]) -> Counter[str]:
    return Counter(values)


def department_rows(g: Gathered, verdicts: list[DrawVerdict]) -> list[DepartmentRow]:
    """One row per member unit: every active department of the registry (county report) and every code
    the summaries name; a department's report has its own row only."""
    p, r, s = g.planning, g.results, g.sampling
    names = {d.code: d.name for d in g.departments}
    if g.department:
        codes = {g.department}
    else:
        codes = {d.code for d in g.departments if d.active}
        codes |= {x.lead_department for x in p.plans} | {x.department for x in p.item_lists}
        codes |= {d for t in p.tasks for d in t.departments}
        codes |= {x.department for x in r.results_by_department} | {x.department for x in r.publications_by_department}
        codes |= {x.department for x in r.followups_by_department} | {x.department for x in r.burden.by_department}
        codes |= {d for x in s.draws for d in x.departments}
    plans = {x.lead_department: x.filing for x in p.plans}
    lists = {x.department: x for x in p.item_lists}
    results = {x.department: x for x in r.results_by_department}
    publications = {x.department: x for x in r.publications_by_department}
    followups = {x.department: x for x in r.followups_by_department}
    visits = {x.department: x for x in r.burden.by_department}
    voided = _tally(d for x in s.draws if x.status == "voided" for d in x.departments)
    failed = _tally(d for v in verdicts if v.verdict is ReplayVerdict.failed for d in v.departments)
    rows = []
    for code in sorted(codes):
        tasks = [t for t in p.tasks if code in t.departments and t.completion is not CompletionState.cancelled]
        done = _tally(t.completion for t in tasks)
        il, res, pub, fu, vis = (m.get(code) for m in (lists, results, publications, followups, visits))
        rows.append(
            DepartmentRow(
                department=code,
                name=names.get(code, ""),
                plan=plans.get(code),
                items=il.items if il else 0,
                items_late=il.items_late if il else 0,
                checklists=il.checklists if il else 0,
                checklists_late=il.checklists_late if il else 0,
                tasks=len(tasks),
                tasks_on_time=done[CompletionState.on_time],
                tasks_late=done[CompletionState.late],
                tasks_overdue=done[CompletionState.overdue],
                inspections=res.inspections if res else 0,
                results_on_time=res.on_time if res else 0,
                results_late=res.late if res else 0,
                results_overdue=res.overdue if res else 0,
                publications_pending=pub.pending if pub else 0,
                publications_published=pub.published if pub else 0,
                publications_rejected=pub.rejected if pub else 0,
                publications_dead=pub.dead if pub else 0,
                followups_open=fu.open if fu else 0,
                followups_closed=fu.closed if fu else 0,
                followups_overdue=fu.overdue if fu else 0,
                draws_voided=voided[code],
                replays_failed=failed[code],
                visits=vis.visits if vis else 0,
                joint_visits=vis.joint_visits if vis else 0,
            )
        )
    return rows


def assemble(g: Gathered) -> OversightReport:
    """The report, from what was gathered (pure: no I/O)."""
    p, r, s, year = g.planning, g.results, g.sampling, g.year
    verdicts = draw_verdicts(s, g.replays)
    filings = _tally(x.filing for x in p.plans)
    completions = _tally(t.completion for t in p.tasks)
    outcomes = _tally(v.verdict for v in verdicts)
    return OversightReport(
        year=year,
        department=g.department,
        generated_at=g.generated_at,
        today=g.generated_at.astimezone(CHINA).date(),
        failing_replays=[v for v in verdicts if v.verdict is ReplayVerdict.failed],
        deadlines=ReportDeadlines(
            filing=filing_deadline(year),
            completion=completion_deadline(year),
            results_working_days=RESULTS_WORKING_DAYS,
            review=review_deadline(year),
        ),
        departments=department_rows(g, verdicts),
        filings=FilingsSection(
            deadline=filing_deadline(year),
            **{state.value: filings[state] for state in FilingState},
            plans=sorted(p.plans, key=lambda x: (FILING_ORDER[x.filing], x.lead_department, str(x.id))),
            item_lists=p.item_lists,
            late_entries=p.late_entries,
            late_entries_total=p.late_entries_total,
        ),
        tasks=TasksSection(
            deadline=completion_deadline(year),
            **{state.value: completions[state] for state in CompletionState},
            tasks=sorted(p.tasks, key=lambda t: (COMPLETION_ORDER[t.completion], -t.days_late, t.inspection_end)),
            tasks_total=p.tasks_total,
        ),
        results=ResultsSection(
            working_days=RESULTS_WORKING_DAYS,
            county=r.results,
            by_department=r.results_by_department,
            late=r.late_inspections,
            late_total=r.late_inspections_total,
            unknown_due_years=r.unknown_due_years,
        ),
        publications=PublicationsSection(county=r.publications, by_department=r.publications_by_department),
        followups=FollowupsSection(
            county=r.followups,
            by_department=r.followups_by_department,
            overdue=r.overdue_followups,
            overdue_total=r.overdue_followups_total,
        ),
        draws=DrawsSection(
            counts=s.counts,
            total=s.draws_total,
            voided=[d for d in s.draws if d.status == "voided"],
            voided_total=sum(c.draws for c in s.counts if c.status == "voided"),
        ),
        replays=ReplaysSection(
            failed=outcomes[ReplayVerdict.failed],
            not_replayed=outcomes[ReplayVerdict.not_replayed],
            ok=outcomes[ReplayVerdict.ok],
            verdicts=verdicts,
        ),
        burden=r.burden,
    )
