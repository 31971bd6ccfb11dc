"""Department codes are the registry's: a well-formed code the registry does not know (or has
retired) is refused wherever planning records one — items, checklists, plans and tasks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from jointcheck.clients import RegistryClient
from jointcheck.errors import UnprocessableEntity


async def ensure_known(registry: RegistryClient, fields: Mapping[str, Iterable[str]]) -> None:
    """422 ``unknown_department`` listing every field naming a department the registry has not (active)."""
    wanted = {field: [c for c in codes if c] for field, codes in fields.items()}
    if not any(wanted.values()):
        return
    known = {d.code for d in await registry.departments() if d.active}
    problems = []
    for field, codes in wanted.items():
        unknown = [c for c in dict.fromkeys(codes) if c not in known]
        if unknown:
            problems.append(
                {
                    "field": field,
                    "message": f"not a department of the registry: {', '.join(unknown)}",
                    "message_zh": f"名录库中没有（或已停用）以下部门：{'、'.join(unknown)}",
                }
            )
    if problems:
        raise UnprocessableEntity(
            f"{len(problems)} field(s) name departments the registry does not know",
            detail_zh="部门代码不在名录库的部门中",
            code="unknown_department",
            errors=problems,
        )
