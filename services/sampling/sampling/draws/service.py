"""The life of a draw (draw-v1): freeze → commit → register → entropy → execute; or void.

Nothing here chooses or retries outside draw-v1: the secret comes from a CSPRNG once,
the announcement is registered with the audit service before any entropy is accepted,
the result is whatever the pure algorithm computes from the stored inputs, and a draw
can only be replaced by voiding it with a reason that stays visible.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck import draw as drawv1
from jointcheck import visibility
from jointcheck.auth import Principal
from jointcheck.clients import AuditClient, PlanningClient, RegistryClient, ResultsClient
from jointcheck.contracts import (
    AnnouncementReceipt,
    InspectionsCreate,
    InspectionsDrawn,
    InspectionsVoided,
    InspectionTeam,
    TaskDrawVoided,
    TaskObjectsDrawn,
    TaskSpec,
    TaskTeamsAssigned,
    TeamMember,
    UnassignedEntity,
    publish,
)
from jointcheck.db import Database
from jointcheck.draw.drawv1 import _check_entropy as check_entropy
from jointcheck.errors import Conflict, DomainError, Forbidden, InvalidState, NotFound, UnprocessableEntity
from jointcheck.outbox import record_audit
from sampling.config import Settings
from sampling.draws import repository, storage
from sampling.draws.models import Draw
from sampling.draws.states import REQUIRED_TASK_STATE, VOIDABLE_IN_TASK_STATE, DrawKind, DrawStatus, ensure_can_move

log = logging.getLogger("sampling.draws")
CHINA = ZoneInfo("Asia/Shanghai")
CLASSES = ("A", "B", "C", "D", "U")


def today_in_china() -> date:
    return datetime.now(CHINA).date()


def pack(obj: Any) -> bytes:
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


def ensure_can_draw(user: Principal, lead_department: str | None) -> None:
    """Drawing, registering, supplying entropy and voiding: admins or the lead department's officers."""
    if user.is_admin:
        return
    if user.in_department(lead_department):
        return
    raise Forbidden(
        "only the joint-meeting office or the lead department's officers may draw for this task",
        detail_zh="仅联席办或牵头部门可为该任务抽取",
        code="draw_not_allowed",
    )


# ------------------------------------------------------------------ freeze + commit
#
# Creating a draw calls four services; none of those calls happens inside a database
# transaction: gather the inputs (no transaction) → freeze (one short transaction: the
# draw is stored `frozen`, so whatever audit receipts later exist, the draw they name
# exists) → register the announcement with audit (no transaction) → mark it `committed`
# (one short transaction).


@dataclass(frozen=True)
class ObjectsDrawRef:
    """What a teams draw takes from the task's executed objects draw."""

    id: uuid.UUID
    selected: list[str]
    registry_version: int


@dataclass(frozen=True)
class TeamsRoundRef:
    """What a supplementary teams round takes from the round it completes (and the rounds before)."""

    id: uuid.UUID
    round: int
    unassigned: list[str]
    loads: dict[str, int]  # entities each inspector got in the active rounds so far
    capped_in: dict[str, int]  # inspector → the round in which their load reached the current max_load


@dataclass(frozen=True)
class FrozenInputs:
    """Everything a draw commits to, gathered before anything is stored."""

    kind: DrawKind
    inputs: dict[str, str | bytes]  # the draw-v1 input files (a large frame as bytes, never decoded)
    rules: dict[str, Any]  # strata (objects, experts) or team rules (teams)
    context: dict[str, Any]  # what the announcement records besides the files
    extra_files: dict[str, str] = field(default_factory=dict)  # kept with the inputs, not drawn from
    objects_draw_id: uuid.UUID | None = None
    completes: TeamsRoundRef | None = None


@dataclass(frozen=True)
class Callees:
    """The services a draw reads from and reports to (FastAPI dependencies, passed down)."""

    planning: PlanningClient
    registry: RegistryClient
    results: ResultsClient
    audit: AuditClient


async def create(
    db: Database,
    *,
    settings: Settings,
    callees: Callees,
    task_id: str,
    kind: DrawKind,
    entropy_source: str,
    actor: Principal,
    completes_draw_id: uuid.UUID | None = None,
    exclude_inspectors: list[tuple[str, str]] | None = None,
) -> Draw:
    """Gather the inputs, freeze them with a fresh secret's commitment, register the announcement with audit.

    With ``completes_draw_id`` (teams only) the draw is a supplementary round for exactly the
    entities that draw — the task's latest teams round — left unassigned.
    """
    kind = DrawKind(kind)
    if (completes_draw_id is not None or exclude_inspectors) and kind != DrawKind.teams:
        raise UnprocessableEntity(
            "only a teams draw can complete another (completes_draw_id, exclude_inspectors)",
            detail_zh="只有人员选派可以补充抽取",
            code="supplementary_teams_only",
        )
    if exclude_inspectors and completes_draw_id is None:
        raise UnprocessableEntity(
            "exclude_inspectors applies to supplementary rounds (completes_draw_id)",
            detail_zh="仅补充选派可排除执法人员",
            code="supplementary_teams_only",
        )
    if entropy_source == "none" and not settings.allow_draws_without_entropy:
        raise UnprocessableEntity(
            "this deployment requires public entropy (entropy_source 'none' is not allowed)",
            detail_zh="本系统要求公开随机源",
            code="entropy_required",
        )
    task = await callees.planning.task(task_id)
    task_id = str(task.id)  # canonical, as planning names it
    ensure_can_draw(actor, task.lead_department)
    if task.state not in REQUIRED_TASK_STATE[kind]:
        raise InvalidState(
            f"a {kind} draw needs the task in state {' or '.join(REQUIRED_TASK_STATE[kind])}",
            detail_zh="任务当前状态不允许此抽取",
            current_state=task.state,
            code="task_state",
        )
    completes = None
    async with db.transaction() as session:
        if completes_draw_id is None:
            await _ensure_no_active_draw(session, task_id, kind)
        else:
            completes = await _round_to_complete(session, task_id, completes_draw_id, max_load=task.team_rules.max_load)
        objects = await _objects_draw_ref(session, task_id) if kind == DrawKind.teams else None
    frozen = await gather_inputs(
        task,
        kind=kind,
        callees=callees,
        objects=objects,
        completes=completes,
        exclude_inspectors=exclude_inspectors or [],
    )
    draw = await freeze(db, task=task, frozen=frozen, entropy_source=entropy_source, actor=actor)
    return await register_with_audit(db, audit=callees.audit, draw=draw)


async def _ensure_no_active_draw(session: AsyncSession, task_id: str, kind: DrawKind) -> None:
    existing = await repository.active(session, task_id, kind)
    if existing is not None:
        raise Conflict(
            f"task {task_id} already has an active {kind} draw {existing.id}; void it with a reason first",
            detail_zh="该任务已有有效抽取，须先说明理由作废",
            code="draw_exists",
            extra={"draw_id": str(existing.id)},
        )


async def _latest_round(
    session: AsyncSession, task_id: str, draw_id: uuid.UUID, *, for_update: bool = False
) -> tuple[list[Draw], list[str]]:
    """The task's active teams rounds, checking that ``draw_id`` is the latest, executed and left entities out
    (returned). Locked, it cannot be voided or completed twice until the caller's transaction ends."""
    rounds = await repository.active_rounds(session, task_id, DrawKind.teams)
    latest = rounds[-1] if rounds else None
    if latest is None or latest.id != draw_id:
        raise Conflict(
            f"draw {draw_id} is not the latest active teams round of task {task_id}",
            detail_zh="只能补充该任务最近一轮有效的人员选派",
            code="not_latest_round",
            extra={"latest_draw_id": str(latest.id) if latest else None},
        )
    if for_update:
        latest = await _get_for_update(session, latest.id)
    if latest.status != DrawStatus.executed:
        raise InvalidState(
            "the round to complete has not been executed yet",
            detail_zh="上一轮选派尚未执行",
            current_state=latest.status,
            code="draw_state",
        )
    unassigned = [u["entity"] for u in unpack(latest.result_gz)["unassigned"]]
    if not unassigned:
        raise Conflict(
            "every entity of that round has a team: nothing to complete",
            detail_zh="上一轮已全部组队，无需补充",
            code="nothing_to_complete",
        )
    return rounds, unassigned


async def _round_to_complete(
    session: AsyncSession, task_id: str, draw_id: uuid.UUID, *, max_load: int
) -> TeamsRoundRef:
    """The round a supplementary draw completes, with every inspector's load over the rounds so far."""
    rounds, unassigned = await _latest_round(session, task_id, draw_id)
    latest = rounds[-1]
    loads: dict[str, int] = {}
    capped_in: dict[str, int] = {}
    for r in rounds:
        for team in unpack(r.result_gz)["teams"]:
            for inspector in team["inspectors"]:
                loads[inspector] = loads.get(inspector, 0) + 1
                if loads[inspector] >= max_load:
                    capped_in.setdefault(inspector, r.round)
    return TeamsRoundRef(id=latest.id, round=latest.round, unassigned=unassigned, loads=loads, capped_in=capped_in)


async def _objects_draw(session: AsyncSession, task_id: str, *, for_update: bool = False) -> Draw:
    objects = await repository.active(session, task_id, DrawKind.objects, for_update=for_update)
    if objects is None or objects.status != DrawStatus.executed:
        raise InvalidState(
            "the task has no executed objects draw",
            detail_zh="该任务尚无已执行的检查对象抽取",
            current_state=objects.status if objects else "none",
            code="objects_draw_missing",
        )
    return objects


async def _objects_draw_ref(session: AsyncSession, task_id: str) -> ObjectsDrawRef:
    objects = await _objects_draw(session, task_id)
    return ObjectsDrawRef(
        id=objects.id,
        selected=[s["id"] for s in unpack(objects.result_gz)["selected"]],
        registry_version=objects.context["registry_version"],
    )


async def gather_inputs(
    task: TaskSpec,
    *,
    kind: DrawKind,
    callees: Callees,
    objects: ObjectsDrawRef | None = None,
    completes: TeamsRoundRef | None = None,
    exclude_inspectors: list[tuple[str, str]] | None = None,
) -> FrozenInputs:
    """Read every input of the draw from its services (no transaction is open meanwhile)."""
    if kind == DrawKind.objects:
        return await _gather_objects(task, callees)
    if kind == DrawKind.teams:
        assert objects is not None
        return await _gather_teams(
            task, callees, objects, completes=completes, exclude_inspectors=exclude_inspectors or []
        )
    return await _gather_experts(task, callees)


async def _gather_objects(task: TaskSpec, callees: Callees) -> FrozenInputs:
    frame = await callees.registry.entity_frame(task.scope)
    since = today_in_china() - timedelta(days=task.exclusion_days)
    excluded = (await callees.results.recently_inspected(since)).usccs
    content, removed = await asyncio.to_thread(storage.exclude, frame.content, set(excluded))
    registry_version, registry_sha256 = frame.registry_version, frame.sha256
    del frame  # one copy of the frame from here on
    exclusions = drawv1.make_file(removed)
    context = {
        "registry_version": registry_version,
        "scope": task.scope.model_dump(mode="json"),
        "registry_frame_sha256": registry_sha256,
        "exclusion": {
            "since": since.isoformat(),
            "days": task.exclusion_days,
            "count": len(removed),
            "sha256": drawv1.sha256_hex(exclusions.encode()),
        },
    }
    rules = {c: task.sampling_rules[c].draw_rule() for c in CLASSES}
    return FrozenInputs(
        kind=DrawKind.objects,
        inputs={"frame": content},
        rules=rules,
        context=context,
        extra_files={"exclusions": exclusions},
    )


async def _gather_teams(
    task: TaskSpec,
    callees: Callees,
    objects: ObjectsDrawRef,
    *,
    completes: TeamsRoundRef | None = None,
    exclude_inspectors: Sequence[tuple[str, str]] = (),
) -> FrozenInputs:
    """Round 1: the objects draw's selected entities. A supplementary round: exactly the previous round's
    unassigned ones, with inspectors whose earlier rounds reached ``max_load`` barred (and any the office
    excludes), each pair with its reason in the constraints file — draw-v1 itself is unchanged."""
    rules = task.team_rules
    entities = completes.unassigned if completes else objects.selected
    pool = await callees.registry.inspector_pool(rules.required_departments, as_of=None)
    on = max(today_in_china(), task.inspection_start)
    recusals = await callees.registry.recusal_pairs(on, entities, as_of=pool.registry_version)
    previous = (await callees.results.last_inspectors(entities)).last
    lines = [tuple(line.split("\t")) for line in recusals.text.splitlines()]
    lines += [("previous", inspector, uscc) for uscc, team in previous.items() for inspector in team]
    context: dict[str, Any] = {
        "objects_draw_id": str(objects.id),
        "objects_registry_version": objects.registry_version,
        "registry_version": pool.registry_version,
        "recusals_on": on.isoformat(),
        "previous_pairs": sum(len(t) for t in previous.values()),
        "round": 1,
    }
    if completes:
        barred = {i: f"load cap reached in round {r}" for i, r in completes.capped_in.items()}
        for inspector, reason in exclude_inspectors:
            barred.setdefault(inspector, reason.strip())
        lines += [(reason, inspector, uscc) for inspector, reason in barred.items() for uscc in entities]
        context |= {
            "round": completes.round + 1,
            "completes_draw_id": str(completes.id),
            "earlier_loads": dict(sorted(completes.loads.items())),
            "barred_inspectors": [{"inspector_id": i, "reason": r} for i, r in sorted(barred.items())],
        }
    inputs = {"entities": drawv1.make_file(entities), "pool": pool.text, "constraints": drawv1.make_file(lines)}
    return FrozenInputs(
        kind=DrawKind.teams,
        inputs=inputs,
        rules=rules.draw_rules(),
        context=context,
        objects_draw_id=objects.id,
        completes=completes,
    )


async def _gather_experts(task: TaskSpec, callees: Callees) -> FrozenInputs:
    wanted = {f: n for f, n in task.experts.items() if n > 0}
    if not wanted:
        raise UnprocessableEntity(
            "the task asks for no experts", detail_zh="该任务不需要专家", code="no_experts_needed"
        )
    frame = await callees.registry.expert_frame(sorted(wanted))
    present = {line.split("\t")[1] for line in frame.text.splitlines()}
    context = {
        "registry_version": frame.registry_version,
        "fields": wanted,
        "fields_without_experts": sorted(set(wanted) - present),
    }
    return FrozenInputs(
        kind=DrawKind.experts,
        inputs={"frame": frame.text},
        rules={f: {"count": n} for f, n in wanted.items()},
        context=context,
    )


async def freeze(db: Database, *, task: TaskSpec, frozen: FrozenInputs, entropy_source: str, actor: Principal) -> Draw:
    """Commit to a fresh secret over the gathered inputs and store the draw ``frozen`` (one short transaction)."""
    draw_id = uuid.uuid4()
    task_id = str(task.id)
    kind = frozen.kind
    context = {
        "task_id": task_id,
        "draw_id": str(draw_id),
        "lead_department": task.lead_department,
        "departments": list(task.departments or [task.lead_department]),
        **frozen.context,
        "inspection_window": [task.inspection_start.isoformat(), task.inspection_end.isoformat()],
    }
    secret = drawv1.new_secret()
    commitment = drawv1.commitment_of(secret)
    # The inputs are compressed while draw-v1 checks and hashes them (zlib leaves the GIL): a
    # province's frame costs the longer of the two, not their sum.
    packing = asyncio.create_task(asyncio.to_thread(storage.pack_inputs, frozen.inputs, frozen.extra_files))
    try:
        announcement = await asyncio.to_thread(
            drawv1.build_announcement,
            kind.value,
            commitment,
            frozen.inputs,
            entropy_source=entropy_source,
            strata=frozen.rules if kind != DrawKind.teams else None,
            team=frozen.rules if kind == DrawKind.teams else None,
            context=context,
        )
    except drawv1.DrawError as exc:
        await asyncio.gather(packing, return_exceptions=True)
        raise UnprocessableEntity(
            f"cannot commit this draw: {exc}",
            detail_zh=f"无法生成抽取公告：{exc}",
            code="draw_invalid",
            extra={"check": exc.check},
        ) from None
    ann = json.loads(announcement)
    hashes = {k: v for k, v in ann.items() if k.endswith("_sha256") or k == "frame_size"}
    inputs_gz = await packing
    async with db.transaction() as session:
        if kind == DrawKind.teams:
            # Locked: the objects draw cannot be voided while its teams draw is being frozen.
            objects = await _objects_draw(session, task_id, for_update=True)
            if objects.id != frozen.objects_draw_id:
                raise Conflict(
                    "the objects draw changed while the teams draw was being prepared; try again",
                    detail_zh="抽取准备期间检查对象抽取已变更，请重试",
                    code="objects_draw_changed",
                )
            if frozen.completes is not None:
                # Locked too: the round being completed cannot be voided (or completed twice) meanwhile.
                await _latest_round(session, task_id, frozen.completes.id, for_update=True)
        draw = Draw(
            id=draw_id,
            task_id=task_id,
            kind=kind.value,
            status=DrawStatus.frozen.value,
            objects_draw_id=frozen.objects_draw_id,
            round=frozen.completes.round + 1 if frozen.completes else 1,
            completes_draw_id=frozen.completes.id if frozen.completes else None,
            announcement=announcement.decode("utf-8"),
            announcement_sha256=drawv1.sha256_hex(announcement),
            commitment=commitment,
            secret=secret.hex(),
            entropy_source=entropy_source,
            input_hashes=hashes,
            inputs_gz=inputs_gz,
            context=context,
            public_from=task.inspection_end + timedelta(days=1),
            created_by=actor.subject,
        )
        session.add(draw)
        try:
            await session.flush()
        except IntegrityError:
            raise Conflict(
                f"task {task_id} already has an active {kind} draw (round {draw.round})",
                detail_zh=f"任务 {task_id} 已有有效的 {kind} 抽取（第 {draw.round} 轮）",
                code="draw_exists",
            ) from None
        await record_audit(
            session,
            actor=actor,
            action="draw.commit",
            object_type="draw",
            object_id=str(draw_id),
            data={
                "task_id": task_id,
                "kind": kind.value,
                "announcement_sha256": draw.announcement_sha256,
                "round": draw.round,
                "completes_draw_id": str(draw.completes_draw_id) if draw.completes_draw_id else None,
                "barred_inspectors": context.get("barred_inspectors", []),
            },
        )
    return draw


async def register_with_audit(db: Database, *, audit: AuditClient, draw: Draw) -> Draw:
    """No receipt, no draw: until audit has timestamped the announcement, entropy is refused.

    The call to audit runs outside any transaction; its outcome is then stored in a short one.
    """
    receipt: AnnouncementReceipt | None = None
    error: str | None = None
    try:
        receipt = await audit.register_announcement(str(draw.id), draw.announcement)
    except DomainError as exc:
        error = exc.detail or exc.code
        log.warning("announcement of draw %s not registered yet: %s", draw.id, error)
    async with db.transaction() as session:
        current = await _get_for_update(session, draw.id)
        if receipt is None:
            if current.status == DrawStatus.frozen:
                current.registration_error = error
            return current
        if receipt.announcement_sha256 != current.announcement_sha256:
            raise Conflict(
                "the audit receipt does not match the announcement",
                detail_zh="审计回执与抽取公告不符",
                code="receipt_mismatch",
            )
        if current.receipt is None:
            current.receipt = receipt.model_dump(mode="json")
            current.registered_at = receipt.registered_at
            current.registration_error = None
        # A draw voided while audit answered keeps its receipt and stays voided.
        if current.status == DrawStatus.frozen:
            ensure_can_move(current.status, DrawStatus.committed)
            current.status = DrawStatus.committed.value
        await session.flush()
        return current


async def register(db: Database, *, audit: AuditClient, draw_id: uuid.UUID, actor: Principal) -> Draw:
    """Retry registering a frozen draw's announcement: the same permission as drawing."""
    async with db.transaction() as session:
        draw = await get(session, draw_id=draw_id)
        ensure_can_draw(actor, draw.context.get("lead_department"))
        if draw.status != DrawStatus.frozen:
            raise InvalidState(
                "only a frozen draw awaits registration",
                detail_zh="只有已冻结的抽取可以登记",
                current_state=draw.status,
                code="draw_state",
            )
    return await register_with_audit(db, audit=audit, draw=draw)


# ------------------------------------------------------------------ entropy + execute


async def supply_entropy(
    db: Database, *, settings: Settings, planning: PlanningClient, draw_id: uuid.UUID, entropy: str, actor: Principal
) -> Draw:
    """The first accepted entropy is final: recorded durably before executing (so a crash mid-execution cannot
    let another value in); a retry with the same value completes the draw, any other value is 409.

    Before the first value is accepted, planning is asked (outside any transaction) whether the task may
    still be drawn: a task cancelled since the draw was committed is not."""
    async with db.transaction() as session:
        pending = await get(session, draw_id=draw_id)
    if pending.entropy is None and pending.status == DrawStatus.committed:
        task = await planning.task(pending.task_id)
        if task.state not in REQUIRED_TASK_STATE[DrawKind(pending.kind)]:
            raise InvalidState(
                f"task {pending.task_id} is {task.state}: it can no longer be drawn",
                detail_zh=f"任务当前状态为 {task.state}，不能再执行抽取",
                current_state=task.state,
                code="task_state",
            )
    async with db.transaction() as session:
        draw = await _get_for_update(session, draw_id)
        ensure_can_draw(actor, draw.context.get("lead_department"))  # before anything reveals the draw's state
        if draw.status == DrawStatus.frozen:
            raise InvalidState(
                "the announcement has no audit receipt yet: entropy is refused until it is registered",
                detail_zh="抽取公告尚未在审计服务登记，不能提供随机值",
                current_state="frozen",
                code="not_registered",
            )
        if draw.status != DrawStatus.committed:
            raise InvalidState(
                f"entropy can be supplied once, to a committed draw; this draw is {draw.status}",
                detail_zh=f"随机值只能提供一次，且仅限已登记的抽取；该抽取状态为 {draw.status}",
                current_state=draw.status,
                code="draw_state",
            )
        if draw.entropy is None:
            try:
                check_entropy(entropy, json.loads(draw.announcement))
            except drawv1.DrawError as exc:
                raise UnprocessableEntity(
                    f"entropy rejected: {exc}",
                    detail_zh=f"随机值不符合要求：{exc}",
                    code="invalid_entropy",
                    extra={"check": exc.check},
                ) from None
            draw.entropy = entropy
            draw.entropy_at = datetime.now(UTC)
            await session.flush()
        elif draw.entropy != entropy:
            raise Conflict(
                f"entropy was already accepted for this draw at {draw.entropy_at.isoformat() if draw.entropy_at else '?'}; "
                "only the same value can complete it",
                detail_zh="该抽取已接受过随机值，只能以相同的随机值完成执行",
                code="entropy_already_accepted",
                extra={"entropy": draw.entropy, "entropy_at": draw.entropy_at.isoformat() if draw.entropy_at else None},
            )
        announcement, secret = draw.announcement, draw.secret
        inputs_gz = await repository.inputs_of(session, draw.id)
    inputs, _ = await asyncio.to_thread(storage.unpack_inputs, inputs_gz)
    del inputs_gz
    try:
        result = await asyncio.to_thread(
            drawv1.execute,
            announcement.encode("utf-8"),
            secret,
            entropy,
            inputs,
            workers=settings.draw_workers,
        )
    except drawv1.DrawError as exc:
        raise UnprocessableEntity(
            f"the draw cannot execute: {exc}",
            detail_zh=f"无法执行抽取（{exc.check}）",
            code="invalid_entropy",
            extra={"check": exc.check},
        ) from None
    result_gz = await asyncio.to_thread(pack, result)
    async with db.transaction() as session:
        draw = await _get_for_update(session, draw_id)
        if draw.status == DrawStatus.executed and draw.entropy == entropy:
            return draw  # a retry with the same value finished first: same result
        ensure_can_move(
            draw.status, DrawStatus.executed, detail=f"the draw became {draw.status} while executing", code="draw_state"
        )
        draw.result_gz = result_gz
        draw.summary = summarise(draw.kind, result)
        draw.status = DrawStatus.executed.value
        draw.executed_at = datetime.now(UTC)
        await session.flush()
        await _announce_result(session, draw=draw, result=result, inputs=inputs)
        await record_audit(
            session,
            actor=actor,
            action="draw.execute",
            object_type="draw",
            object_id=str(draw.id),
            data={"task_id": draw.task_id, "kind": draw.kind, "summary": draw.summary},
        )
        return draw


def summarise(kind: str, result: dict[str, Any]) -> dict[str, Any]:
    if kind == "teams":
        return {
            "assigned": len(result["teams"]),
            "unassigned": len(result["unassigned"]),
            "unassigned_reasons": _count(u["reason"] for u in result["unassigned"]),
        }
    return {"selected": len(result["selected"]), "alternates": len(result["alternates"]), "sizes": result["sizes"]}


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _pool_departments(inputs: dict[str, bytes]) -> dict[str, str]:
    """inspector id → department, from a teams draw's frozen pool (``id<TAB>department`` lines)."""
    out: dict[str, str] = {}
    for line in (inputs.get("pool") or b"").decode("utf-8").splitlines():
        inspector, _, department = line.partition("\t")
        out[inspector] = department
    return out


async def _announce_result(
    session: AsyncSession, *, draw: Draw, result: dict[str, Any], inputs: dict[str, bytes]
) -> None:
    task_id, draw_id = uuid.UUID(draw.task_id), str(draw.id)
    departments = draw.context.get("departments", [])
    lead = draw.context.get("lead_department") or (departments[0] if departments else "")
    if draw.kind == DrawKind.objects:
        await publish(session, destination="planning", event=TaskObjectsDrawn(task_id=task_id, draw_id=draw_id))
        await publish(
            session,
            destination="results",
            event=InspectionsDrawn(
                task_id=draw.task_id,
                draw_id=draw_id,
                entities=[s["id"] for s in result.get("selected", [])],
                lead_department=lead,
                departments=departments,
            ),
        )
    elif draw.kind == DrawKind.teams:
        pool = _pool_departments(inputs)
        await publish(
            session,
            destination="planning",
            event=TaskTeamsAssigned(
                task_id=task_id,
                draw_id=draw_id,
                round=draw.round,
                completes_draw_id=str(draw.completes_draw_id) if draw.completes_draw_id else None,
                assigned=len(result["teams"]),
                unassigned=[UnassignedEntity.model_validate(u) for u in result["unassigned"]],
            ),
        )
        await publish(
            session,
            destination="results",
            event=InspectionsCreate(
                task_id=draw.task_id,
                draw_id=draw_id,
                teams=[
                    InspectionTeam(
                        entity=t["entity"],
                        inspectors=t["inspectors"],
                        members=[TeamMember(inspector=i, department=pool.get(i, "")) for i in t["inspectors"]],
                    )
                    for t in result["teams"]
                ],
                lead_department=lead,
                departments=departments,
                team_departments=json.loads(draw.announcement)["team"]["required_departments"],
                unassigned=[UnassignedEntity.model_validate(u) for u in result["unassigned"]],
            ),
        )


# ------------------------------------------------------------------ void, reads, bundles


async def void(db: Database, *, planning: PlanningClient, draw_id: uuid.UUID, reason: str, actor: Principal) -> Draw:
    """Void a draw with a reason. An executed objects or teams draw moves the task back one step, which
    planning accepts only before the task has started: that is asked first (outside any transaction)."""
    async with db.transaction() as session:
        draw = await get(session, draw_id=draw_id)
        ensure_can_draw(actor, draw.context.get("lead_department"))
        await _ensure_voidable(session, draw)
    checked_task = False
    if draw.status == DrawStatus.executed and draw.kind in VOIDABLE_IN_TASK_STATE:
        await _ensure_task_not_started(planning, draw)
        checked_task = True
    async with db.transaction() as session:
        draw = await _get_for_update(session, draw_id)
        await _ensure_voidable(session, draw)
        was_executed = draw.status == DrawStatus.executed
        if was_executed and draw.kind in VOIDABLE_IN_TASK_STATE and not checked_task:
            raise InvalidState(
                "the draw was executed meanwhile; try again",
                detail_zh="抽取刚刚已执行，请重试",
                current_state=draw.status,
                code="draw_state",
            )
        draw.status = DrawStatus.voided.value
        draw.void_reason = reason
        draw.voided_at = datetime.now(UTC)
        draw.voided_by = actor.subject
        await session.flush()
        if was_executed and draw.kind in VOIDABLE_IN_TASK_STATE:
            await publish(
                session,
                destination="planning",
                event=TaskDrawVoided(
                    task_id=uuid.UUID(draw.task_id), draw_id=str(draw.id), kind=draw.kind, round=draw.round
                ),
            )
        if was_executed and draw.kind in (DrawKind.teams, DrawKind.objects):
            await publish(
                session,
                destination="results",
                event=InspectionsVoided(task_id=draw.task_id, draw_id=str(draw.id), kind=draw.kind),
            )
        await record_audit(
            session,
            actor=actor,
            action="draw.void",
            object_type="draw",
            object_id=str(draw.id),
            data={
                "task_id": draw.task_id,
                "kind": draw.kind,
                "reason": reason,
                "was": "executed" if was_executed else "open",
            },
        )
        return draw


async def _ensure_voidable(session: AsyncSession, draw: Draw) -> None:
    ensure_can_move(draw.status, DrawStatus.voided, detail="the draw is already voided", detail_zh="该抽取已作废")
    if draw.kind == DrawKind.objects:
        teams = await repository.active(session, draw.task_id, DrawKind.teams)
        if teams is not None:
            raise Conflict(
                f"void the teams draw {teams.id} of this task first",
                detail_zh="须先作废该任务的人员选派抽取",
                code="teams_draw_active",
                extra={"draw_id": str(teams.id)},
            )
    if draw.kind == DrawKind.teams:
        latest = await repository.active(session, draw.task_id, DrawKind.teams)
        if latest is not None and latest.round > draw.round:
            raise Conflict(
                f"void the later round {latest.round} (draw {latest.id}) first",
                detail_zh="须先作废后续轮次的补充选派",
                code="later_round_active",
                extra={"draw_id": str(latest.id), "round": latest.round},
            )


async def _ensure_task_not_started(planning: PlanningClient, draw: Draw) -> None:
    """Planning moves the task back only from the states the draw put it in; once inspections have
    started (or later) it refuses, so sampling refuses first rather than disagree with it."""
    task = await planning.task(draw.task_id)
    allowed = VOIDABLE_IN_TASK_STATE[DrawKind(draw.kind)]
    if task.state not in allowed:
        raise InvalidState(
            f"task {draw.task_id} is {task.state}: its inspections have started, so its executed {draw.kind} draw "
            f"can no longer be voided (only while the task is {' or '.join(allowed)})",
            detail_zh=f"任务当前状态为 {task.state}，检查已开始，不能再作废已执行的抽取",
            current_state=task.state,
            code="task_started",
            extra={"task_state": task.state.value},
        )


async def get(session: AsyncSession, *, draw_id: uuid.UUID) -> Draw:
    draw = await repository.get(session, draw_id)
    if draw is None:
        raise NotFound(f"no draw {draw_id}", detail_zh="抽取记录不存在", code="draw_not_found")
    return draw


async def _get_for_update(session: AsyncSession, draw_id: uuid.UUID) -> Draw:
    draw = await repository.get(session, draw_id, for_update=True)
    if draw is None:
        raise NotFound(f"no draw {draw_id}", detail_zh="抽取记录不存在", code="draw_not_found")
    return draw


def ensure_can_see_result(user: Principal, draw: Draw) -> None:
    """Who is drawn stays among those who must act on it until the window closes: officers
    of the task's departments (plus admins, auditors and services)."""
    visibility.ensure_can_see_drawn(
        user, departments=draw.context.get("departments", [draw.context.get("lead_department")])
    )


def result_of(draw: Draw) -> dict[str, Any]:
    if draw.result_gz is None:
        raise InvalidState(
            "the draw has no result yet", detail_zh="该抽取尚无结果", current_state=draw.status, code="no_result"
        )
    return unpack(draw.result_gz)


def bundle_of(draw: Draw, inputs_gz: bytes) -> dict[str, Any]:
    """The draw-bundle/1 document anyone can replay with tools/verify_draw.py (small draws and tests;
    the routes stream it with :func:`bundle_chunks`). ``inputs_gz``: :func:`repository.inputs_of`."""
    result = result_of(draw)
    inputs, _ = storage.unpack_inputs(inputs_gz)
    return drawv1.make_bundle(
        str(draw.id), draw.announcement.encode("utf-8"), draw.secret, draw.entropy or "", inputs, result=result
    )


def bundle_chunks(draw: Draw, inputs_gz: bytes) -> Iterator[bytes]:
    """The bundle's JSON, byte for byte :func:`bundle_of`'s compact dump, a chunk at a time: the
    inputs are decompressed once and the frame is never made into a string. Runs in a worker thread."""
    result = result_of(draw)
    inputs, _ = storage.unpack_inputs(inputs_gz)
    return storage.bundle_chunks(
        draw_id=str(draw.id),
        kind=draw.kind,
        announcement=draw.announcement,
        secret_hex=draw.secret,
        entropy=draw.entropy or "",
        inputs=inputs,
        result=result,
    )


def bundle_is_public(draw: Draw) -> bool:
    return bundle_public(status=draw.status, has_result=draw.result_gz is not None, public_from=draw.public_from)


def bundle_public(*, status: str, has_result: bool, public_from: date) -> bool:
    """The bundle of an executed (or later voided) draw is public from ``public_from`` (China time)."""
    return status in ("executed", "voided") and has_result and today_in_china() >= public_from


async def public_view(db: Database, *, draw_id: uuid.UUID) -> dict[str, Any]:
    """``GET /public/draws/{id}``: the public columns of a draw that is public (not ``frozen``), from a
    read connection; 404 ``draw_not_found`` otherwise."""
    async with db.read_connection() as conn:
        view = await repository.public_view(conn, draw_id)
    if view is None or view["status"] == "frozen":
        raise NotFound("no such public draw", detail_zh="该抽取不存在或尚未公开", code="draw_not_found")
    view["bundle_available"] = bundle_public(
        status=view["status"], has_result=view.pop("has_result"), public_from=view["public_from"]
    )
    return view
