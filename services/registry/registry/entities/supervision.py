"""Who may change an entity: the one department rule of every write path.

An officer changes an entity only if its own department supervises it in the current
record (deleted or not), keeps its own department in the new list, and may add or remove
no other department. Admins and services are not bound. Create, update, delete, credit
classes and imports all apply this rule — imports set-based, through :func:`violation_sql`,
which states the same rule in SQL and uses the same reason codes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from jointcheck.auth import Principal, Role
from jointcheck.errors import Forbidden


@dataclass(frozen=True)
class Violation:
    code: str
    reason: str
    reason_zh: str


def _reasons(dept: str) -> dict[str, Violation]:
    return {
        "not_supervised": Violation(
            "not_supervised",
            f"{dept} does not supervise this entity in its current record",
            f"当前记录中该市场主体不由 {dept} 监管",
        ),
        "own_department_required": Violation(
            "own_department_required",
            f"the departments must include your own ({dept})",
            f"监管部门须包含本部门（{dept}）",
        ),
        "other_departments": Violation(
            "other_departments",
            f"an officer of {dept} may add or remove only {dept} in the departments",
            f"{dept} 的执法人员只能增减本部门，不能增减其他部门",
        ),
    }


def restricted_department(actor: Principal) -> str | None:
    """The department an actor's entity writes are confined to; ``None`` for admins and
    services. Anyone else without a department is confined to none at all ("")."""
    if actor.acts_for_every_department:
        return None
    return actor.dept if actor.has(Role.officer) and actor.dept else ""


def violation(dept: str, current: Collection[str] | None, new: Collection[str]) -> Violation | None:
    """The rule for one entity: ``current`` departments (``None``: no record yet), ``new`` ones."""
    reasons = _reasons(dept)
    if current is not None and dept not in current:
        return reasons["not_supervised"]
    if dept not in new:
        return reasons["own_department_required"]
    if current is not None and (set(current) ^ set(new)) - {dept}:
        return reasons["other_departments"]
    return None


def reason_of(dept: str, code: str) -> Violation:
    return _reasons(dept)[code]


def ensure_may_write(actor: Principal, current: Collection[str] | None, new: Collection[str], *, action: str) -> None:
    """Raise 403 ``department_scope`` unless ``actor`` may make this change."""
    dept = restricted_department(actor)
    if dept is None:
        return
    found = violation(dept, current, new)
    if found is not None:
        raise Forbidden(
            f"{action}: {found.reason}",
            detail_zh=found.reason_zh,
            code="department_scope",
            extra={"reason": found.code},
        )


def violation_sql(current: str = "e", new: str = "s") -> str:
    """:func:`violation` as a SQL expression: NULL, or the violation's code. ``current`` is
    the alias of the current ``entities`` row (all NULL when there is none), ``new`` of the
    row carrying the new ``departments``; ``:dept`` is :func:`restricted_department`."""
    d = "CAST(:dept AS varchar)"
    return (
        f"CASE WHEN {d} IS NULL THEN NULL "
        f"WHEN {current}.row_id IS NOT NULL AND NOT ({d} = ANY({current}.departments)) THEN 'not_supervised' "
        f"WHEN NOT ({d} = ANY({new}.departments)) THEN 'own_department_required' "
        f"WHEN {current}.row_id IS NOT NULL AND NOT (array_remove({current}.departments, {d}) "
        f"@> array_remove({new}.departments, {d}) AND array_remove({current}.departments, {d}) "
        f"<@ array_remove({new}.departments, {d})) THEN 'other_departments' END"
    )
