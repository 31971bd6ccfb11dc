"""HTTP routes for market entities (市场主体): CRUD, history, import, export, credit classes."""

from __future__ import annotations

import asyncio
import copy
import csv
import io
import tempfile
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import StringConstraints, TypeAdapter, ValidationError

from jointcheck.auth import Principal, Reader, Role, Writer, access_rule, require_roles
from jointcheck.codes import EntityType, RegistrationStatus, normalize_uscc
from jointcheck.db import Database, Db, Session
from jointcheck.errors import UnprocessableEntity, problem_responses
from jointcheck.etag import IfMatch
from jointcheck.openapi import query_parameters
from jointcheck.pagination import Cursor, Limit, Page, cursor_field
from jointcheck.queryparams import HandQuery, read_value
from jointcheck.routing import APIRouter
from jointcheck.settings import Settings
from registry.entities import importer, repository, service
from registry.entities.models import Entity
from registry.entities.schemas import (
    CreditClassSync,
    CreditClassSyncResult,
    EntityCreate,
    EntityFilter,
    EntityImportResult,
    EntityRead,
    EntityUpdate,
    EntityVersionRead,
)
from registry.entities.upload import receive_file, unless_disconnected
from registry.problems import (
    DepartmentScopeProblem,
    ImportLimitExceededProblem,
    ImportRejectedProblem,
    PlatformOwnedFieldProblem,
)
from registry.versioning.http import (
    AsOfQuery,
    Reason,
    as_of_version_on,
    created,
    deleted,
    json_one,
    json_page,
    read_all,
    read_one,
)
from registry.versioning.service import resolve_as_of

router = APIRouter(prefix="/v1/entities", tags=["entities"])

ENTITY_CREATE_RULE = access_rule(
    "an officer's own department is added to the entity",
    "部门执法人员登记时，本部门自动列入监管部门",
)
ENTITY_IMPORT_RULE = access_rule(
    "officers: only entities their department supervises, new and existing",
    "部门执法人员仅可导入本部门监管的市场主体（新增和已有）",
)
ENTITY_DEPTS_RULE = access_rule(
    "officers of a department supervising the entity",
    "仅监管该市场主体的部门的执法人员",
)


def _old(new: str) -> str:
    return f"deprecated since API 0.2.0: the old name of `{new}` / 已弃用，请改用 `{new}`"


def _documented_filter(
    industry_prefixes: Annotated[
        list[str], Query(description="GB/T 4754 industry prefixes, any of (F52, F5265, 52) / 行业代码前缀")
    ] = [],  # noqa: B006
    division_prefixes: Annotated[
        list[str], Query(description="GB/T 2260 division prefixes, any of (41, 4115, 411523) / 行政区划前缀")
    ] = [],  # noqa: B006
    entity_types: Annotated[list[EntityType], Query(description="any of / 市场主体类型")] = [],  # noqa: B006
    statuses: Annotated[list[RegistrationStatus], Query(description="any of; default: every status / 登记状态")] = [],  # noqa: B006
    credit_classes: Annotated[
        list[Literal["A", "B", "C", "D", "U"]], Query(description="any of (U = unclassified) / 信用风险分类")
    ] = [],  # noqa: B006
    tags: Annotated[list[str], Query(description="holds any of these tags / 标签")] = [],  # noqa: B006
    departments: Annotated[list[str], Query(description="supervised by any of / 监管部门")] = [],  # noqa: B006
    name_contains: Annotated[str | None, Query(description="name contains / 名称包含", max_length=100)] = None,
    industry: Annotated[list[str], Query(deprecated=True, description=_old("industry_prefixes"))] = [],  # noqa: B006
    division: Annotated[list[str], Query(deprecated=True, description=_old("division_prefixes"))] = [],  # noqa: B006
    entity_type: Annotated[
        list[EntityType], Query(alias="type", deprecated=True, description=_old("entity_types"))
    ] = [],  # noqa: B006
    status: Annotated[list[RegistrationStatus], Query(deprecated=True, description=_old("statuses"))] = [],  # noqa: B006
    credit_class: Annotated[
        list[Literal["A", "B", "C", "D", "U"]],
        Query(alias="class", deprecated=True, description=_old("credit_classes")),
    ] = [],  # noqa: B006
    tag: Annotated[list[str], Query(deprecated=True, description=_old("tags"))] = [],  # noqa: B006
    department: Annotated[list[str], Query(deprecated=True, description=_old("departments"))] = [],  # noqa: B006
    name: Annotated[str | None, Query(deprecated=True, description=_old("name_contains"), max_length=100)] = None,
) -> None:
    """The query parameters of the entity lists as they are documented (``FILTER_PARAMETERS``):
    :func:`list_filter` reads them itself."""


#: The OpenAPI parameters of :func:`_documented_filter` (``openapi_extra`` of the routes taking a Filter).
FILTER_PARAMETERS = query_parameters(_documented_filter)

_Classes = list[Literal["A", "B", "C", "D", "U"]]
_Name = Annotated[str, StringConstraints(max_length=100)]

#: Each filter: its field of EntityFilter, its query name and its deprecated one (before API
#: 0.2.0, accepted for one release), and how a value is read (a list: every occurrence).
_FILTERS: tuple[tuple[str, str, str, TypeAdapter[Any], bool], ...] = tuple(
    (field, new, old, TypeAdapter(kind), kind is not _Name)
    for field, new, old, kind in (
        ("industry_prefixes", "industry_prefixes", "industry", list[str]),
        ("division_prefixes", "division_prefixes", "division", list[str]),
        ("entity_types", "entity_types", "type", list[EntityType]),
        ("statuses", "statuses", "status", list[RegistrationStatus]),
        ("credit_classes", "credit_classes", "class", _Classes),
        ("tags", "tags", "tag", list[str]),
        ("departments", "departments", "department", list[str]),
        ("name_contains", "name_contains", "name", _Name),
    )
)


async def list_filter(request: Request) -> EntityFilter:
    """The query parameters are the fields of a scope (`EntityScope`, a task's `scope`); the names
    before API 0.2.0 are accepted for one release.

    Read from the query string here rather than declared: FastAPI parses every declared parameter
    on every request, present or not, and these are sixteen (:data:`FILTER_PARAMETERS` documents
    them). A bad value is the 422 FastAPI would give (``request_validation_failed``, ``query.<name>…``)."""
    query = request.query_params
    values: dict[str, Any] = {}
    both: list[tuple[str, str]] = []
    errors: list[dict[str, Any]] = []
    for field, new, old, adapter, many in _FILTERS:
        value, legacy = (read_value(query, name, adapter, many=many, errors=errors) for name in (new, old))
        if value and legacy:
            both.append((new, old))
        values[field] = value or legacy or ([] if many else None)
    if errors:
        raise RequestValidationError(errors)
    if both:
        raise UnprocessableEntity(
            "give each filter once, under its name, not also under its deprecated one: "
            + ", ".join(f"{new} and {old}" for new, old in both),
            detail_zh="同一筛选条件不能同时使用新旧两个参数名",
            code="invalid_filter",
            errors=[{"field": f"query.{old}", "message": "deprecated name of a filter also given"} for _, old in both],
        )
    try:
        return EntityFilter(**values)
    except ValidationError as exc:
        raise UnprocessableEntity(
            "; ".join(e["msg"] for e in exc.errors()),
            detail_zh="查询条件无效",
            code="invalid_filter",
            errors=[{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()],
        ) from None


Filter = Annotated[EntityFilter, Depends(list_filter)]


def _documented_page(limit: Limit = 100, cursor: Cursor = None, as_of: AsOfQuery = None) -> None:
    """A list page's own parameters, read by :data:`PAGE_QUERY` (no per-parameter FastAPI cost)."""


PAGE_QUERY = HandQuery(_documented_page)
PageQuery = Annotated[SimpleNamespace, Depends(PAGE_QUERY)]


def _documented_as_of(as_of: AsOfQuery = None) -> None:
    """An entity read's ``as_of``, read by :data:`AS_OF_QUERY`."""


AS_OF_QUERY = HandQuery(_documented_as_of)
AsOfOnly = Annotated[SimpleNamespace, Depends(AS_OF_QUERY)]


@router.post(
    "",
    openapi_extra=ENTITY_CREATE_RULE,
    response_model=EntityRead,
    status_code=201,
    summary="登记市场主体 / Create an entity",
    description="The USCC must pass the GB 32100-2015 check; an admin may register a known legacy code "
    "with `legacy_code: true` and a reason (logged). Officers create only entities their department supervises.",
    responses=problem_responses(401, 403, 409, 422, problems=(DepartmentScopeProblem,)),
)
async def create_entity(body: EntityCreate, session: Session, user: Writer, response: Response) -> EntityRead:
    entity = await service.create(session, data=body, actor=user)
    return created(response, entity, EntityRead, f"/v1/entities/{entity.uscc}")


@router.get(
    "",
    response_model=Page[EntityRead],
    summary="查询市场主体 / List entities",
    openapi_extra={"parameters": copy.deepcopy(PAGE_QUERY.parameters + FILTER_PARAMETERS)},
    description="Filters combine with AND; repeated values of one filter with OR. `as_of` returns the past exactly.",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_entities(db: Db, _user: Reader, f: Filter, q: PageQuery) -> Response:
    after = cursor_field(q.cursor, "after")
    async with db.read_connection() as conn:
        version, rows = await repository.list_page_json(
            conn, f=f, version=await as_of_version_on(conn, q.as_of), after=after, limit=q.limit + 1
        )
    return json_page(rows, q.limit, version, "after")


@router.get(
    "/import/template",
    summary="导入模板 / Download the import template",
    description="CSV (UTF-8 with BOM, opens in Excel) or XLSX with a 说明 sheet describing each column.",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
)
async def import_template(format: Literal["csv", "xlsx"] = "csv") -> Response:
    if format == "xlsx":
        return Response(
            importer.template_xlsx(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": "attachment; filename*=UTF-8''%E5%90%8D%E5%BD%95%E5%BA%93%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
            },
        )
    return Response(
        importer.template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": "attachment; filename*=UTF-8''%E5%90%8D%E5%BD%95%E5%BA%93%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.csv"
        },
    )


@router.post(
    "/import",
    response_model=EntityImportResult,
    summary="批量导入 / Bulk import a CSV or XLSX directory file",
    description=(
        "Upload the file as multipart field `file`. CSV in UTF-8 (with or without BOM) or GB18030; XLSX (first sheet). "
        "Chinese headers as in the template (`GET /v1/entities/import/template`); columns in any order.\n\n"
        "* `mode=all_or_nothing` (default): if any row is bad, **nothing** is imported and the 422 problem lists "
        "every bad row with its line and reason.\n"
        "* `mode=valid_rows`: good rows are imported, bad rows are reported.\n"
        "* Rows are upserted by USCC in one registry version; importing the same file again changes nothing "
        "and answers 200 with `changed: false` and the `registry_version` that already holds the file.\n"
        "* `dry_run=true`: validate and count, write nothing.\n\n"
        "全部成功才导入（默认）或仅导入有效行；逐行报告错误；按统一社会信用代码更新；重复导入不产生变化。"
    ),
    responses=problem_responses(
        401,
        403,
        413,
        422,
        problems=(
            ImportRejectedProblem,
            ImportLimitExceededProblem,
        ),
    ),
    openapi_extra={
        **ENTITY_IMPORT_RULE,
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary", "description": "CSV or XLSX"}},
                    }
                }
            },
        },
    },
)
async def import_entities(
    request: Request,
    session: Session,
    user: Writer,
    settings: Settings,
    mode: Literal["all_or_nothing", "valid_rows"] = "all_or_nothing",
    dry_run: bool = False,
    legacy_codes: Annotated[
        list[str], Query(description="admin: known legacy codes to accept despite the check character")
    ] = [],  # noqa: B006
) -> EntityImportResult:
    async with receive_file(request, limit=settings.import_max_bytes) as upload:
        return await unless_disconnected(
            request,
            service.import_file(
                session,
                upload=upload.file,
                path=upload.path,
                sha256=upload.sha256,
                actor=user,
                mode=mode,
                dry_run=dry_run,
                legacy_codes=frozenset(normalize_uscc(c) for c in legacy_codes),
                limits=settings.import_limits(),
                workers=settings.import_workers,
                parallel_min_bytes=settings.import_parallel_min_bytes,
            ),
        )


@router.get(
    "/export",
    summary="导出 / Export entities as CSV or XLSX",
    openapi_extra={"parameters": copy.deepcopy(FILTER_PARAMETERS)},
    description="Same columns as the import template, so an export can be imported back. Honors the list filters and `as_of`.",
    response_class=Response,
    responses=problem_responses(401, 403, 422),
)
async def export_entities(
    request: Request,
    session: Session,
    _user: Reader,
    f: Filter,
    format: Literal["csv", "xlsx"] = "csv",
    as_of: AsOfQuery = None,
) -> Response:
    version = await resolve_as_of(session, as_of)
    db: Database = request.app.state.db
    partitions = repository.stream_export(db, f=f, version=version)
    filename = f"entities-v{version}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "X-Registry-Version": str(version)}
    names = await _department_names(session)
    if format == "xlsx":
        return await _export_xlsx(partitions, names, headers)
    return StreamingResponse(_export_csv(partitions, names), media_type="text/csv; charset=utf-8", headers=headers)


async def _department_names(session) -> dict[str, str]:
    from registry.departments.repository import list_all

    return {d.code: d.name for d in await list_all(session)}


def _export_row(e: Entity, names: dict[str, str]) -> list[str]:
    return [
        e.uscc,
        e.name,
        EntityType(e.entity_type).label,
        e.industry_code,
        "",
        e.address,
        e.division_code,
        e.registered_on.isoformat() if e.registered_on else "",
        RegistrationStatus(e.status).label,
        e.credit_class or "",
        ";".join(names.get(d, d) for d in e.departments),
        ";".join(e.tags),
    ]


async def _export_csv(partitions: AsyncIterator[list[Entity]], names: dict[str, str]) -> AsyncIterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([zh for _, zh, _, _ in importer.COLUMNS])
    yield b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
    async for partition in partitions:
        buf.seek(0)
        buf.truncate()
        for e in partition:
            writer.writerow(_export_row(e, names))
        yield buf.getvalue().encode("utf-8")


async def _export_xlsx(
    partitions: AsyncIterator[list[Entity]], names: dict[str, str], headers: dict[str, str]
) -> Response:
    from openpyxl import Workbook  # only exports need it

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名录库")
    ws.append([zh for _, zh, _, _ in importer.COLUMNS])
    async for partition in partitions:
        for e in partition:
            ws.append(_export_row(e, names))
    with tempfile.SpooledTemporaryFile(max_size=50 << 20) as tmp:
        await asyncio.to_thread(wb.save, tmp)
        tmp.seek(0)
        data = tmp.read()
    return Response(
        data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers=headers
    )


@router.post(
    "/credit-classes",
    response_model=CreditClassSyncResult,
    summary="信用风险分类同步 / Sync credit-risk classes",
    description="Rows from the credit system: (uscc, class, classified_at). Classes change with history in one "
    "registry version; unknown USCCs and rows older than the classification on record are reported, not applied.",
    responses=problem_responses(401, 403, 422, problems=(DepartmentScopeProblem,)),
)
async def sync_credit_classes(
    body: CreditClassSync,
    session: Session,
    user: Annotated[Principal, Depends(require_roles(Role.admin, Role.service))],
) -> CreditClassSyncResult:
    return await service.sync_credit_classes(session, data=body, actor=user)


@router.get(
    "/{uscc}",
    response_model=EntityRead,
    openapi_extra=AS_OF_QUERY.documented(),
    summary="市场主体详情 / Get an entity (optionally as of the past)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_entity(uscc: str, db: Db, _user: Reader, q: AsOfOnly) -> Response:
    async with db.read_connection() as conn:
        version = await as_of_version_on(conn, q.as_of)
        valid_from, body = await repository.json_records.get(conn, normalize_uscc(uscc), version=version)
    return json_one(valid_from, body)


@router.get(
    "/{uscc}/history",
    response_model=list[EntityVersionRead],
    summary="变更历史 / Every version of an entity",
    responses=problem_responses(401, 403, 404),
)
async def entity_history(uscc: str, session: Session, _user: Reader) -> list[EntityVersionRead]:
    return read_all(await service.versions(session, uscc=normalize_uscc(uscc)), EntityVersionRead)


@router.patch(
    "/{uscc}",
    openapi_extra=ENTITY_DEPTS_RULE,
    response_model=EntityRead,
    summary="修改市场主体 / Update an entity",
    description="Requires `If-Match` with the entity's current ETag (412 if it changed since, 428 if missing). "
    "On an entity the collaborative platform feeds (`source: platform`), its registration fields are the "
    "platform's: changing them is 409 `platform_owned_field`.",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        412,
        422,
        428,
        problems=(
            DepartmentScopeProblem,
            PlatformOwnedFieldProblem,
        ),
    ),
)
async def update_entity(
    uscc: str, body: EntityUpdate, session: Session, user: Writer, response: Response, if_match: IfMatch = None
) -> EntityRead:
    entity = await service.update(session, uscc=normalize_uscc(uscc), data=body, actor=user, if_match=if_match)
    return read_one(response, entity, EntityRead)


@router.delete(
    "/{uscc}",
    openapi_extra=ENTITY_DEPTS_RULE,
    status_code=204,
    summary="注销登记（软删除）/ Soft-delete an entity",
    description="Writes a deleted version; history and `as_of` reads keep the past. Requires `If-Match`.",
    responses=problem_responses(
        401,
        403,
        404,
        409,
        412,
        422,
        428,
        problems=(
            DepartmentScopeProblem,
            PlatformOwnedFieldProblem,
        ),
    ),
)
async def delete_entity(
    uscc: str, session: Session, user: Writer, reason: Reason, if_match: IfMatch = None
) -> Response:
    version = await service.delete(session, uscc=normalize_uscc(uscc), actor=user, if_match=if_match, reason=reason)
    return deleted(version)
