"""Frames: the canonical draw-v1 input files, as of any registry version."""

from __future__ import annotations

from fastapi import Response

from jointcheck.auth import Reader, access_rule
from jointcheck.contracts import ClassCounts
from jointcheck.db import Session
from jointcheck.errors import problem_responses
from jointcheck.routing import APIRouter
from registry.entities import repository as entities
from registry.experts import repository as experts
from registry.frames.schemas import (
    EntityFrameQuery,
    ExpertFrameQuery,
    InspectorPoolQuery,
    RecusalPairsQuery,
)
from registry.frames.service import FrameFile, FrameResponse, build_file
from registry.inspectors import repository as inspectors
from registry.recusals import repository as recusals
from registry.versioning.service import resolve_as_of

router = APIRouter(prefix="/v1/frames", tags=["frames"])

QUERY_RULE = access_rule(
    "a query (reads only)",
    "仅查询，不修改数据",
)


def frame_doc(line: str, line_zh: str) -> str:
    """What every frame route answers, with the fields of its lines (``line``: `a<TAB>b`)."""
    return (
        f"Body: the draw-v1 file (UTF-8, one `{line}` line per record, LF-terminated, sorted by bytes). "
        "Headers: `X-Registry-Version`, `X-Frame-Lines`, `X-Frame-SHA256`. The same request as of the same "
        "version returns byte-identical output forever. "
        f"返回 draw-v1 规范的底册文件及其版本、行数和 SHA-256；每行：{line_zh}。"
    )


FRAME_RESPONSES = {200: {"content": {"text/plain": {}}, "description": "the file / 底册文件"}} | problem_responses(
    401, 403, 422
)


def frame_response(frame: FrameFile) -> Response:
    """The spooled file, streamed (it is closed when sent or when the client leaves)."""
    return FrameResponse(
        frame,
        media_type="text/plain; charset=utf-8",
        headers={
            "X-Registry-Version": str(frame.version),
            "X-Frame-Lines": str(frame.lines),
            "X-Frame-SHA256": frame.sha256,
            "ETag": f'"{frame.sha256}"',
            "Cache-Control": "private, max-age=31536000, immutable",
        },
    )


def _as_of(value: str | int | None) -> str | None:
    return None if value is None else str(value)


@router.post(
    "",
    openapi_extra=QUERY_RULE,
    summary="检查对象底册 / Entity frame (USCC<TAB>credit class)",
    description="The entities of `scope` (a task's `scope`) as of `as_of`. "
    + frame_doc("uscc<TAB>credit_class", "统一社会信用代码、信用风险分类（U 为未分类）"),
    response_class=Response,
    responses=FRAME_RESPONSES,
)
async def entities_frame(body: EntityFrameQuery, session: Session, _user: Reader) -> Response:
    version = await resolve_as_of(session, _as_of(body.as_of))
    frame = await build_file(session, entities.frame_query(body.scope, version), version=version)
    return frame_response(frame)


@router.post(
    "/counts",
    openapi_extra=QUERY_RULE,
    response_model=ClassCounts,
    summary="底册各类别数量 / Population per credit class",
    description="What the frame of this scope would hold, counted per class (for previews).",
    responses=problem_responses(401, 403, 422),
)
async def entity_counts(body: EntityFrameQuery, session: Session, _user: Reader) -> ClassCounts:
    version = await resolve_as_of(session, _as_of(body.as_of))
    counts = await entities.counts_by_class(session, f=body.scope, version=version)
    return ClassCounts(version=version, total=sum(counts.values()), by_class=dict(sorted(counts.items())))


@router.post(
    "/inspector-pool",
    openapi_extra=QUERY_RULE,
    summary="执法人员抽取池 / Inspector pool (inspector_id<TAB>department)",
    description="Active inspectors (optionally of some departments only): the draw-v1 `pool` file of a "
    "teams draw. 在岗执法人员。" + frame_doc("inspector_id<TAB>department", "执法人员编号、所属部门"),
    response_class=Response,
    responses=FRAME_RESPONSES,
)
async def inspector_pool_frame(body: InspectorPoolQuery, session: Session, _user: Reader) -> Response:
    version = await resolve_as_of(session, _as_of(body.as_of))
    frame = await build_file(
        session, inspectors.pool_query(departments=body.departments, version=version), version=version
    )
    return frame_response(frame)


@router.post(
    "/recusals",
    openapi_extra=QUERY_RULE,
    summary="回避约束 / Recusal constraints (recusal<TAB>inspector_id<TAB>uscc)",
    description="Pairs barred by a recusal in force on `on` (withdrawn recusals excluded), one line per pair: "
    "the draw-v1 `constraints` file (or its recusal part): three fields per line, the reason being the literal "
    "`recusal`. 在指定日期有效的回避声明。"
    + frame_doc("recusal<TAB>inspector_id<TAB>uscc", "recusal、执法人员编号、统一社会信用代码"),
    response_class=Response,
    responses=FRAME_RESPONSES,
)
async def recusal_pairs_frame(body: RecusalPairsQuery, session: Session, _user: Reader) -> Response:
    version = await resolve_as_of(session, _as_of(body.as_of))
    stmt = recusals.pairs_query(on=body.on, inspector_ids=body.inspector_ids, usccs=body.usccs, version=version)
    return frame_response(await build_file(session, stmt, version=version))


@router.post(
    "/experts",
    openapi_extra=QUERY_RULE,
    summary="专家抽取底册 / Expert frame (expert_id<TAB>field)",
    description="Active experts (optionally of some fields only): the frame of an experts draw, the field "
    "being the stratum. 在库专家。" + frame_doc("expert_id<TAB>field", "专家编号、专业领域"),
    response_class=Response,
    responses=FRAME_RESPONSES,
)
async def experts_frame(body: ExpertFrameQuery, session: Session, _user: Reader) -> Response:
    version = await resolve_as_of(session, _as_of(body.as_of))
    frame = await build_file(session, experts.frame_query(fields=body.fields, version=version), version=version)
    return frame_response(frame)
