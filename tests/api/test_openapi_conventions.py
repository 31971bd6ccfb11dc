"""What every service's OpenAPI document holds, for every route — including routes added later.

Integrators generate clients from these documents and the ops team works from their pages, so:
ASCII tags registered in one place with their Chinese names, short unique operation ids, an example
for every request body and every problem type, and who may call each route. Each check returns what
is missing, saying what to add and where; the last test shows the checks catch a route added
without any of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import APIRouter
from pydantic import BaseModel, TypeAdapter

import registry
from jcdev.testing import service_settings
from jointcheck.app import create_service_app
from jointcheck.auth import Writer
from jointcheck.errors import PROBLEM_TYPES
from jointcheck.openapi import TAG_NAME, TAGS, api_routes, operation_id, roles_of, tag_name, who_may_call

from .conftest import DOCUMENTED, UNUSED_DB, built_app

OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MAX_OPERATION_ID = 48

Check = Callable[[Any, dict[str, Any]], list[str]]


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def documented_routes(app: Any, doc: dict[str, Any]) -> list[tuple[Any, str, dict[str, Any]]]:
    return [
        (route, method, doc["paths"][route.path_format][method.lower()])
        for route in api_routes(app)
        if route.include_in_schema
        for method in sorted(route.methods)
    ]


def tags_missing(app: Any, doc: dict[str, Any]) -> list[str]:
    out = []
    for method, path, op in operations(doc):
        if not op.get("tags"):
            out.append(f"{method} {path} has no tag: give its router tags=[...] with a tag of jointcheck.openapi.TAGS")
        for tag in op.get("tags", []):
            if not (TAG_NAME.match(tag) and tag in TAGS):
                name = re.sub(r"[^a-z0-9]+", "-", tag.split(" / ")[0].lower()).strip("-")
                out.append(
                    f"{method} {path}: tag {tag!r} is not registered. Tags are ASCII (lower case, words joined "
                    f"by -): add one line to TAGS in shared/jointcheck/openapi.py, "
                    f'"{name}": ("中文名", "what its routes do"), and say tags=["{name}"] in the router'
                )
    out += [f"tag {t['name']!r} has no description" for t in doc.get("tags", []) if not t.get("description")]
    return out


def operation_ids_wrong(app: Any, doc: dict[str, Any]) -> list[str]:
    out, seen = [], {}
    for route, method, op in documented_routes(app, doc):
        oid, tag = op["operationId"], (op.get("tags") or ["default"])[0]
        where = f"{method} {route.path_format} (`{route.endpoint.__name__}` in {route.endpoint.__module__})"
        if not (OPERATION_ID.match(oid) and len(oid) <= MAX_OPERATION_ID and oid.startswith(tag_name(tag))):
            out.append(
                f"{where}: operation id {oid!r} is not `<tag>-<action>` in lower case within "
                f"{MAX_OPERATION_ID} characters: rename the route function or give the route operation_id="
            )
        if route.operation_id is None and oid != operation_id(route):
            out.append(f"{where}: operation id {oid!r} is not the factory's rule ({operation_id(route)!r})")
        if oid in seen:
            out.append(
                f"{where} and {seen[oid]} share the operation id {oid!r} (`<tag>-<function name without the tag's "
                "words>`): rename one route function, or give it operation_id="
            )
        seen[oid] = f"{method} {route.path_format}"
    return out


def body_examples_missing(app: Any, doc: dict[str, Any]) -> list[str]:
    out = []
    for route, method, op in documented_routes(app, doc):
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            schema = resolve(doc, content.get("schema", {}))
            where = f"{method} {route.path_format}"
            if media != "application/json":  # uploads: every field but the file itself shows an example
                out += [
                    f"{where}: form field {name!r} has no example"
                    for name, prop in schema.get("properties", {}).items()
                    if not (prop.get("format") == "binary" or "example" in prop or "examples" in prop)
                ]
                continue
            if route.body_field is not None:
                model = route.body_field.field_info.annotation
            else:  # a body the route reads itself, declared with openapi_extra: a contract model by its title
                import jointcheck.contracts

                model = getattr(jointcheck.contracts, str(schema.get("title")), None)
                if model is None:
                    out.append(
                        f"{where}: the request body is not a model of jointcheck.contracts (title {schema.get('title')!r})"
                    )
                    continue
            examples = schema.get("examples") or content.get("examples") or content.get("example")
            if not examples:
                out.append(
                    f"{where}: the request body {getattr(model, '__name__', model)} has no example. Give it one "
                    f"in {getattr(model, '__module__', '?')}: "
                    "model_config = ConfigDict(json_schema_extra={'examples': [{...}]})"
                )
                continue
            for example in examples if isinstance(examples, list) else [examples]:
                try:
                    TypeAdapter(model).validate_python(example)  # an example the route would refuse misleads
                except ValueError as exc:
                    out.append(f"{where}: the example of {model.__name__} is refused by the model: {exc}")
    return out


def who_may_call_missing(app: Any, doc: dict[str, Any]) -> list[str]:
    out = []
    for route, method, op in documented_routes(app, doc):
        roles, access = roles_of(route), op.get("x-access", {})
        where = f"{method} {route.path_format}"
        if set(access.get("roles", [])) != set(roles or ()) or access.get("token") is not (roles is not None):
            out.append(f"{where}: x-access {access} does not match the route's role dependency {roles}")
            continue
        if not op.get("description", "").endswith(who_may_call(roles, access["rule"], access["rule_zh"])):
            out.append(f"{where}: the description does not end by saying who may call it")
        if access["rule"] and not access["rule_zh"]:
            out.append(f"{where}: the narrower rule needs its Chinese too: openapi_extra=access_rule(en, zh)")
    return out


def problem_examples_missing(app: Any, doc: dict[str, Any]) -> list[str]:
    out = []
    schemas = doc["components"]["schemas"]
    for name in [n for n in schemas if n in PROBLEM_TYPES]:
        model = PROBLEM_TYPES[name]
        if not schemas[name].get("examples"):
            out.append(f"{name} ({model.__module__}) needs an example: model_config = problem_examples({{...}})")
        for example in schemas[name].get("examples", []):
            try:
                model.model_validate(example)
            except ValueError as exc:
                out.append(f"the example of {name} does not fit it: {exc}")
            if example.get("status") not in model.answers or not example.get("type", "").endswith(
                "/" + str(example.get("code"))
            ):
                out.append(f"the example of {name} has a status or type its `answers` and `code` do not allow")
    refs = set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", repr(doc)))
    out += [f"a reference to {n} that the document does not define" for n in sorted(refs - schemas.keys())]
    return out


CHECKS: dict[str, Check] = {
    "tags": tags_missing,
    "operation ids": operation_ids_wrong,
    "request body examples": body_examples_missing,
    "who may call": who_may_call_missing,
    "problem examples": problem_examples_missing,
}


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("service", DOCUMENTED)
def test_every_route_of_every_service(service, check):
    app = built_app(service)
    missing = CHECKS[check](app, app.openapi())
    assert not missing, f"{service}, {check}:\n  " + "\n  ".join(missing)


@pytest.mark.parametrize("service", DOCUMENTED)
def test_the_document_says_what_the_checks_read(service):
    """The checks above are not vacuous: every service has tags, bodies, problem types and roles to check."""
    doc = built_app(service).openapi()
    ops = [op for _, _, op in operations(doc)]
    assert doc["tags"] and all(t.get("description", "").startswith(TAGS.get(t["name"], ("?",))[0]) for t in doc["tags"])
    assert any("requestBody" in op for op in ops)
    assert any(op["x-access"]["token"] for op in ops) and any(not op["x-access"]["token"] for op in ops)
    assert any(name in PROBLEM_TYPES and name != "Problem" for name in doc["components"]["schemas"])


class FindingCreate(BaseModel):  # a body without an example, as a new route might have
    uscc: str


new_router = APIRouter(prefix="/v1/findings", tags=["findings / 检查发现"])  # the old bilingual tag


@new_router.post("")
async def create_finding(body: FindingCreate, user: Writer) -> dict[str, str]:
    return {}


async def _second(finding_id: str) -> dict[str, str]:
    return {}


_second.__name__ = "create_finding"  # a second route function named like the first
new_router.get("/{finding_id}")(_second)


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
def test_the_checks_catch_a_route_added_without_them():
    """What the next engineer sees who adds a route the old way to a service."""
    app = create_service_app(
        service_settings("registry", UNUSED_DB),
        migrations_location=registry.MIGRATIONS,
        title="probe",
        description="probe",
        routers=[new_router],
    )
    doc = app.openapi()
    assert doc["paths"]["/v1/findings"]["post"]["operationId"] == "findings-create"
    found = {name: check(app, doc) for name, check in CHECKS.items()}
    assert any('"findings": ("中文名"' in m and 'tags=["findings"]' in m for m in found["tags"]), found["tags"]
    assert any("share the operation id 'findings-create'" in m for m in found["operation ids"])
    assert any("FindingCreate has no example" in m and "json_schema_extra" in m for m in found["request body examples"])
    assert not found["who may call"]  # nothing to add: it is read from the route's `Writer`
    post = doc["paths"]["/v1/findings"]["post"]
    assert post["x-access"]["roles"] == ["admin", "officer"] and "`admin`, `officer`" in post["description"]
    assert doc["paths"]["/v1/findings/{finding_id}"]["get"]["x-access"]["token"] is False
