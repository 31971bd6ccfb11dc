"""Integrators generate clients from the services' OpenAPI documents (issue 16). Here
``openapi-python-client`` generates one from each running service's ``/openapi.json`` — without a
warning, its modules named after the ASCII tags and its functions after the short operation ids —
and one read and one write route of each service are called through it, getting typed answers.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from .conftest import eventually
from .world import LEAD, World

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
ASCII_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@pytest.fixture(scope="module")
def generated(urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    out = tmp_path_factory.mktemp("generated-clients")
    (out / "config.yaml").write_text("post_hooks: []\n", encoding="utf-8")
    sys.path.insert(0, str(out))
    clients = {}
    try:
        for service in ("registry", "planning", "sampling", "results", "audit"):
            document = out / f"{service}.json"
            document.write_bytes(httpx.get(f"{urls[service]}/openapi.json", timeout=30).content)
            run = subprocess.run(
                [
                    str(GENERATOR),
                    "generate",
                    "--path",
                    str(document),
                    "--meta",
                    "none",
                    "--output-path",
                    str(out / f"{service}_api"),
                    "--config",
                    str(out / "config.yaml"),
                ],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert run.returncode == 0 and "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
            modules = [p for p in (out / f"{service}_api" / "api").rglob("*.py") if p.name != "__init__.py"]
            assert modules and all(ASCII_NAME.match(p.stem) and ASCII_NAME.match(p.parent.name) for p in modules)
            clients[service] = importlib.import_module(f"{service}_api")
        yield clients
    finally:
        sys.path.remove(str(out))


def operation(clients: dict[str, ModuleType], service: str, tag: str, operation_id: str) -> Any:
    """The generated module of an operation: ``<service>_api.api.<tag>.<operation id>``."""
    return importlib.import_module(f"{service}_api.api.{tag.replace('-', '_')}.{operation_id.replace('-', '_')}")


def client(clients: dict[str, ModuleType], service: str, urls: dict[str, str], headers: dict[str, str]) -> Any:
    token = headers["Authorization"].removeprefix("Bearer ")
    return clients[service].AuthenticatedClient(base_url=urls[service], token=token, timeout=60)


def model(clients: dict[str, ModuleType], service: str, name: str, data: dict[str, Any]) -> Any:
    return getattr(importlib.import_module(f"{service}_api.models"), name).from_dict(data)


def test_registry_and_planning_through_their_generated_clients(generated, urls, http, tokens):
    w = World(http, urls, tokens)
    w.departments()
    admin = client(generated, "registry", urls, tokens.admin)
    code = "GC" + uuid.uuid4().hex[:6].upper()
    create = operation(generated, "registry", "departments", "departments-create")
    made = create.sync_detailed(
        client=admin,
        body=model(
            generated, "registry", "DepartmentCreate", {"code": code, "name": "生成客户端测试局", "short_name": "测试"}
        ),
    )
    assert made.status_code == 201 and type(made.parsed).__name__ == "DepartmentRead" and made.parsed.code == code
    got = operation(generated, "registry", "departments", "departments-get").sync(code, client=admin)
    assert type(got).__name__ == "DepartmentRead" and got.name == "生成客户端测试局"
    missing = operation(generated, "registry", "departments", "departments-get").sync_detailed("ZZNONE", client=admin)
    assert missing.status_code == 404 and missing.parsed.code == "department_not_found"  # a typed Problem

    officer = client(generated, "planning", urls, tokens.officer(LEAD))
    item = operation(generated, "planning", "items", "items-create").sync(
        client=officer,
        body=model(
            generated,
            "planning",
            "ItemCreate",
            {
                "department": LEAD,
                "code": f"GC-{code}",
                "name": "生成客户端检查事项",
                "legal_basis": "相关法律法规",
                "methods": ["on_site"],
            },
        ),
    )
    assert type(item).__name__ == "ItemRead" and item.code == f"GC-{code}"
    again = operation(generated, "planning", "items", "items-get").sync(str(item.id), client=officer)
    assert again.name == "生成客户端检查事项" and again.department == LEAD


def test_sampling_results_and_audit_through_their_generated_clients(generated, urls, http, tokens):
    w = World(http, urls, tokens)
    w.departments()
    w.entities("AABBCCDDUU")
    w.inspectors(3)
    task = w.task(
        rules={"A": {"ratio": "1"}, "B": {"ratio": "1"}, "C": {"ratio": "1"}, "D": {"ratio": "1"}, "U": {"ratio": "1"}},
        year=2032,
        window=("2032-04-01", "2032-09-30"),
        team_rules={"team_size": 3, "max_load": 10},
    )
    lead = client(generated, "sampling", urls, tokens.officer(LEAD))
    draw = operation(generated, "sampling", "draws", "draws-create").sync(
        client=lead,
        body=model(
            generated,
            "sampling",
            "DrawCreate",
            {"task_id": task["id"], "kind": "objects", "entropy_source": "witness dice"},
        ),
    )
    assert type(draw).__name__ == "DrawRead" and str(draw.status) == "committed"
    read = operation(generated, "sampling", "draws", "draws-get").sync(str(draw.id), client=lead)
    assert read.announcement_sha256 == draw.announcement_sha256
    w.post(
        "sampling",
        f"/v1/draws/{draw.id}/entropy",
        {"entropy": "witness dice: 1 2 3"},
        headers=tokens.officer(LEAD),
        expect=200,
    )
    eventually(lambda: w.get("planning", f"/v1/tasks/{task['id']}")["state"] == "objects_drawn")  # by event
    w.draw(task["id"], kind="teams")

    admin = client(generated, "results", urls, tokens.admin)
    listing = operation(generated, "results", "inspections", "inspections-list")
    page = eventually(lambda: (p := listing.sync(client=admin, task_id=task["id"], state="assigned")) and p.items and p)
    visited = operation(generated, "results", "inspections", "inspections-record-visit").sync(
        str(page.items[0].id),
        client=admin,
        body=model(generated, "results", "InspectionVisit", {"inspected_on": "2026-05-12"}),
    )
    assert type(visited).__name__ == "InspectionRead" and str(visited.inspected_on) == "2026-05-12"

    auditor = client(generated, "audit", urls, tokens.auditor)
    verdict = operation(generated, "audit", "audit-log", "audit-log-create-chain-verification").sync(client=auditor)
    assert type(verdict).__name__ == "ChainVerificationRead" and verdict.ok is True
    listed = operation(generated, "audit", "audit-log", "audit-log-list-chain-verifications").sync(client=auditor)
    assert any(v.id == verdict.id for v in listed.items)
