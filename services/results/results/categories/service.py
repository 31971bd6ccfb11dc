"""The result-category dictionary: read, changed by admins, and the one check of a selection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.codes.result_categories import DEFAULT_CATEGORIES, CategoryDictionary, InvalidResultSelection
from jointcheck.errors import Conflict, NotFound, UnprocessableEntity
from jointcheck.outbox import record_audit
from results.categories.models import ResultCategory
from results.categories.schemas import CategoryCreate, CategoryUpdate


async def ensure_seeded(session: AsyncSession) -> None:
    """An empty dictionary (a new database, or emptied) gets the defaults of
    :mod:`jointcheck.codes.result_categories` — the categories GSXT knows."""
    if await session.scalar(select(func.count()).select_from(ResultCategory)):
        return
    rows = [
        {
            "code": c.code,
            "parent": c.parent,
            "label_zh": c.zh,
            "label_en": c.en,
            "kind": c.kind,
            "names_department": c.names_department,
            "exclusive": c.exclusive,
            "single_choice": c.single_choice,
            "follow_up": c.follow_up,
            "position": i,
        }
        for i, c in enumerate(DEFAULT_CATEGORIES)
    ]
    await session.execute(insert(ResultCategory).values(rows).on_conflict_do_nothing(index_elements=["code"]))


async def all_categories(session: AsyncSession, *, include_inactive: bool = True) -> list[ResultCategory]:
    await ensure_seeded(session)
    stmt = select(ResultCategory).order_by(ResultCategory.position, ResultCategory.code)
    if not include_inactive:
        stmt = stmt.where(ResultCategory.active)
    return list((await session.execute(stmt)).scalars())


def _problem(field: str, message: str, message_zh: str) -> dict[str, str]:
    return {"field": field, "message": message, "message_zh": message_zh}


async def dictionary(session: AsyncSession) -> CategoryDictionary:
    """The active categories as a :class:`CategoryDictionary` (a deactivated one can no longer be chosen)."""
    rows = await all_categories(session, include_inactive=False)
    active = {r.code for r in rows}
    return CategoryDictionary.from_records(
        {
            "code": r.code,
            "zh": r.label_zh,
            "en": r.label_en,
            "parent": r.parent if r.parent in active else None,
            "kind": r.kind,
            "names_department": r.names_department,
            "exclusive": r.exclusive,
            "single_choice": r.single_choice and any(x.parent == r.code for x in rows),
            "follow_up": r.follow_up,
        }
        for r in rows
    )


async def check_selection(
    session: AsyncSession, choices: list[dict[str, Any]], *, departments: list[str]
) -> list[ResultCategory]:
    """The selection rules of :mod:`jointcheck.codes.result_categories` over this service's dictionary
    (known, active leaves; an exclusive one alone; one status outcome; a department exactly where the
    category names one, and one of the task's departments). 422 ``invalid_categories`` otherwise."""
    try:
        chosen = (await dictionary(session)).validate_selection(choices, departments=departments)
    except InvalidResultSelection as exc:
        raise UnprocessableEntity(
            f"result categories: {exc.detail}",
            detail_zh=f"检查结果类别：{exc.detail_zh}",
            code="invalid_categories",
            errors=[_problem("categories", exc.detail, exc.detail_zh) | {"reason": exc.reason}],
        ) from None
    by_code = {r.code: r for r in await all_categories(session)}
    return [by_code[c.code] for c in chosen]


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
