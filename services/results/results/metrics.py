"""Results' own gauges for the alert rules (deploy/alerts): overdue inspections per department, records
not yet published, and records whose delivery died. Read from the database at each scrape."""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy import func, select

from jointcheck.db import Database
from jointcheck.observability import Metrics
from results.deadlines import today_in_china
from results.inspections.models import Inspection
from results.publications.models import Publication


def install(metrics: Metrics) -> None:
    overdue = Gauge(
        "jc_results_overdue_inspections",
        "Inspections past their results due date and not approved, per department of the task",
        ["department"],
        registry=metrics.registry,
    )
    unpublished = Gauge(
        "jc_results_publications_unpublished",
        "Publication records not yet published to GSXT (pending, rejected or dead)",
        registry=metrics.registry,
    )
    dead = Gauge(
        "jc_results_publication_dead_letters",
        "Publication records GSXT rejected or whose retries ran out (need an operator)",
        registry=metrics.registry,
    )

    async def refresh(db: Database, _metrics: Metrics) -> None:
        async with db.transaction() as session:
            dept = func.unnest(Inspection.departments).label("dept")
            sub = (
                select(dept)
                .where(Inspection.due_on < today_in_china(), Inspection.state.notin_(("approved", "published")))
                .subquery()
            )
            per_dept = dict((await session.execute(select(sub.c.dept, func.count()).group_by(sub.c.dept))).all())
            by_status = dict(
                (await session.execute(select(Publication.status, func.count()).group_by(Publication.status))).all()
            )
        overdue.clear()
        for department, n in per_dept.items():
            overdue.labels(department).set(n)
        unpublished.set(sum(n for s, n in by_status.items() if s != "published"))
        dead.set(by_status.get("rejected", 0) + by_status.get("dead", 0))

    metrics.refreshers.append(refresh)
