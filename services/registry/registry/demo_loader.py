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
from registry.experts.schemas import ExpertCreate
from registry.experts.service import create as create_expert
from registry.inspectors.schemas import InspectorCreate
from registry.inspectors.service import create as create_inspector

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
        print(f"Loaded the demo county 新县: {len(county.departments())} departments, {result.inserted} entities, "
              "60 inspectors, 20 experts.")
        return True
    finally:
        await db.dispose()


async def _load_people(session) -> None:  # noqa: ANN001
    """Inspectors and experts of the demo county, through the same rules as the API."""
    for row in county.inspectors(60, seed=2024):
        await create_inspector(session, actor=DEMO_ACTOR, data=InspectorCreate(
            inspector_id=row["inspector_id"], name=row["name"], department=row["department_code"],
            certificate_no=row["certificate_no"], specialties=row["specialties"], region=row["division_code"],
            status=row["status"]))
    for row in county.experts(20, seed=2024):
        await create_expert(session, actor=DEMO_ACTOR, data=ExpertCreate(
            expert_id=row["expert_id"], name=row["name"], field=row["field"], organisation=row["organisation"],
            title=row.get("title"), status=row["status"]))
