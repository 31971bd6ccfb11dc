"""Registry test helpers: departments of the demo county, entity factories."""

from __future__ import annotations

from typing import Any

import pytest_asyncio

from jointcheck.codes import make_uscc
from jointcheck.demo import departments as demo_departments


def uscc(n: int, category: str = "1") -> str:
    """A valid USCC of Xin County: 9<category>411523MA<7 digits><check>."""
    return make_uscc(f"9{category}411523MA{n:07d}"[:17])


def entity_body(n: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "uscc": uscc(n),
        "name": f"新县新集镇测试{n}号饭店有限公司",
        "entity_type": "enterprise",
        "industry_code": "H6210",
        "division_code": "411523",
        "address": f"河南省信阳市新县新集镇{n}号",
        "status": "active",
        "registered_on": "2020-01-05",
        "credit_class": "ABCD"[n % 4],
        "departments": ["SCJG", "XFJY"],
        "tags": ["食品经营许可"],
    }
    body.update(overrides)
    return body


@pytest_asyncio.fixture
async def departments(clients, tokens) -> list[dict]:
    created = []
    for d in demo_departments():
        r = await clients.registry.post(
            "/v1/departments", json={"code": d.code, "name": d.name, "short_name": d.short_name}, headers=tokens.admin
        )
        assert r.status_code == 201, r.text
        created.append(r.json())
    return created
