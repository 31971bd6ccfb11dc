"""The contract of each service is kept in ``docs/api/<service>.json`` (issue 16): the served
document must be the snapshot, each snapshot's version has its section in ``CHANGELOG.md``, and
``make api-snapshot`` adds a line per change and refuses a breaking change without a version bump.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from jcdev.contract import (
    add_to_changelog,
    breaking_bump,
    bumped_for_breaking,
    changelog_versions,
    contract_changes,
    served_document,
    update_snapshots,
)
from jcdev.services import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "docs" / "api"
CHANGELOG = ROOT / "CHANGELOG.md"


def snapshot(service: str) -> dict[str, Any]:
    return json.loads((SNAPSHOTS / f"{service}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_the_served_document_is_the_snapshot(service, clients):
    served = (await clients[service].get("/openapi.json")).json()
    kept = snapshot(service)
    if served != kept:
        changes = contract_changes(kept, served)
        breaking = [c for c in changes if c.breaking]
        version = served["info"]["version"]
        advice = (
            f"breaking: bump API_VERSION in services/{service}/{service}/__init__.py to "
            f"{breaking_bump(kept['info']['version'])} or later, then run `make api-snapshot`"
            if breaking and not bumped_for_breaking(kept["info"]["version"], version)
            else "run `make api-snapshot` (it writes the snapshot and a CHANGELOG.md line per change) and review both"
        )
        listed = "\n  ".join(c.line() for c in changes[:40]) or "(documentation only)"
        pytest.fail(
            f"{service}: the served OpenAPI document differs from docs/api/{service}.json:\n  {listed}\n{advice}"
        )


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_make_api_snapshot_writes_what_is_served(service):
    assert served_document(service) == snapshot(service)


def test_the_changelog_has_a_section_for_every_snapshot():
    sections = changelog_versions(CHANGELOG.read_text(encoding="utf-8"))
    for service in SERVICE_NAMES:
        version = snapshot(service)["info"]["version"]
        assert version in sections.get(service, []), f"CHANGELOG.md has no `## {service}` / `### {version}`"
        listed = sections[service]
        assert listed == sorted(listed, key=lambda v: tuple(map(int, v.split("."))), reverse=True)


# --------------------------------------------------------------------------- what counts as breaking


def _doc(**schemas: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "0.2.0"},
        "paths": {
            "/v1/things": {
                "get": {
                    "operationId": "things-list",
                    "tags": ["things"],
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}],
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingRead"}}}}
                    },
                    "x-access": {"roles": ["admin", "auditor"], "token": True, "rule": "", "rule_zh": ""},
                },
                "post": {
                    "operationId": "things-create",
                    "tags": ["things"],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingCreate"}}},
                    },
                    "responses": {
                        "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingRead"}}}}
                    },
                },
            }
        },
        "components": {"schemas": schemas},
    }


BASE = _doc(
    ThingCreate={
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 64}, "kind": {"enum": ["a", "b"], "type": "string"}},
        "required": ["name"],
    },
    ThingRead={
        "type": "object",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "status": {"type": "string"}},
        "required": ["id", "name", "status"],
    },
)


def changed(edit: Any) -> tuple[list[str], list[str]]:
    new = copy.deepcopy(BASE)
    edit(new)
    changes = contract_changes(BASE, new)
    return [c.line() for c in changes if c.breaking], [c.line() for c in changes if not c.breaking and not c.docs]


def _props(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]["properties"]


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda d: d["paths"]["/v1/things"].pop("post"), "`POST /v1/things`: removed"),
        (lambda d: _props(d, "ThingRead").pop("status"), "field `status` removed"),
        (lambda d: _props(d, "ThingCreate").update(kind={"enum": ["a"], "type": "string"}), 'values removed: "b"'),
        (lambda d: _props(d, "ThingCreate").update(name={"type": "string", "maxLength": 32}), "maxLength 64 → 32"),
        (lambda d: _props(d, "ThingCreate").update(name={"type": "integer"}), "no longer admits string"),
        (
            lambda d: (
                _props(d, "ThingCreate").update(note={"type": "string"}),
                d["components"]["schemas"]["ThingCreate"]["required"].append("note"),
            ),
            "field `note` added (required in requests)",
        ),
        (lambda d: d["components"]["schemas"]["ThingRead"]["required"].remove("status"), "`status` may now be absent"),
        (lambda d: d["paths"]["/v1/things"]["get"]["parameters"][0]["schema"].update(maximum=100), "maximum 1000"),
        (lambda d: d["paths"]["/v1/things"]["get"].update(operationId="things-all"), "operation id"),
        (lambda d: d["paths"]["/v1/things"]["get"]["x-access"].update(roles=["admin"]), "no longer admits auditor"),
    ],
    ids=[
        "route removed",
        "response field removed",
        "enum narrowed",
        "shorter maximum length",
        "type changed",
        "new required input",
        "output field optional",
        "parameter bound narrowed",
        "operation id changed",
        "role no longer admitted",
    ],
)
def test_breaking_changes_are_recognised(edit, expected):
    breaking, _ = changed(edit)
    assert any(expected in line for line in breaking), breaking


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda d: d["paths"].update({"/v1/others": {"get": {"operationId": "others-list"}}}), "added"),
        (lambda d: _props(d, "ThingRead").update(note={"type": "string"}), "field `note` added"),
        (lambda d: _props(d, "ThingCreate").update(note={"type": "string"}), "field `note` added"),
        (lambda d: _props(d, "ThingCreate").update(name={"type": "string", "maxLength": 128}), None),
        (lambda d: _props(d, "ThingCreate")["kind"].update(deprecated=True), "field `kind` deprecated"),
    ],
    ids=["route added", "output field added", "optional input added", "input widened", "deprecated"],
)
def test_compatible_changes_are_not_breaking(edit, expected):
    breaking, compatible = changed(edit)
    assert not breaking
    assert expected is None or any(expected in line for line in compatible), compatible


def test_documentation_needs_no_changelog_line():
    new = copy.deepcopy(BASE)
    new["paths"]["/v1/things"]["get"]["description"] = "Lists things. 列出。"
    new["components"]["schemas"]["ThingRead"]["examples"] = [{"id": "1", "name": "x", "status": "y"}]
    changes = contract_changes(BASE, new)
    assert changes and all(c.docs for c in changes)


def test_the_version_rule():
    assert breaking_bump("0.2.0") == "0.3.0" and breaking_bump("1.4.2") == "2.0.0"
    assert bumped_for_breaking("0.2.0", "0.3.0") and bumped_for_breaking("0.2.0", "1.0.0")
    assert not bumped_for_breaking("0.2.0", "0.2.1") and not bumped_for_breaking("1.4.2", "1.5.0")


# --------------------------------------------------------------------------- make api-snapshot


def test_a_breaking_change_is_refused_until_the_version_is_bumped(tmp_path):
    """The real registry contract, with a route removed: refused at 0.2.0, written at 0.3.0."""
    directory, changelog = tmp_path / "api", tmp_path / "CHANGELOG.md"
    directory.mkdir()
    old = snapshot("registry")
    (directory / "registry.json").write_text(json.dumps(old), encoding="utf-8")
    changelog.write_text("# Changelog\n\n## registry\n\n### 0.2.0\n\n- The contract is kept.\n", encoding="utf-8")
    new = copy.deepcopy(old)
    removed = new["paths"]["/v1/experts/{expert_id}"].pop("delete")

    report = update_snapshots({"registry": new}, directory, changelog)
    assert not report.ok() and not report.written
    refusal = "\n".join(report.refused["registry"])
    assert "API_VERSION 0.3.0" in refusal and "services/registry/registry/__init__.py" in refusal
    assert f"`DELETE /v1/experts/{{expert_id}}`: removed (was `{removed['operationId']}`)" in refusal
    assert json.loads((directory / "registry.json").read_text(encoding="utf-8")) == old  # left as it was
    assert "### 0.3.0" not in changelog.read_text(encoding="utf-8")

    new["info"]["version"] = "0.3.0"
    report = update_snapshots({"registry": new}, directory, changelog)
    assert report.ok() and report.written == ["registry"]
    assert json.loads((directory / "registry.json").read_text(encoding="utf-8")) == new
    text = changelog.read_text(encoding="utf-8")
    assert changelog_versions(text)["registry"] == ["0.3.0", "0.2.0"]
    section = text.split("### 0.3.0")[1].split("### 0.2.0")[0]
    assert "- **breaking** `DELETE /v1/experts/{expert_id}`: removed" in section


def test_a_compatible_change_gets_its_line_without_a_bump(tmp_path):
    directory, changelog = tmp_path / "api", tmp_path / "CHANGELOG.md"
    directory.mkdir()
    old = snapshot("results")
    (directory / "results.json").write_text(json.dumps(old), encoding="utf-8")
    changelog.write_text("# Changelog\n", encoding="utf-8")
    new = copy.deepcopy(old)
    new["paths"]["/v1/findings"] = {"get": {"operationId": "findings-list", "tags": ["findings"], "responses": {}}}

    report = update_snapshots({"results": new}, directory, changelog)
    assert report.ok() and report.lines["results"] == ["- `GET /v1/findings`: added (`findings-list`)"]
    from results import API_VERSION

    assert f"## results\n\n### {API_VERSION}\n\n- `GET /v1/findings`: added (`findings-list`)\n" in changelog.read_text(
        encoding="utf-8"
    )
    again = update_snapshots({"results": new}, directory, changelog)  # run twice: nothing more
    assert again.unchanged == ["results"] and changelog.read_text(encoding="utf-8").count("findings-list") == 1


def test_changelog_lines_go_under_their_service_and_version():
    text = "# Changelog\n\nIntro.\n\n## registry\n\n### 0.2.0\n\n- old line\n\n## planning\n\n### 0.2.0\n\n- p\n"
    text = add_to_changelog(text, "registry", "0.2.0", ["- new line"])
    text = add_to_changelog(text, "registry", "0.3.0", ["- newer"])
    text = add_to_changelog(text, "audit", "0.2.0", ["- a"])
    assert changelog_versions(text) == {"registry": ["0.3.0", "0.2.0"], "planning": ["0.2.0"], "audit": ["0.2.0"]}
    assert "### 0.2.0\n\n- old line\n- new line\n\n## planning" in text
    assert "## registry\n\n### 0.3.0\n\n- newer\n\n### 0.2.0" in text
