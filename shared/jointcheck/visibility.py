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


# ----------------------------------------------------------------- results: findings, review, follow-up


def team_department_of(user: Principal, team: Collection[dict]) -> str | None:
    """The department the caller was drawn from onto ``team`` (``[{"inspector", "department"}]``), if on it."""
    if not user.has(Role.inspector):
        return None
    for member in team:
        if member.get("inspector") == user.subject:
            return str(member.get("department") or "") or None
    return None


def can_record_finding(user: Principal, *, item_department: str, team: Collection[dict]) -> bool:
    """One department's items (谁检查、谁录入): the team members drawn from that department, or an admin."""
    return user.is_admin or team_department_of(user, team) == item_department


def can_submit_inspection(user: Principal, *, team: Collection[dict]) -> bool:
    """Submitting the visit's findings (all departments' items complete): any team member, or an admin."""
    return user.is_admin or team_department_of(user, team) is not None


def can_review_inspection(user: Principal, *, lead_department: str | None) -> bool:
    """Review (approve or return): officers of the task's lead department (牵头部门), or an admin."""
    return user.is_admin or (lead_department is not None and user.in_department(lead_department))


def can_act_on_case(user: Principal, *, department: str) -> bool:
    """A follow-up case (谁主管、谁监管): officers of the department it is with, or an admin."""
    return user.is_admin or user.in_department(department)


def ensure_can_record_finding(user: Principal, *, item_department: str, team: Collection[dict]) -> None:
    if not can_record_finding(user, item_department=item_department, team=team):
        raise Forbidden(
            f"only the team's inspectors from {item_department} (or an admin) record that department's items",
            detail_zh=f"仅检查组中 {item_department} 的执法人员（或联席办）可录入该部门负责的检查事项",
            code="not_item_department",
        )


def ensure_can_submit_inspection(user: Principal, *, team: Collection[dict]) -> None:
    if not can_submit_inspection(user, team=team):
        raise Forbidden(
            "only a member of the inspection team (or an admin) submits its findings",
            detail_zh="仅检查组成员（或联席办）可提交检查结果",
            code="not_in_team",
        )


def ensure_can_review_inspection(user: Principal, *, lead_department: str | None) -> None:
    if not can_review_inspection(user, lead_department=lead_department):
        raise Forbidden(
            f"only the lead department {lead_department} (or an admin) reviews this inspection",
            detail_zh=f"仅牵头部门 {lead_department}（或联席办）可审核该检查结果",
            code="not_lead_department",
        )


def ensure_can_act_on_case(user: Principal, *, department: str) -> None:
    if not can_act_on_case(user, department=department):
        raise Forbidden(
            f"the case is with {department}: only its officers (or an admin) act on it",
            detail_zh=f"该后续处置案件由 {department} 负责，仅其执法人员（或联席办）可处理",
            code="not_case_department",
        )
