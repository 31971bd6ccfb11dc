"""Who may see who was drawn, and who may act on an inspection — the rule, written once.

Until the results are published, the names of the drawn entities and of the inspectors sent
to them stay among those who must act on them (so that no entity learns in advance it will
be inspected):

* admins (the joint-meeting office), auditors and services see every task's draws and
  inspections;
* an officer sees them for the tasks their department takes part in (lead or cooperating);
* an inspector sees only the inspections whose team they are on — never a whole draw.

Recording the on-site visit is narrower: the team's members, officers of the departments
the team is drawn from, and admins.

Pure functions over the :class:`~jointcheck.auth.Principal` and what the caller knows of
the task (its departments) and the inspection (its team); no I/O. Lists apply the same rule
in SQL through :func:`inspection_scope` (see ``results.inspections.repository``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from jointcheck.auth import READS_EVERYTHING, Principal, Role
from jointcheck.errors import Forbidden

#: Roles that see every task's draws and inspections (``Principal.reads_everything``).
SEE_ALL = READS_EVERYTHING


@dataclass(frozen=True)
class Scope:
    """What one caller may see: everything, or the tasks of one department and/or the
    inspections whose team includes one inspector. ``Scope()`` sees nothing."""

    everything: bool = False
    department: str | None = None
    inspector: str | None = None

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.department or self.inspector)

    def admits(self, *, departments: Collection[str], team: Collection[str] = ()) -> bool:
        """True when a task with ``departments`` (and an inspection with ``team``) is visible."""
        if self.everything:
            return True
        if self.department is not None and self.department in departments:
            return True
        return self.inspector is not None and self.inspector in team


def inspection_scope(user: Principal) -> Scope:
    """The caller's view of draws and inspections (see the module docstring)."""
    if user.reads_everything:
        return Scope(everything=True)
    return Scope(
        department=user.dept if user.has(Role.officer) and user.dept else None,
        inspector=user.subject if user.has(Role.inspector) else None,
    )


def can_see_drawn(user: Principal, *, departments: Collection[str]) -> bool:
    """Who was drawn for a task (a whole draw result): the task's departments, admins, auditors, services."""
    return inspection_scope(user).admits(departments=departments)


def can_see_inspection(user: Principal, *, departments: Collection[str], team: Collection[str]) -> bool:
    """One inspection: as :func:`can_see_drawn`, plus the inspectors on its team."""
    return inspection_scope(user).admits(departments=departments, team=team)


def can_record_visit(user: Principal, *, team: Collection[str], team_departments: Collection[str]) -> bool:
    """The on-site visit: the team's members, officers of the team's departments, admins."""
    if user.is_admin:
        return True
    if user.in_department(*team_departments):
        return True
    return user.has(Role.inspector) and user.subject in team


def ensure_can_see_drawn(user: Principal, *, departments: Collection[str]) -> None:
    if not can_see_drawn(user, departments=departments):
        raise Forbidden(
            "only the task's departments may see who was drawn",
            detail_zh="仅参与该任务的部门可查看抽取结果",
            code="result_not_allowed",
        )


def ensure_can_see_inspection(user: Principal, *, departments: Collection[str], team: Collection[str]) -> None:
    if not can_see_inspection(user, departments=departments, team=team):
        raise Forbidden(
            "only the task's departments and the inspection's team may see this inspection",
            detail_zh="仅参与该任务的部门及检查组成员可查看此检查",
            code="inspection_not_visible",
        )


def ensure_can_record_visit(user: Principal, *, team: Collection[str], team_departments: Collection[str]) -> None:
    if not can_record_visit(user, team=team, team_departments=team_departments):
        raise Forbidden(
            "only the inspection team, officers of its departments and admins may record the visit",
            detail_zh="仅检查组成员、其所属部门执法人员及联席办可记录实施检查",
            code="not_in_team",
        )
