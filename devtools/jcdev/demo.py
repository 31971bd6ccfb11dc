"""Loads the demo county (新县) into an empty registry through the registry's HTTP API.

``make run`` calls it once the services are up: departments, the entity directory as a
generated CSV file uploaded to ``POST /v1/entities/import`` — exactly what a county
office does — then inspectors and experts. Skipped when the registry already holds
departments, or with ``JC_DEMO_DATA=0``.
"""

from __future__ import annotations

import csv
import io

import httpx

from jointcheck.demo import county

DEMO_ENTITIES = 5000
DEMO_INSPECTORS = 60
DEMO_EXPERTS = 20
SEED = 2024


class DemoLoadError(RuntimeError):
    """The registry refused part of the demo county (its problem document is in the message)."""


def _check(resp: httpx.Response, what: str) -> httpx.Response:
    if resp.status_code >= 300:
        raise DemoLoadError(f"{what}: HTTP {resp.status_code} {resp.text[:500]}")
    return resp


def entities_csv(n: int, seed: int = SEED) -> bytes:
    """The demo county's directory file: UTF-8 with BOM, CRLF, the Chinese headers."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(county.ENTITY_HEADERS)
    writer.writerows(county.entity_rows(n, seed=seed))
    return buf.getvalue().encode("utf-8-sig")


async def load_demo_if_empty(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    *,
    entities: int = DEMO_ENTITIES,
    inspectors: int = DEMO_INSPECTORS,
    experts: int = DEMO_EXPERTS,
) -> bool:
    """Load the demo county unless the registry has departments already. True if loaded.

    ``client`` talks to the registry (its ``base_url``); ``admin_headers`` carry an admin token.
    """
    existing = _check(await client.get("/v1/departments", headers=admin_headers), "list departments").json()
    if existing:
        return False
    for d in county.departments():
        _check(
            await client.post(
                "/v1/departments",
                headers=admin_headers,
                json={"code": d.code, "name": d.name, "short_name": d.short_name},
            ),
            f"department {d.code}",
        )
    result = _check(
        await client.post(
            "/v1/entities/import",
            headers=admin_headers,
            timeout=120,
            files={"file": ("新县名录库.csv", entities_csv(entities), "text/csv")},
        ),
        "entity import",
    ).json()
    for row in county.inspectors(inspectors, seed=SEED):
        _check(
            await client.post(
                "/v1/inspectors",
                headers=admin_headers,
                json={
                    "inspector_id": row["inspector_id"],
                    "name": row["name"],
                    "department": row["department_code"],
                    "certificate_no": row["certificate_no"],
                    "specialties": row["specialties"],
                    "region": row["division_code"],
                    "status": row["status"],
                },
            ),
            f"inspector {row['inspector_id']}",
        )
    for row in county.experts(experts, seed=SEED):
        _check(
            await client.post(
                "/v1/experts",
                headers=admin_headers,
                json={
                    "expert_id": row["expert_id"],
                    "name": row["name"],
                    "field": row["field"],
                    "organisation": row["organisation"],
                    "title": row.get("title"),
                    "status": row["status"],
                },
            ),
            f"expert {row['expert_id']}",
        )
    print(
        f"Loaded the demo county 新县 through the registry API: {len(county.departments())} departments, "
        f"{result['inserted']} entities, {inspectors} inspectors, {experts} experts."
    )
    return True
