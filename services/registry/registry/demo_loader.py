"""Loads the demo county (新县) into an empty registry: `make run` calls it once.

Departments, a few thousand entities (through the same import path a county office
uses), inspectors and experts. Skipped when the registry already holds anything, or
with ``JC_DEMO_DATA=0``.
"""

from __future__ import annotations

import io
import logging
import tempfile

from sqlalchemy import func, select

from jointcheck.auth import Principal
from jointcheck.db import Database
from jointcheck.demo import county
from registry.departments.models import Department
from registry.departments.schemas import DepartmentCreate
from registry.departments.service import create as create_department
from registry.entities.service import import_file

log = logging.getLogger("registry.demo")
DEMO_ACTOR = Principal(subject="system:demo-loader", roles=frozenset({"admin"}))
DEMO_ENTITIES = 5000


async def load_demo_if_empty(database_url: str, *, entities: int = DEMO_ENTITIES) -> bool:
    """Load the demo county unless the registry has departments already. True if loaded."""
    db = Database(database_url, pool_size=2)
    try:
        async with db.transaction() as session:
            if (await session.execute(select(func.count()).select_from(Department))).scalar_one():
                return False
            for d in county.departments():
                await create_department(session, data=DepartmentCreate(code=d.code, name=d.name, short_name=d.short_name),
                                        actor=DEMO_ACTOR)
            with tempfile.TemporaryFile() as fh:
                text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
                import csv

                writer = csv.writer(text)
                writer.writerow(county.ENTITY_HEADERS)
                writer.writerows(county.entity_rows(entities, seed=2024))
                text.flush()
                text.detach()
                fh.seek(0)
                result = await import_file(session, upload=fh, actor=DEMO_ACTOR)
            await _load_people(session)
        print(f"Loaded the demo county 新县: {len(county.departments())} departments, {result.inserted} entities "
              f"(registry version {result.version}).")
        return True
    finally:
        await db.dispose()


async def _load_people(session) -> None:  # noqa: ANN001
    """Inspectors and experts of the demo county (when those parts of the registry exist)."""
    try:
        from registry.inspectors import demo as inspectors_demo  # type: ignore[attr-defined]
    except ImportError:
        return
    await inspectors_demo.load(session, actor=DEMO_ACTOR)
