"""The API contract of each service: its OpenAPI document, kept in ``docs/api/<service>.json``.

Other government systems generate clients from these documents, so every change to one is a
reviewed change: ``tests/api/test_contract.py`` fails when a served document differs from its
snapshot, and ``make api-snapshot`` (``python -m jcdev api-snapshot``) rewrites the snapshots,
adding one line per change to ``CHANGELOG.md`` under the service's API version. A **breaking**
change — a route, parameter or field removed, a type narrowed, a new required input, a role no
longer admitted, an operation id or tag changed (generated clients name their functions and
modules after them) — is refused unless the service's ``API_VERSION`` (``<service>/__init__.py``)
was bumped: the minor version while it is 0.x, the major version from 1.0 on.

Changes to descriptions, summaries and examples are documentation: the snapshot is rewritten,
no changelog line is needed.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from jcdev.services import SERVICE_NAMES

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


# --------------------------------------------------------------------------- the served documents


def served_document(service: str) -> dict[str, Any]:
    """What ``GET /openapi.json`` answers for ``service`` (built without a database: engines are lazy)."""
    config = importlib.import_module(f"{service}.config")
    values: dict[str, Any] = {
        "environment": "development",
        "database_url": "postgresql+asyncpg://snapshot@127.0.0.1:1/snapshot",
        "outbox_enabled": False,
        "log_level": "WARNING",
    }
    if service == "audit":
        values["scheduler_enabled"] = False
    app = importlib.import_module(f"{service}.main").create_app(config.Settings(**values))

    async def fetch() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://snapshot") as client:
            response = await client.get("/openapi.json")
            response.raise_for_status()
            return response.json()

    return asyncio.run(fetch())


def api_version_file(service: str) -> str:
    return f"services/{service}/{service}/__init__.py"


# --------------------------------------------------------------------------- what changed


@dataclass(frozen=True)
class Change:
    """One change of a contract. ``breaking`` ones need a version bump; ``docs`` ones no changelog line."""

    where: str
    what: str
    breaking: bool = False
    docs: bool = False

    def line(self) -> str:
        return f"{'**breaking** ' if self.breaking else ''}{self.where}: {self.what}"


def _operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": op
        for path, ops in doc.get("paths", {}).items()
        for method, op in ops.items()
        if method in HTTP_METHODS
    }


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield _ref_name(value)
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(doc: dict[str, Any], roots: Iterator[str]) -> set[str]:
    schemas = doc.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name]))
    return seen


def schema_usage(doc: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The component schemas requests use (bodies, parameters) and those responses use."""
    inputs: list[str] = []
    outputs: list[str] = []
    for op in _operations(doc).values():
        inputs += [*_refs(op.get("requestBody", {})), *_refs(op.get("parameters", []))]
        outputs += _refs(op.get("responses", {}))
    return _reachable(doc, iter(inputs)), _reachable(doc, iter(outputs))


def _types(schema: dict[str, Any]) -> set[str]:
    """What kinds of values a schema node admits: JSON types, referenced schemas, or everything."""
    if "$ref" in schema:
        return {"ref:" + _ref_name(schema["$ref"])}
    out: set[str] = set()
    for key in ("anyOf", "oneOf"):
        for member in schema.get(key, []):
            out |= _types(member)
    kind = schema.get("type")
    if isinstance(kind, list):
        out |= set(kind)
    elif isinstance(kind, str):
        out.add(kind)
    if "allOf" in schema and not out:
        for member in schema["allOf"]:
            out |= _types(member)
    if not out and ("enum" in schema or "const" in schema):
        out |= {type(v).__name__ for v in schema.get("enum", [schema.get("const")])}
    return out or {"any"}


_UPPER = ("maxLength", "maxItems", "maximum", "exclusiveMaximum", "maxProperties")
_LOWER = ("minLength", "minItems", "minimum", "exclusiveMinimum", "minProperties")


def narrowing(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """How ``new`` admits fewer values than ``old`` (empty: it admits at least as many)."""
    out: list[str] = []
    lost = _types(old) - _types(new)
    if lost and "any" not in _types(new):
        out.append(f"no longer admits {', '.join(sorted(lost))} (now {', '.join(sorted(_types(new)))})")
    old_enum, new_enum = _enum(old), _enum(new)
    if new_enum is not None and (old_enum is None or old_enum - new_enum):
        gone = sorted(map(str, (old_enum or set()) - new_enum))
        out.append(f"values removed: {', '.join(gone)}" if gone else "now limited to listed values")
    for key in _UPPER:
        if key in new and (key not in old or new[key] < old[key]):
            out.append(f"{key} {old.get(key, 'none')} → {new[key]}")
    for key in _LOWER:
        if key in new and (key not in old or new[key] > old[key]):
            out.append(f"{key} {old.get(key, 'none')} → {new[key]}")
    for key in ("pattern", "format"):
        if key in new and new.get(key) != old.get(key):
            out.append(f"{key} {old.get(key, 'none')} → {new[key]}")
    if old.get("additionalProperties", True) is not False and new.get("additionalProperties", True) is False:
        out.append("no longer admits other properties")
    old_items, new_items = _member(old, "items"), _member(new, "items")
    if old_items is not None and new_items is not None:
        out += [f"items: {n}" for n in narrowing(old_items, new_items)]
    return out


def _enum(schema: dict[str, Any]) -> set[Any] | None:
    values: set[Any] = set()
    found = False
    for node in [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]:
        if "enum" in node:
            values |= {json.dumps(v) for v in node["enum"]}
            found = True
        elif "const" in node:
            values.add(json.dumps(node["const"]))
            found = True
        elif node is not schema and node.get("type") not in (None, "null"):
            return None  # another member admits values outside any enum
    return values if found else None


def _member(schema: dict[str, Any], key: str) -> dict[str, Any] | None:
    if key in schema:
        return schema[key]
    for member in schema.get("anyOf", []):
        if key in member:
            return member[key]
    return None


def _compare_schema(
    name: str, old: dict[str, Any], new: dict[str, Any], *, is_input: bool, is_output: bool
) -> list[Change]:
    where = f"schema `{name}`"
    out = [Change(where, f"narrowed: {n}", breaking=True) for n in narrowing(old, new)]
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for prop in sorted(old_props.keys() - new_props.keys()):
        out.append(Change(where, f"field `{prop}` removed", breaking=True))
    for prop in sorted(new_props.keys() - old_props.keys()):
        required = prop in new_req and is_input
        out.append(
            Change(where, f"field `{prop}` added{' (required in requests)' if required else ''}", breaking=required)
        )
    for prop in sorted(old_props.keys() & new_props.keys()):
        o, n = old_props[prop], new_props[prop]
        for what in narrowing(o, n):
            out.append(Change(where, f"field `{prop}` narrowed: {what}", breaking=True))
        if is_output:
            for what in narrowing(n, o):
                out.append(Change(where, f"field `{prop}` may now hold other values: {what}", breaking=False))
        if prop in new_req and prop not in old_req and is_input:
            out.append(Change(where, f"field `{prop}` now required", breaking=True))
        if prop in old_req and prop not in new_req and is_output:
            out.append(Change(where, f"field `{prop}` may now be absent", breaking=True))
        if n.get("deprecated") and not o.get("deprecated"):
            out.append(Change(where, f"field `{prop}` deprecated"))
    rest_old = {k: v for k, v in old.items() if k not in ("properties", "required")}
    rest_new = {k: v for k, v in new.items() if k not in ("properties", "required")}
    if not out and (rest_old != rest_new or old_props != new_props):
        out.append(Change(where, "documentation", docs=True))
    return out


def _params(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{p.get('in')} parameter `{p.get('name')}`": p for p in op.get("parameters", [])}


def _compare_operation(key: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    where = f"`{key}`"
    out: list[Change] = []
    if old.get("operationId") != new.get("operationId"):
        out.append(
            Change(where, f"operation id `{old.get('operationId')}` → `{new.get('operationId')}`", breaking=True)
        )
    if old.get("tags") != new.get("tags"):
        out.append(Change(where, f"tags {old.get('tags')} → {new.get('tags')}", breaking=True))
    if new.get("deprecated") and not old.get("deprecated"):
        out.append(Change(where, "deprecated"))
    old_params, new_params = _params(old), _params(new)
    for name in sorted(old_params.keys() - new_params.keys()):
        out.append(Change(where, f"{name} removed", breaking=True))
    for name in sorted(new_params.keys() - old_params.keys()):
        required = bool(new_params[name].get("required"))
        out.append(Change(where, f"{name} added{' (required)' if required else ''}", breaking=required))
    for name in sorted(old_params.keys() & new_params.keys()):
        o, n = old_params[name], new_params[name]
        if n.get("required") and not o.get("required"):
            out.append(Change(where, f"{name} now required", breaking=True))
        for what in narrowing(o.get("schema", {}), n.get("schema", {})):
            out.append(Change(where, f"{name} narrowed: {what}", breaking=True))
        if n.get("deprecated") and not o.get("deprecated"):
            out.append(Change(where, f"{name} deprecated"))
    old_body, new_body = old.get("requestBody"), new.get("requestBody")
    if old_body and not new_body:
        out.append(Change(where, "request body removed", breaking=True))
    elif new_body and not old_body:
        out.append(Change(where, "request body added", breaking=bool(new_body.get("required"))))
    elif old_body and new_body:
        if new_body.get("required") and not old_body.get("required"):
            out.append(Change(where, "request body now required", breaking=True))
        for media in sorted(old_body.get("content", {}).keys() - new_body.get("content", {}).keys()):
            out.append(Change(where, f"request body no longer accepts {media}", breaking=True))
        for media in sorted(old_body.get("content", {}).keys() & new_body.get("content", {}).keys()):
            o, n = old_body["content"][media].get("schema", {}), new_body["content"][media].get("schema", {})
            for what in narrowing(o, n):
                out.append(Change(where, f"request body narrowed: {what}", breaking=True))
    old_resp, new_resp = old.get("responses", {}), new.get("responses", {})
    for status in sorted(old_resp.keys() - new_resp.keys()):
        out.append(Change(where, f"response {status} removed", breaking=status.startswith("2")))
    for status in sorted(new_resp.keys() - old_resp.keys()):
        out.append(Change(where, f"response {status} added", breaking=status.startswith("2")))
    for status in sorted(old_resp.keys() & new_resp.keys()):
        o, n = old_resp[status].get("content", {}), new_resp[status].get("content", {})
        for media in sorted(o.keys() - n.keys()):
            out.append(Change(where, f"response {status} no longer {media}", breaking=True))
        for media in sorted(o.keys() & n.keys()):
            if o[media].get("schema") != n[media].get("schema"):
                out.append(Change(where, f"response {status} ({media}) schema changed", breaking=False))
    old_access, new_access = old.get("x-access", {}), new.get("x-access", {})
    lost = set(old_access.get("roles", [])) - set(new_access.get("roles", []))
    if lost or (new_access.get("token") and not old_access.get("token")):
        out.append(Change(where, f"no longer admits {', '.join(sorted(lost)) or 'callers without a token'}", True))
    gained = set(new_access.get("roles", [])) - set(old_access.get("roles", []))
    if gained:
        out.append(Change(where, f"now admits {', '.join(sorted(gained))}"))
    if old_access.get("rule") != new_access.get("rule"):
        out.append(Change(where, f"access rule: {new_access.get('rule') or 'none'}"))
    if not out and old != new:
        out.append(Change(where, "documentation", docs=True))
    return out


def contract_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ``old`` to ``new`` (two OpenAPI documents of one service)."""
    out: list[Change] = []
    old_ops, new_ops = _operations(old), _operations(new)
    for key in sorted(old_ops.keys() - new_ops.keys()):
        out.append(Change(f"`{key}`", f"removed (was `{old_ops[key].get('operationId')}`)", breaking=True))
    for key in sorted(new_ops.keys() - old_ops.keys()):
        out.append(Change(f"`{key}`", f"added (`{new_ops[key].get('operationId')}`)"))
    for key in sorted(old_ops.keys() & new_ops.keys()):
        out += _compare_operation(key, old_ops[key], new_ops[key])
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    inputs, outputs = schema_usage(new)
    old_inputs, old_outputs = schema_usage(old)
    for name in sorted(old_schemas.keys() - new_schemas.keys()):
        out.append(Change(f"schema `{name}`", "removed", breaking=name in old_inputs | old_outputs))
    for name in sorted(new_schemas.keys() - old_schemas.keys()):
        out.append(Change(f"schema `{name}`", "added"))
    for name in sorted(old_schemas.keys() & new_schemas.keys()):
        if old_schemas[name] != new_schemas[name]:
            out += _compare_schema(
                name, old_schemas[name], new_schemas[name], is_input=name in inputs, is_output=name in outputs
            )
    old_version, new_version = old.get("info", {}).get("version"), new.get("info", {}).get("version")
    if old_version != new_version:
        out.append(Change("version", f"{old_version} → {new_version}", docs=True))
    others = {k: v for k, v in new.items() if k not in ("paths", "components")}
    if not out and others != {k: v for k, v in old.items() if k not in ("paths", "components")}:
        out.append(Change("document", "documentation", docs=True))
    return out


# --------------------------------------------------------------------------- versions


def _version(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]]
    return (*parts, *[0] * (3 - len(parts)))  # type: ignore[return-value]


def breaking_bump(version: str) -> str:
    """The least version a breaking change of ``version`` may ship in."""
    major, minor, _ = _version(version)
    return f"{major + 1}.0.0" if major >= 1 else f"0.{minor + 1}.0"


def bumped_for_breaking(old: str, new: str) -> bool:
    return _version(new) >= _version(breaking_bump(old))


# --------------------------------------------------------------------------- the changelog


def add_to_changelog(text: str, service: str, version: str, lines: list[str]) -> str:
    """``text`` with ``lines`` (``- …``) under ``## <service>`` / ``### <version>``, newest version first."""
    rows = text.rstrip("\n").split("\n")
    head = f"## {service}"
    if head not in rows:
        rows += ["", head]
    start = rows.index(head)
    end = next((i for i in range(start + 1, len(rows)) if rows[i].startswith("## ")), len(rows))
    sub = f"### {version}"
    if sub not in rows[start:end]:
        rows[start + 1 : start + 1] = ["", sub]
        end += 2
    at = rows.index(sub, start)
    stop = next((i for i in range(at + 1, end) if rows[i].startswith("#")), end)
    while stop > at + 1 and not rows[stop - 1].strip():
        stop -= 1
    existing = set(rows[at:stop])
    new = [line for line in lines if line not in existing]
    block = ([""] if stop == at + 1 else []) + new
    rows[stop:stop] = block
    return "\n".join(rows) + "\n"


def changelog_versions(text: str) -> dict[str, list[str]]:
    """The versions CHANGELOG.md has a section for, by service."""
    out: dict[str, list[str]] = {}
    service = None
    for row in text.split("\n"):
        if row.startswith("## "):
            service = row[3:].strip()
            out.setdefault(service, [])
        elif row.startswith("### ") and service is not None:
            out[service].append(row[4:].strip())
    return out


# --------------------------------------------------------------------------- the snapshots


@dataclass
class SnapshotReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)

    def ok(self) -> bool:
        return not self.refused


def snapshot_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def update_snapshots(documents: dict[str, dict[str, Any]], directory: Path, changelog: Path) -> SnapshotReport:
    """Write each service's document to ``directory/<service>.json`` and a line per change to
    ``changelog``; a service with a breaking change and no version bump is refused (left as it was)."""
    report = SnapshotReport()
    text = changelog.read_text(encoding="utf-8") if changelog.exists() else "# Changelog\n"
    directory.mkdir(parents=True, exist_ok=True)
    for service, new in documents.items():
        path = directory / f"{service}.json"
        version = new.get("info", {}).get("version", "0")
        if path.exists():
            old = json.loads(path.read_text(encoding="utf-8"))
            if old == new:
                report.unchanged.append(service)
                continue
            changes = contract_changes(old, new)
            breaking = [c for c in changes if c.breaking]
            old_version = old.get("info", {}).get("version", "0")
            if breaking and not bumped_for_breaking(old_version, version):
                report.refused[service] = [
                    f"{service}: breaking changes need API_VERSION {breaking_bump(old_version)} or later "
                    f"in {api_version_file(service)} (it is {version}):",
                    *(f"  {c.line()}" for c in breaking),
                ]
                continue
            lines = [f"- {c.line()}" for c in changes if not c.docs]
        else:
            lines = [f"- The contract is kept in `docs/api/{service}.json` from this version on."]
        if lines:
            text = add_to_changelog(text, service, version, lines)
            report.lines[service] = lines
        path.write_text(snapshot_text(new), encoding="utf-8")
        report.written.append(service)
    changelog.write_text(text, encoding="utf-8")
    return report


def snapshot_services(directory: Path, changelog: Path, services: tuple[str, ...] = SERVICE_NAMES) -> SnapshotReport:
    """``make api-snapshot``: the served documents → snapshots and changelog lines."""
    return update_snapshots({s: served_document(s) for s in services}, directory, changelog)
