"""Every problem type with members of its own has its own schema, with those members, in the
OpenAPI document of the service that raises it (issue 16: the 422 ``import_rejected`` carried
``rows``, ``rejected`` and ``errors[]`` that no schema showed).

The raises are read from the source: each ``DomainError`` subclass called with ``extra=`` or
``errors=`` (and ``InvalidState``, which always carries ``current_state``), its ``code`` and its
members. A raise in ``shared/`` must be covered in every service's document.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jcdev.services import SERVICE_NAMES
from jointcheck import errors
from jointcheck.http import ServiceCallError

from .conftest import document

ROOT = Path(__file__).resolve().parents[2]
#: Default codes of the error classes raised with members (``code=`` overrides them).
DEFAULT_CODES = {
    cls.__name__: cls.code
    for cls in (
        errors.DomainError,
        errors.BadRequest,
        errors.Unauthorized,
        errors.Forbidden,
        errors.NotFound,
        errors.Conflict,
        errors.InvalidState,
        errors.PreconditionFailed,
        errors.PreconditionRequired,
        errors.UnprocessableEntity,
        errors.UpstreamUnavailable,
        errors.PayloadTooLarge,
        ServiceCallError,
    )
}
#: Members every problem has (``errors`` is the base `Problem`'s list of refused inputs).
BASE_MEMBERS = set(errors.Problem.model_fields)


@dataclass(frozen=True)
class Raise:
    where: str
    code: str
    members: frozenset[str]


def raises_with_members(path: Path) -> list[Raise]:
    out = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in DEFAULT_CODES:
            continue
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        members: set[str] = set()
        if isinstance(kw.get("extra"), ast.Dict):
            members |= {k.value for k in kw["extra"].keys if isinstance(k, ast.Constant)}
        if "errors" in kw:
            members.add("errors")
        if name == "InvalidState":
            members.add("current_state")
        if not members:
            continue
        code = kw["code"].value if isinstance(kw.get("code"), ast.Constant) else DEFAULT_CODES[name]
        if "code" in kw and not isinstance(kw["code"], ast.Constant):
            code = "*"  # a code passed through (jointcheck.errors' own helpers): checked where it is given
        out.append(Raise(f"{path.relative_to(ROOT)}:{node.lineno}", code, frozenset(members)))
    return out


def sources(service: str) -> list[Path]:
    return [p for p in (ROOT / "services" / service / service).rglob("*.py") if "migrations" not in p.parts]


def problem_schemas(doc: dict[str, Any]) -> dict[str, tuple[set[str], set[str]]]:
    """Each problem schema of ``doc``: the codes it describes and its members."""
    out = {}
    for name, schema in doc["components"]["schemas"].items():
        props = schema.get("properties", {})
        code = props.get("code", {})
        codes = set(code.get("enum", [])) | ({code["const"]} if "const" in code else set())
        if name.endswith("Problem") and codes:
            out[name] = (codes, set(props))
    return out


def uncovered(raises: list[Raise], doc: dict[str, Any], package: str) -> list[str]:
    schemas = problem_schemas(doc)
    out = []
    for r in raises:
        extra = r.members - BASE_MEMBERS
        if not extra or r.code == "*":
            continue
        if any(r.code in codes and r.members <= props for codes, props in schemas.values()):
            continue
        out.append(
            f"{r.where} raises `{r.code}` with members {sorted(r.members)} that no problem schema of the document "
            f"shows. Declare in {package}/problems.py `class SomethingProblem(Problem)` (jointcheck.errors) with "
            f'`code: Literal["{r.code}"]`, `answers = (<status>,)`, a field per member and '
            "`model_config = problem_examples({...})`; name it in the route's problem_responses(..., problems=(...))"
        )
    return out


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_problem_with_members_has_its_schema(service):
    doc = document(service)
    own = [r for p in sources(service) for r in raises_with_members(p)]
    platform = [r for p in (ROOT / "shared" / "jointcheck").rglob("*.py") for r in raises_with_members(p)]
    assert own or service == "results"  # the scan finds what it is meant to
    missing = uncovered(own, doc, f"services/{service}/{service}") + uncovered(platform, doc, "shared/jointcheck")
    assert not missing, "\n".join(missing)


def test_the_scan_sees_the_problems_of_the_issue():
    raises = [r for p in sources("registry") for r in raises_with_members(p)]
    rejected = [r for r in raises if r.code == "import_rejected"]
    assert rejected and rejected[0].members == {"rows", "rejected", "errors", "errors_total"}
    doc = document("registry")
    assert not uncovered(rejected, doc, "registry")
    # without its schema it would be reported, with what to add
    bare = {**doc, "components": {"schemas": {"Problem": doc["components"]["schemas"]["Problem"]}}}
    (message,) = uncovered(rejected, bare, "services/registry/registry")
    assert 'code: Literal["import_rejected"]' in message and "problem_responses" in message
    schema = doc["components"]["schemas"]["ImportRejectedProblem"]
    row = doc["components"]["schemas"][schema["properties"]["errors"]["items"]["$ref"].rsplit("/", 1)[-1]]
    assert {"line", "field", "value", "reason", "reason_zh"} <= set(row["properties"])
    assert "header is line 1" in row["properties"]["line"]["description"]
    route = doc["paths"]["/v1/entities/import"]["post"]["responses"]["422"]
    refs = {m["$ref"].rsplit("/", 1)[-1] for m in route["content"]["application/problem+json"]["schema"]["anyOf"]}
    assert {"ImportRejectedProblem", "ImportLimitExceededProblem", "Problem"} <= refs
