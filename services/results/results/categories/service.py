"""The result-category dictionary: read, changed by admins, and the one check of a selection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.errors import Conflict, NotFound, UnprocessableEntity
from jointcheck.outbox import record_audit
from results.categories.defaults import SEED, SEED_KEYS
from results.categories.models import ResultCategory
from results.categories.schemas import CategoryCreate, CategoryUpdate


async def ensure_seeded(session: AsyncSession) -> None:
    """An empty dictionary (a new database, or emptied) gets the domain's defaults."""
    if await session.scalar(select(func.count()).select_from(ResultCategory)):
        return
    rows = [dict(zip(SEED_KEYS, row, strict=True)) | {"position": i} for i, row in enumerate(SEED)]
    await session.execute(insert(ResultCategory).values(rows).on_conflict_do_nothing(index_elements=["code"]))


async def all_categories(session: AsyncSession, *, include_inactive: bool = True) -> list[ResultCategory]:
    await ensure_seeded(session)
    stmt = select(ResultCategory).order_by(ResultCategory.position, ResultCategory.code)
    if not include_inactive:
        stmt = stmt.where(ResultCategory.active)
    return list((await session.execute(stmt)).scalars())


def _problem(field: str, message: str, message_zh: str) -> dict[str, str]:
    return {"field": field, "message": message, "message_zh": message_zh}


async def check_selection(
    session: AsyncSession, choices: list[dict[str, Any]], *, departments: list[str]
) -> list[ResultCategory]:
    """Known, active, leaf-or-childless codes, each once; an exclusive one alone; a department exactly
    where the category names one (and one of the task's departments). 422 ``invalid_categories`` lists all."""
    known = {c.code: c for c in await all_categories(session)}
    parents = {c.parent for c in known.values() if c.parent}
    problems: list[dict[str, str]] = []
    chosen: list[ResultCategory] = []
    seen: set[tuple[str, str | None]] = set()
    for i, choice in enumerate(choices):
        code, dept = choice["code"], choice.get("department")
        where = f"categories[{i}]"
        cat = known.get(code)
        if cat is None or not cat.active:
            problems.append(_problem(where, f"unknown result category {code!r}", f"未知或已停用的结果类别 {code}"))
            continue
        if code in parents:
            problems.append(
                _problem(
                    where, f"{code!r} is a group: choose one of its sub-categories", f"{code} 为分组，请选择其下级类别"
                )
            )
        if cat.names_department and not dept:
            problems.append(
                _problem(
                    where, f"{code!r} names the department whose rules were broken", f"{code} 须注明违反规定的主管部门"
                )
            )
        if dept and not cat.names_department:
            problems.append(_problem(where, f"{code!r} takes no department", f"{code} 无需注明部门"))
        if dept and cat.names_department and dept not in departments:
            problems.append(
                _problem(where, f"department {dept} does not take part in the task", f"{dept} 未参加该抽查任务")
            )
        if (code, dept) in seen:
            problems.append(_problem(where, f"{code!r} is chosen twice", f"{code} 重复选择"))
        seen.add((code, dept))
        chosen.append(cat)
    if any(c.exclusive for c in chosen) and len(chosen) > 1:
        names = ", ".join(c.code for c in chosen if c.exclusive)
        problems.append(_problem("categories", f"{names} is chosen alone", f"{names} 不能与其他类别同时选择"))
    if problems:
        raise UnprocessableEntity(
            f"the result categories have {len(problems)} problem(s)",
            detail_zh=f"检查结果类别有 {len(problems)} 处问题",
            code="invalid_categories",
            errors=problems,
        )
    return chosen


async def create(session: AsyncSession, data: CategoryCreate, actor: Principal) -> ResultCategory:
    await ensure_seeded(session)
    if await session.get(ResultCategory, data.code) is not None:
        raise Conflict(f"category {data.code} exists", detail_zh=f"结果类别 {data.code} 已存在", code="category_exists")
    if data.parent is not None:
        parent = await session.get(ResultCategory, data.parent)
        if parent is None:
            raise UnprocessableEntity(
                f"no parent category {data.parent}",
                detail_zh=f"上级类别 {data.parent} 不存在",
                code="invalid_categories",
                errors=[_problem("parent", "unknown category", "未知类别")],
            )
    category = ResultCategory(**data.model_dump(), active=True)
    session.add(category)
    await session.flush()
    await record_audit(
        session,
        actor=actor,
        action="category.create",
        object_type="result_category",
        object_id=data.code,
        data=data.model_dump(mode="json"),
    )
    return category


async def update(session: AsyncSession, code: str, data: CategoryUpdate, actor: Principal) -> ResultCategory:
    await ensure_seeded(session)
    category = await session.get(ResultCategory, code, with_for_update=True)
    if category is None:
        raise NotFound(f"no result category {code}", detail_zh=f"结果类别 {code} 不存在", code="category_not_found")
    changes = data.model_dump(exclude_none=True)
    for key, value in changes.items():
        setattr(category, key, value)
    await session.flush()
    await record_audit(
        session, actor=actor, action="category.update", object_type="result_category", object_id=code, data=changes
    )
    return category
