"""Who may call each route of each service: the expectations table of the authorization matrix.

``tests/security/test_authz_matrix.py`` fails when a route is missing here or an entry names a
route that no longer exists, and tries every protected route with bad tokens and wrong roles;
``docs/authorization.md`` is rendered from this table (``python tests/security/authz_table.py``
rewrites it; a test checks it is current).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROLES = ("admin", "officer", "inspector", "auditor", "service")
SERVICES = ("registry", "planning", "sampling", "results", "audit", "gsxt_emulator")


@dataclass(frozen=True)
class Access:
    """``roles`` may call the route (empty: anyone, no token). ``scope`` narrows officers (and
    inspectors) further; when ``other_department_refused`` an officer of another department gets
    403 (tested on a real object). ``awaiting`` names the branch that brings the stated behaviour."""

    roles: frozenset[str]
    scope: str = ""
    other_department_refused: bool = False
    awaiting: str = ""

    @property
    def public(self) -> bool:
        return not self.roles


def allow(*roles: str, scope: str = "", refused: bool | None = None, awaiting: str = "") -> Access:
    return Access(frozenset(roles), scope, bool(scope) if refused is None else refused, awaiting)


PUBLIC = Access(frozenset())
READERS = ("admin", "officer", "inspector", "auditor", "service")
WRITERS = ("admin", "officer")
OPS_READ = allow("admin", "auditor")


def _ops(service: str) -> dict[tuple[str, str, str], Access]:
    """Every service app's platform routes (jointcheck.app, jointcheck.outbox)."""
    return {
        (service, "GET", "/healthz"): PUBLIC,
        (service, "GET", "/readyz"): PUBLIC,
        (service, "GET", "/metrics"): Access(
            frozenset(), scope="open unless `metrics_token` or `metrics_allow_from` is configured"
        ),
        (service, "GET", "/ops/dependencies"): OPS_READ,
        (service, "POST", "/internal/events"): allow("service"),
        (service, "GET", "/ops/outbox/summary"): OPS_READ,
        (service, "GET", "/ops/outbox"): OPS_READ,
        (service, "POST", "/ops/outbox/{event_id}/requeue"): allow("admin"),
        (service, "POST", "/ops/outbox/{event_id}/discard"): allow("admin"),
    }


ENTITY_DEPTS = "officers of a department supervising the entity"
INSPECTOR_DEPT = "officers of the inspector's department"
LEAD = "officers of the lead department"
TASK_LEAD = "officers of the task's lead department"
TASK_DEPTS = "officers of the task's departments"
REPORT_SUMMARY = allow("admin", "auditor", "service")  # the service's part of audit's oversight report

TABLE: dict[tuple[str, str, str], Access] = {
    **{k: v for s in SERVICES[:5] for k, v in _ops(s).items()},
    # ------------------------------------------------------------------ registry
    ("registry", "GET", "/v1/departments"): allow(*READERS),
    ("registry", "POST", "/v1/departments"): allow("admin"),
    ("registry", "GET", "/v1/departments/{code}"): allow(*READERS),
    ("registry", "PATCH", "/v1/departments/{code}"): allow("admin"),
    ("registry", "POST", "/v1/entities"): allow(
        *WRITERS, scope="an officer's own department is added to the entity", refused=False
    ),
    ("registry", "GET", "/v1/entities"): allow(*READERS),
    ("registry", "GET", "/v1/entities/import/template"): PUBLIC,
    ("registry", "POST", "/v1/entities/import"): allow(
        *WRITERS, scope="officers: only entities their department supervises, new and existing"
    ),
    ("registry", "GET", "/v1/entities/export"): allow(*READERS),
    ("registry", "POST", "/v1/entities/credit-classes"): allow("admin", "service"),
    ("registry", "GET", "/v1/entities/{uscc}"): allow(*READERS),
    ("registry", "PATCH", "/v1/entities/{uscc}"): allow(*WRITERS, scope=ENTITY_DEPTS),
    ("registry", "DELETE", "/v1/entities/{uscc}"): allow(*WRITERS, scope=ENTITY_DEPTS),
    ("registry", "GET", "/v1/entities/{uscc}/history"): allow(*READERS),
    ("registry", "POST", "/v1/inspectors"): allow(*WRITERS, scope=INSPECTOR_DEPT),
    ("registry", "GET", "/v1/inspectors"): allow(*READERS),
    ("registry", "GET", "/v1/inspectors/{inspector_id}"): allow(*READERS),
    ("registry", "PATCH", "/v1/inspectors/{inspector_id}"): allow(*WRITERS, scope=INSPECTOR_DEPT),
    ("registry", "DELETE", "/v1/inspectors/{inspector_id}"): allow(*WRITERS, scope=INSPECTOR_DEPT),
    ("registry", "GET", "/v1/inspectors/{inspector_id}/history"): allow(*READERS),
    ("registry", "POST", "/v1/experts"): allow("admin"),
    ("registry", "GET", "/v1/experts"): allow(*READERS),
    ("registry", "GET", "/v1/experts/{expert_id}"): allow(*READERS),
    ("registry", "PATCH", "/v1/experts/{expert_id}"): allow("admin"),
    ("registry", "DELETE", "/v1/experts/{expert_id}"): allow("admin"),
    ("registry", "GET", "/v1/experts/{expert_id}/history"): allow(*READERS),
    ("registry", "POST", "/v1/recusals"): allow(*WRITERS, scope=INSPECTOR_DEPT),
    ("registry", "GET", "/v1/recusals"): allow(*READERS),
    ("registry", "GET", "/v1/recusals/{recusal_id}"): allow(*READERS),
    ("registry", "DELETE", "/v1/recusals/{recusal_id}"): allow(*WRITERS, scope=INSPECTOR_DEPT),
    ("registry", "GET", "/v1/recusals/{recusal_id}/history"): allow(*READERS),
    ("registry", "POST", "/v1/frames"): allow(*READERS, scope="a query (reads only)", refused=False),
    ("registry", "POST", "/v1/frames/counts"): allow(*READERS, scope="a query (reads only)", refused=False),
    ("registry", "POST", "/v1/frames/inspector-pool"): allow(*READERS, scope="a query (reads only)", refused=False),
    ("registry", "POST", "/v1/frames/recusals"): allow(*READERS, scope="a query (reads only)", refused=False),
    ("registry", "POST", "/v1/frames/experts"): allow(*READERS, scope="a query (reads only)", refused=False),
    ("registry", "POST", "/v1/sync/platform"): allow("admin", "service"),
    ("registry", "GET", "/v1/sync/platform"): allow("admin", "auditor", "service"),
    ("registry", "GET", "/v1/sync/platform/runs"): allow("admin", "auditor", "service"),
    # ------------------------------------------------------------------ planning
    ("planning", "POST", "/v1/items"): allow(*WRITERS, scope="officers of the item's department"),
    ("planning", "GET", "/v1/items"): allow(*READERS),
    ("planning", "GET", "/v1/items/{item_id}"): allow(*READERS),
    ("planning", "PATCH", "/v1/items/{item_id}"): allow(*WRITERS, scope="officers of the item's department"),
    ("planning", "GET", "/v1/items/{item_id}/versions"): allow(*READERS),
    ("planning", "POST", "/v1/items/{item_id}/cancel"): allow(*WRITERS, scope="officers of the item's department"),
    ("planning", "POST", "/v1/checklists"): allow(*WRITERS, scope=LEAD),
    ("planning", "GET", "/v1/checklists"): allow(*READERS),
    ("planning", "GET", "/v1/checklists/{checklist_id}"): allow(*READERS),
    ("planning", "PATCH", "/v1/checklists/{checklist_id}"): allow(*WRITERS, scope=LEAD),
    ("planning", "GET", "/v1/checklists/{checklist_id}/versions"): allow(*READERS),
    ("planning", "POST", "/v1/plans"): allow(*WRITERS, scope=LEAD),
    ("planning", "GET", "/v1/plans"): allow(*READERS),
    ("planning", "GET", "/v1/plans/late-filings"): allow("admin", "auditor"),
    ("planning", "GET", "/v1/reports/{year}/summary"): REPORT_SUMMARY,
    ("planning", "GET", "/v1/plans/{plan_id}"): allow(*READERS),
    ("planning", "PATCH", "/v1/plans/{plan_id}"): allow(*WRITERS, scope=LEAD),
    ("planning", "POST", "/v1/plans/{plan_id}/transitions"): allow(*WRITERS, scope=LEAD),
    ("planning", "POST", "/v1/tasks"): allow(*WRITERS, scope="officers of the plan's lead department"),
    ("planning", "GET", "/v1/tasks"): allow(
        *READERS, scope="filtered: officers see the tasks their department takes part in", refused=False
    ),
    ("planning", "GET", "/v1/tasks/{task_id}"): allow(*READERS, scope=TASK_DEPTS),
    ("planning", "PATCH", "/v1/tasks/{task_id}"): allow(*WRITERS, scope=TASK_LEAD),
    ("planning", "POST", "/v1/tasks/{task_id}/transitions"): allow(*WRITERS, scope=TASK_LEAD),
    ("planning", "POST", "/v1/tasks/{task_id}/amendments"): allow(*WRITERS, scope=TASK_LEAD),
    ("planning", "GET", "/v1/tasks/{task_id}/checklist"): allow(*READERS, scope=TASK_DEPTS),
    ("planning", "GET", "/v1/tasks/{task_id}/preview"): allow(*READERS, scope=TASK_DEPTS),
    ("planning", "GET", "/public/plans"): PUBLIC,
    ("planning", "GET", "/public/plans/{plan_id}"): PUBLIC,
    ("planning", "GET", "/public/plans/tasks/{task_id}"): PUBLIC,
    # ------------------------------------------------------------------ sampling
    ("sampling", "POST", "/v1/draws"): allow(*WRITERS, scope=TASK_LEAD),
    ("sampling", "GET", "/v1/draws"): allow(*READERS),
    ("sampling", "POST", "/v1/draws/{draw_id}/register"): allow(*WRITERS, scope=TASK_LEAD),
    ("sampling", "POST", "/v1/draws/{draw_id}/entropy"): allow(*WRITERS, scope=TASK_LEAD),
    ("sampling", "POST", "/v1/draws/{draw_id}/void"): allow(*WRITERS, scope=TASK_LEAD),
    ("sampling", "GET", "/v1/draws/{draw_id}"): allow(*READERS),
    ("sampling", "GET", "/v1/draws/{draw_id}/result"): allow(
        "admin", "officer", "auditor", "service", scope=TASK_DEPTS + " (jointcheck.visibility)"
    ),
    ("sampling", "GET", "/v1/draws/{draw_id}/bundle"): allow("admin", "auditor", "service"),
    ("sampling", "GET", "/v1/reports/{year}/summary"): REPORT_SUMMARY,
    ("sampling", "GET", "/public/draws"): PUBLIC,
    ("sampling", "GET", "/public/draws/{draw_id}"): PUBLIC,
    ("sampling", "GET", "/public/draws/{draw_id}/bundle"): Access(
        frozenset(), scope="from the day after the task's inspection window"
    ),
    # ------------------------------------------------------------------ results
    ("results", "GET", "/v1/inspections"): allow(
        *READERS,
        scope="filtered: officers see their departments' tasks, inspectors the inspections they are on "
        "(jointcheck.visibility)",
        refused=False,
    ),
    ("results", "GET", "/v1/inspections/{inspection_id}"): allow(
        *READERS, scope=TASK_DEPTS + "; inspectors on its team (jointcheck.visibility)"
    ),
    ("results", "POST", "/v1/inspections/{inspection_id}/visit"): allow(
        "admin", "officer", "inspector", scope="the team's members; officers of the team's departments"
    ),
    ("results", "POST", "/v1/inspections/recently-inspected"): allow("admin", "auditor", "service"),
    ("results", "POST", "/v1/inspections/last-inspectors"): allow("admin", "auditor", "service"),
    ("results", "GET", "/v1/inspections/overdue"): allow(
        *READERS, scope="filtered as the inspection list (jointcheck.visibility)", refused=False
    ),
    ("results", "PUT", "/v1/inspections/{inspection_id}/findings"): allow(
        "admin", "inspector", scope="each item only by the team's inspectors from the item's department"
    ),
    ("results", "POST", "/v1/inspections/{inspection_id}/submit"): allow(
        "admin", "inspector", scope="the inspection's team members"
    ),
    ("results", "POST", "/v1/inspections/{inspection_id}/review"): allow(
        "admin", "officer", scope="officers of the task's lead department"
    ),
    ("results", "GET", "/v1/tasks/{task_id}/results"): allow(*READERS, scope=TASK_DEPTS),
    ("results", "GET", "/v1/tasks/{task_id}/results/export"): allow(*READERS, scope=TASK_DEPTS),
    ("results", "GET", "/v1/result-categories"): allow(*READERS),
    ("results", "POST", "/v1/result-categories"): allow("admin"),
    ("results", "PATCH", "/v1/result-categories/{code}"): allow("admin"),
    ("results", "GET", "/v1/publications"): allow(
        *READERS, scope="filtered: officers see the records of their department's inspections", refused=False
    ),
    ("results", "POST", "/v1/publications/{publication_id}/requeue"): allow("admin"),
    ("results", "GET", "/public/results"): PUBLIC,
    ("results", "GET", "/v1/reports/{year}/summary"): REPORT_SUMMARY,
    ("results", "GET", "/v1/followups"): allow(
        *READERS,
        scope="filtered: officers see their department's cases and those of their department's tasks",
        refused=False,
    ),
    ("results", "GET", "/v1/followups/{case_id}"): allow(
        *READERS, scope="the case's department and the task's departments", refused=False
    ),
    ("results", "POST", "/v1/followups/{case_id}/transfer"): allow(
        "admin", "officer", scope="officers of the department the case is with", refused=False
    ),
    ("results", "PUT", "/v1/followups/{case_id}/deadline"): allow(
        "admin", "officer", scope="officers of the department the case is with", refused=False
    ),
    ("results", "POST", "/v1/followups/{case_id}/close"): allow(
        "admin", "officer", scope="officers of the department the case is with", refused=False
    ),
    ("results", "GET", "/v1/calendars"): allow(*READERS),
    ("results", "GET", "/v1/calendars/due-date"): allow(*READERS),
    ("results", "GET", "/v1/calendars/{year}"): allow(*READERS),
    ("results", "POST", "/v1/calendars/{year}"): allow("admin"),
    # ------------------------------------------------------------------ audit
    ("audit", "GET", "/v1/audit-events"): allow("admin", "auditor"),
    ("audit", "GET", "/v1/audit-events/verify"): allow("admin", "auditor"),
    ("audit", "POST", "/v1/announcements"): allow("admin", "service"),
    ("audit", "GET", "/v1/announcements/{sha256}"): allow("admin", "officer", "auditor", "service"),
    ("audit", "GET", "/public/announcements/{sha256}"): PUBLIC,
    ("audit", "GET", "/v1/announcements"): allow("admin", "auditor", "service"),
    ("audit", "POST", "/v1/replays"): allow("admin", "auditor", "service"),
    ("audit", "GET", "/v1/replays"): allow("admin", "auditor", "service"),
    ("audit", "GET", "/v1/replays/{replay_id}"): allow("admin", "auditor", "service"),
    ("audit", "GET", "/v1/chain-verifications"): allow("admin", "auditor", "service"),
    ("audit", "POST", "/v1/chain-verifications"): allow("admin", "auditor", "service"),
    ("audit", "GET", "/v1/reports/{year}"): allow(
        "admin",
        "officer",
        "auditor",
        "service",
        scope="officers: only their own department's section (`department` defaults to theirs; another is 403)",
    ),
    # ------------------------------------------------------------------ the GSXT emulator (development only)
    ("gsxt_emulator", "GET", "/healthz"): PUBLIC,
    ("gsxt_emulator", "POST", "/api/publications"): Access(frozenset(), scope="stands in for GSXT's own intake"),
    ("gsxt_emulator", "GET", "/api/publications"): Access(frozenset(), scope="stands in for GSXT's public pages"),
    ("gsxt_emulator", "GET", "/api/publications/{record_id}"): Access(
        frozenset(), scope="stands in for GSXT's public pages"
    ),
    ("gsxt_emulator", "PUT", "/emulator/faults"): allow("admin", "service"),
    ("gsxt_emulator", "GET", "/emulator/faults"): allow("admin", "service"),
    ("gsxt_emulator", "GET", "/emulator/counts"): allow("admin", "service"),
    ("gsxt_emulator", "DELETE", "/emulator/publications"): allow("admin", "service"),
    ("gsxt_emulator", "POST", "/emulator/reset"): allow("admin", "service"),
    ("gsxt_emulator", "GET", "/api/platform/changes"): Access(
        frozenset(), scope="stands in for the collaborative platform's change feed (docs/platform-feed.md)"
    ),
    ("gsxt_emulator", "PUT", "/emulator/feed"): allow("admin", "service"),
}

DOC = Path(__file__).resolve().parents[2] / "docs" / "authorization.md"
BEGIN, END = "<!-- authz-table:begin (generated from tests/security/authz_table.py) -->", "<!-- authz-table:end -->"


def who(access: Access) -> str:
    return "anyone" if access.public else ", ".join(r for r in ROLES if r in access.roles)


def render_table() -> str:
    """The Markdown tables between the markers of docs/authorization.md."""
    out = [BEGIN]
    for service in SERVICES:
        out += [
            "",
            f"### {service}",
            "",
            "| method | path | who may call | narrower rule |",
            "| --- | --- | --- | --- |",
        ]
        for (s, method, path), access in TABLE.items():
            if s != service:
                continue
            out.append(f"| {method} | `{path}` | {who(access)} | {access.scope} |")
    out += ["", END]
    return "\n".join(out)


def document_with_table(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + render_table() + tail


if __name__ == "__main__":
    DOC.write_text(document_with_table(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"rewrote the table in {DOC}")
