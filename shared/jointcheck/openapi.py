"""The OpenAPI document every service serves, written once for all of them.

Integrators generate clients from it and the ops team works from its pages, so what it says
is decided here, not route by route:

* **Tags** are ASCII names registered in :data:`TAGS` (a new tag is one line there: name →
  Chinese name, what it holds); the document lists the tags its routes use, each with its
  Chinese name and description. A router says ``tags=["entities"]``.
* **Operation ids** are short and stable: ``<tag>-<action>``, the action being the route
  function's name without the tag's noun (``get_entity`` under ``entities`` →
  ``entities-get``, ``entity_history`` → ``entities-history``). Every service's app gets the
  rule from ``create_service_app``; a route may still give ``operation_id=`` itself.
* **Who may call** each route is read from the route's own role dependency
  (``jointcheck.auth.require_roles`` and its aliases ``Admin``/``Writer``/``Reader``), so it
  cannot drift from what the code enforces, plus the narrower rule a route declares with
  ``openapi_extra=access_rule(en, zh)``; both are appended to the route's description and
  given machine-readably as ``x-access``.
* **Generated clients** come out clean: a component that only names another is replaced by it.
* **Problem types** with members of their own (``jointcheck.errors.Problem`` subclasses) are
  in the components of every document whose routes come from their package, besides the
  platform's own; routes name the ones they answer with ``problem_responses(..., problems=)``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import fastapi.routing
from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from jointcheck.auth import current_user
from jointcheck.errors import PROBLEM_TYPES, FieldError, Problem, problem_responses

#: Every tag a route may use: ASCII name → (Chinese name, what its routes do). One line per tag;
#: the order here is the order of the pages.
TAGS: dict[str, tuple[str, str]] = {
    "departments": ("部门", "The county's departments and their codes, which every other record names."),
    "entities": ("市场主体", "Market entities with full history: CRUD, bulk import and export, credit classes."),
    "inspectors": ("执法检查人员", "Enforcement inspectors: the pool a teams draw takes from."),
    "experts": ("专家库", "Experts: the pool an experts draw takes from."),
    "recusals": ("回避", "Declared recusals: pairs of inspector and entity a team draw must avoid."),
    "frames": ("抽取底册", "The canonical draw-v1 input files (frames) as of any registry version."),
    "platform-sync": ("协同监管平台同步", "Pulling the collaborative supervision platform's change feed."),
    "items": ("抽查事项", "Check items of each department (versioned)."),
    "checklists": ("行业统一检查单", "Industry checklists joining several departments' items (versioned)."),
    "plans": ("年度抽查计划", "Annual plans: draft, filed, published."),
    "tasks": ("联合抽查任务", "Joint inspection tasks: scope, sampling and team rules, state, preview."),
    "draws": ("抽取", "Draws: gather, freeze, register with audit, entropy, execute; results and bundles."),
    "inspections": ("检查", "Inspections of drawn entities: teams, visits, findings, submission and review."),
    "result-categories": ("结果类别", "The dictionary of result categories findings are given."),
    "publications": ("公示", "Publication records of approved inspections, sent to GSXT."),
    "calendars": ("节假日安排", "Holiday calendars of years the chinesecalendar package does not know; due dates."),
    "followups": ("后续处置", "Follow-up cases of non-compliant findings: transfer, deadline, closure."),
    "announcements": ("抽取公告登记", "The register of draw announcements, receipted before entropy."),
    "replays": ("抽取复核", "Independent replays of executed draws and their verdicts."),
    "audit-log": ("审计日志", "The hash-chained audit log and its verification."),
    "reports": ("督查报告", "The year's oversight report, and each service's year summary that feeds it."),
    "public": ("公开", "What anyone may read without a token: published plans, draws, announcements."),
    "ops": ("运维", "Liveness, readiness, metrics, dependency health and the outbox's dead letters."),
    "internal": ("内部接口", "Events between services (the outbox's delivery)."),
    "emulator": ("模拟器", "Development only: the GSXT emulator's own controls and stand-in endpoints."),
}
TAG_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
#: Words an operation id leaves out of the route function's name.
_FILLER = frozenset({"route", "endpoint", "handler"})

ROLE_NAMES_ZH = {
    "admin": "管理员（联席会议办公室）",
    "officer": "部门执法人员",
    "inspector": "检查人员",
    "auditor": "审计监督人员",
    "service": "内部服务",
}
ROLE_ORDER = tuple(ROLE_NAMES_ZH)


def tag_name(tag: object) -> str:
    """The ASCII name of a tag as routes give it (a bilingual ``"x / 中文"`` tag: its ASCII half)."""
    text = str(getattr(tag, "value", tag)).split(" / ")[0].strip().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "default"


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def operation_id(route: Any) -> str:
    """``<tag>-<action>``: the first tag, then the route function's name without the tag's words
    (``list_entities`` under ``entities`` → ``entities-list``). FastAPI's
    ``generate_unique_id_function`` for every service (``create_service_app``)."""
    tag = tag_name(route.tags[0]) if route.tags else "default"
    nouns = {form for word in tag.split("-") for form in (word, _singular(word))}
    words = [w for w in route.endpoint.__name__.lower().split("_") if w and w not in nouns and w not in _FILLER]
    return "-".join([tag, *words])


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route of ``app`` as served (with the prefix, tags and dependencies of the routers
    it was included through)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:  # FastAPI before lazily included routers
        yield from (r for r in app.routes if isinstance(r, APIRoute))
        return
    for context in contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def roles_of(route: Any) -> frozenset[str] | None:
    """Who the route's own dependencies let in: the roles of its role check (the intersection,
    if it has several), every role if it only authenticates, ``None`` if it needs no token."""
    allowed: frozenset[str] | None = None
    authenticated = False
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        roles = getattr(dep.call, "allowed_roles", None)
        if roles is not None:
            allowed = frozenset(roles) if allowed is None else allowed & frozenset(roles)
        if dep.call is current_user:
            authenticated = True
        stack.extend(dep.dependencies)
    if allowed is None and authenticated:
        return frozenset(ROLE_ORDER)
    return allowed


def who_may_call(roles: frozenset[str] | None, rule: str = "", rule_zh: str = "") -> str:
    """The sentence every route's description ends with."""
    if roles is None:
        who = "anyone, no token needed / 任何人，无需令牌"
    else:
        ordered = [r for r in ROLE_ORDER if r in roles] + sorted(roles - set(ROLE_ORDER))
        who = ", ".join(f"`{r}`" for r in ordered) + " / " + "、".join(ROLE_NAMES_ZH.get(r, r) for r in ordered)
    text = f"**Who may call / 调用权限:** {who}."
    if rule:
        text += f" Narrower rule: {rule}. / 限定：{rule_zh or rule}。"
    return text


def _describe_access(doc: dict[str, Any], routes: list[Any]) -> None:
    for route in routes:
        if not route.include_in_schema:
            continue
        roles = roles_of(route)
        for method in route.methods:
            op = doc["paths"].get(route.path_format, {}).get(method.lower())
            if op is None:
                continue
            declared = op.get("x-access", {})
            rule, rule_zh = declared.get("rule", ""), declared.get("rule_zh", "")
            op["x-access"] = {
                "roles": [] if roles is None else [r for r in ROLE_ORDER if r in roles],
                "token": roles is not None,
                "rule": rule,
                "rule_zh": rule_zh,
            }
            sentence = who_may_call(roles, rule, rule_zh)
            op["description"] = f"{op['description']}\n\n{sentence}" if op.get("description") else sentence


def _tags(doc: dict[str, Any]) -> None:
    used: list[str] = []
    for ops in doc["paths"].values():
        for op in ops.values():
            for tag in op.get("tags", []):
                if tag not in used:
                    used.append(tag)
    order = {name: i for i, name in enumerate(TAGS)}
    doc["tags"] = [
        {"name": t, "description": f"{TAGS[t][0]} / {TAGS[t][1]}", "x-displayName": f"{t} · {TAGS[t][0]}"}
        if t in TAGS
        else {"name": t}
        for t in sorted(used, key=lambda t: (order.get(t, len(order)), t))
    ]


def problem_types_for(packages: set[str]) -> list[type[Problem]]:
    """The problem types of the platform and of ``packages`` (top-level package names)."""
    return [p for p in PROBLEM_TYPES.values() if p.__module__.split(".")[0] in packages | {"jointcheck"}]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rsplit("/", 1)[-1]
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _problems(doc: dict[str, Any], packages: set[str]) -> None:
    models: list[type[Any]] = [Problem, FieldError, *problem_types_for(packages)]
    referenced = set(_refs(doc["paths"]))
    models += [p for name, p in PROBLEM_TYPES.items() if name in referenced and p not in models]
    _, defs = models_json_schema([(m, "serialization") for m in models], ref_template="#/components/schemas/{model}")
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in sorted(defs.get("$defs", {}).items()):
        schemas.setdefault(name, schema)


def _without_aliases(doc: dict[str, Any]) -> None:
    """A component that is only a reference to another (a model serialised as another type, like
    ``SamplingRule`` as ``DrawRule``) is replaced by what it names: client generators refuse such
    aliases (openapi-python-client drops every schema using one)."""
    schemas = doc.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    aliases = {
        name: schema["$ref"]
        for name, schema in schemas.items()
        if set(schema) == {"$ref"} and schema["$ref"].startswith(prefix)
    }
    if not aliases:
        return

    def target(ref: str) -> str:
        seen = set()
        while ref.startswith(prefix) and ref[len(prefix) :] in aliases and ref not in seen:
            seen.add(ref)
            ref = aliases[ref[len(prefix) :]]
        return ref

    def rewrite(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                node["$ref"] = target(ref)
            for value in node.values():
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    for name in aliases:
        del schemas[name]
    rewrite(doc)


def _validation_problems(doc: dict[str, Any]) -> None:
    """FastAPI documents a route's 422 as its own ``HTTPValidationError`` JSON; every service answers a
    problem+json listing every field instead (``jointcheck.errors``), so the document says that."""
    problem = problem_responses(422)[422]
    for ops in doc["paths"].values():
        for op in ops.values():
            content = op.get("responses", {}).get("422", {}).get("content", {})
            if "application/json" in content and "HTTPValidationError" in str(content["application/json"]):
                op["responses"]["422"] = copy.deepcopy(problem)
    schemas = doc.get("components", {}).get("schemas", {})
    if "HTTPValidationError" in schemas and "HTTPValidationError" not in set(_refs(doc["paths"])):
        del schemas["HTTPValidationError"]
        if "ValidationError" not in set(_refs(doc)):
            schemas.pop("ValidationError", None)


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The document ``/openapi.json`` serves (built once; ``servers`` is added per request)."""
    if app.openapi_schema:
        return app.openapi_schema
    routes = list(api_routes(app))
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    _describe_access(doc, routes)
    _validation_problems(doc)
    _tags(doc)
    packages = {route.endpoint.__module__.split(".")[0] for route in routes}
    _problems(doc, packages)
    _without_aliases(doc)
    app.openapi_schema = doc
    return doc


def query_parameters(dependency: Any) -> list[dict[str, Any]]:
    """The OpenAPI parameter objects FastAPI writes for ``dependency``'s parameters.

    For a route that reads some query parameters itself (``request.query_params``: FastAPI
    parses every declared parameter on every request, a cost per parameter even when absent)
    but documents them as if declared: ``openapi_extra={"parameters": query_parameters(f)}``
    with ``f`` the signature they would have had. Schemas they name (enums) must be components
    of the document anyway."""
    probe = FastAPI()
    probe.get("/", dependencies=[Depends(dependency)])(_probe)
    doc = get_openapi(title="probe", version="0", routes=probe.routes)
    return doc["paths"]["/"]["get"].get("parameters", [])


async def _probe() -> None:
    return None


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` build the document as described above."""
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]


__all__ = [
    "ROLE_NAMES_ZH",
    "TAGS",
    "TAG_NAME",
    "api_routes",
    "build_openapi",
    "install_openapi",
    "operation_id",
    "problem_types_for",
    "query_parameters",
    "roles_of",
    "tag_name",
    "who_may_call",
]
