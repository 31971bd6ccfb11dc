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
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck import draw as drawv1
from jointcheck.auth import Principal, Role
from jointcheck.errors import Conflict, DomainError, Forbidden, InvalidState, NotFound, UnprocessableEntity
from jointcheck.outbox import enqueue_event, record_audit
from sampling.clients import AuditClient, PlanningClient, RegistryClient, ResultsClient
from sampling.config import Settings
from sampling.draws import repository
from sampling.draws.models import Draw

log = logging.getLogger("sampling.draws")
CHINA = ZoneInfo("Asia/Shanghai")
CLASSES = ("A", "B", "C", "D", "U")
REQUIRED_TASK_STATE = {"objects": ("approved",), "teams": ("objects_drawn",), "experts": ("objects_drawn", "teams_assigned")}


def today_in_china() -> date:
    return datetime.now(CHINA).date()


def pack(obj: Any) -> bytes:
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 3)


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


def _rules(raw: dict[str, Any]) -> dict[str, Any]:
    """draw-v1 rule objects without null optional fields."""
    return {k: v for k, v in raw.items() if v is not None}


def ensure_can_draw(user: Principal, task: dict[str, Any]) -> None:
    if user.is_admin:
        return
    if Role.officer in user.roles and user.dept == task.get("lead_department"):
        return
    raise Forbidden("only the joint-meeting office or the lead department's officers may draw for this task",
                    detail_zh="仅联席办或牵头部门可为该任务抽取", code="draw_not_allowed")


# ------------------------------------------------------------------ freeze + commit


async def create(session: AsyncSession, *, settings: Settings, task_id: str, kind: str, entropy_source: str,
                 actor: Principal) -> Draw:
    """Freeze the inputs, commit to a fresh secret, and register the announcement with audit."""
    if entropy_source == "none" and not settings.allow_draws_without_entropy:
        raise UnprocessableEntity("this deployment requires public entropy (entropy_source 'none' is not allowed)",
                                  detail_zh="本系统要求公开随机源", code="entropy_required")
    task = await PlanningClient(settings).task(task_id)
    ensure_can_draw(actor, task)
    if task["state"] not in REQUIRED_TASK_STATE[kind]:
        raise InvalidState(f"a {kind} draw needs the task in state {' or '.join(REQUIRED_TASK_STATE[kind])}",
                           detail_zh="任务当前状态不允许此抽取", current_state=task["state"], code="task_state")
    existing = await repository.active(session, task_id, kind)
    if existing is not None:
        raise Conflict(f"task {task_id} already has an active {kind} draw {existing.id}; void it with a reason first",
                       detail_zh="该任务已有有效抽取，须先说明理由作废", code="draw_exists", extra={"draw_id": str(existing.id)})
    draw_id = uuid.uuid4()
    builder = {"objects": _freeze_objects, "teams": _freeze_teams, "experts": _freeze_experts}[kind]
    inputs, context, rules, extra_files, objects_draw_id = await builder(session, settings=settings, task=task)
    window_end = date.fromisoformat(task["inspection_end"])
    context = {"task_id": task_id, "draw_id": str(draw_id), "lead_department": task["lead_department"],
               "departments": list(task.get("departments") or [task["lead_department"]]), **context,
               "inspection_window": [task["inspection_start"], task["inspection_end"]]}
    secret = drawv1.new_secret()
    commitment = drawv1.commitment_of(secret)
    try:
        announcement = await asyncio.to_thread(
            drawv1.build_announcement, "teams" if kind == "teams" else kind, commitment, inputs,
            entropy_source=entropy_source, strata=rules if kind != "teams" else None,
            team=rules if kind == "teams" else None, context=context,
        )
    except drawv1.DrawError as exc:
        raise UnprocessableEntity(f"cannot commit this draw: {exc}", detail_zh=f"无法生成抽取公告：{exc}", code="draw_invalid",
                                  extra={"check": exc.check}) from None
    ann = json.loads(announcement)
    hashes = {k: v for k, v in ann.items() if k.endswith("_sha256") or k == "frame_size"}
    draw = Draw(
        id=draw_id, task_id=task_id, kind=kind, status="frozen", objects_draw_id=objects_draw_id,
        announcement=announcement.decode("utf-8"), announcement_sha256=drawv1.sha256_hex(announcement),
        commitment=commitment, secret=secret.hex(), entropy_source=entropy_source, input_hashes=hashes,
        inputs_gz=await asyncio.to_thread(pack, {"inputs": inputs, **extra_files}), context=context,
        public_from=window_end + timedelta(days=1), created_by=actor.subject,
    )
    session.add(draw)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"task {task_id} already has an active {kind} draw", code="draw_exists") from None
    await record_audit(session, actor=actor, action="draw.commit", object_type="draw", object_id=str(draw_id),
                       data={"task_id": task_id, "kind": kind, "announcement_sha256": draw.announcement_sha256})
    await _register(session, settings=settings, draw=draw)
    return draw


async def _register(session: AsyncSession, *, settings: Settings, draw: Draw) -> None:
    """No receipt, no draw: until audit has timestamped the announcement, entropy is refused."""
    try:
        receipt = await AuditClient(settings).register_announcement(str(draw.id), draw.announcement)
    except DomainError as exc:
        draw.registration_error = exc.detail or exc.code
        log.warning("announcement of draw %s not registered yet: %s", draw.id, draw.registration_error)
        await session.flush()
        return
    if receipt.get("announcement_sha256") != draw.announcement_sha256:
        raise Conflict("the audit receipt does not match the announcement", code="receipt_mismatch")
    draw.receipt = receipt
    draw.registered_at = datetime.fromisoformat(receipt["registered_at"])
    draw.registration_error = None
    draw.status = "committed"
    await session.flush()


async def register(session: AsyncSession, *, settings: Settings, draw_id: uuid.UUID, actor: Principal) -> Draw:
    draw = await _get_for_update(session, draw_id)
    if draw.status != "frozen":
        raise InvalidState("only a frozen draw awaits registration", current_state=draw.status, code="draw_state")
    await _register(session, settings=settings, draw=draw)
    return draw


async def _freeze_objects(session: AsyncSession, *, settings: Settings, task: dict[str, Any]):  # noqa: ANN202
    registry, results = RegistryClient(settings), ResultsClient(settings)
    frame = await registry.entity_frame(task["scope"])
    since = today_in_china() - timedelta(days=int(task.get("exclusion_days", 365)))
    excluded = await results.recently_inspected(since)
    text, removed = await asyncio.to_thread(_exclude, frame.text, set(excluded))
    exclusions = drawv1.make_file(removed)
    rules = {c: _rules(task["sampling_rules"][c]) for c in CLASSES}
    context = {
        "registry_version": frame.registry_version,
        "scope": task["scope"],
        "registry_frame_sha256": frame.sha256,
        "exclusion": {"since": since.isoformat(), "days": int(task.get("exclusion_days", 365)),
                      "count": len(removed), "sha256": drawv1.sha256_hex(exclusions.encode())},
    }
    return {"frame": text}, context, rules, {"exclusions": exclusions}, None


def _exclude(frame: str, excluded: set[str]) -> tuple[str, list[str]]:
    """Remove excluded ids from a frame (order is kept, so the file stays canonical)."""
    if not excluded:
        return frame, []
    kept: list[str] = []
    removed: list[str] = []
    for line in frame.splitlines(keepends=True):
        uscc = line.split("\t", 1)[0]
        if uscc in excluded:
            removed.append(uscc)
        else:
            kept.append(line)
    return "".join(kept), removed


async def _objects_draw(session: AsyncSession, task_id: str) -> Draw:
    objects = await repository.active(session, task_id, "objects")
    if objects is None or objects.status != "executed":
        raise InvalidState("the task has no executed objects draw", current_state=objects.status if objects else "none",
                           code="objects_draw_missing")
    return objects


async def _freeze_teams(session: AsyncSession, *, settings: Settings, task: dict[str, Any]):  # noqa: ANN202
    objects = await _objects_draw(session, task["id"])
    selected = [s["id"] for s in unpack(objects.result_gz)["selected"]]
    registry, results = RegistryClient(settings), ResultsClient(settings)
    version = objects.context["registry_version"]
    rules = dict(task["team_rules"])
    pool = await registry.inspector_pool(rules["required_departments"], as_of=None)
    on = max(today_in_china(), date.fromisoformat(task["inspection_start"]))
    recusals = await registry.recusal_pairs(on, selected, as_of=pool.registry_version)
    previous = await results.last_inspectors(selected)
    lines = [tuple(line.split("\t")) for line in recusals.text.splitlines()]
    lines += [("previous", inspector, uscc) for uscc, team in previous.items() for inspector in team]
    inputs = {"entities": drawv1.make_file(selected), "pool": pool.text, "constraints": drawv1.make_file(lines)}
    context = {"objects_draw_id": str(objects.id), "objects_registry_version": version,
               "registry_version": pool.registry_version, "recusals_on": on.isoformat(),
               "previous_pairs": sum(len(t) for t in previous.values())}
    team = {"required_departments": rules["required_departments"], "team_size": int(rules["team_size"]),
            "max_load": int(rules["max_load"])}
    return inputs, context, team, {}, objects.id


async def _freeze_experts(session: AsyncSession, *, settings: Settings, task: dict[str, Any]):  # noqa: ANN202
    wanted = {f: int(n) for f, n in (task.get("experts") or {}).items() if int(n) > 0}
    if not wanted:
        raise UnprocessableEntity("the task asks for no experts", detail_zh="该任务不需要专家", code="no_experts_needed")
    frame = await RegistryClient(settings).expert_frame(sorted(wanted))
    rules = {f: {"count": n} for f, n in wanted.items()}
    present = {line.split("\t")[1] for line in frame.text.splitlines()}
    context = {"registry_version": frame.registry_version, "fields": wanted,
               "fields_without_experts": sorted(set(wanted) - present)}
    return {"frame": frame.text}, context, rules, {}, None


# ------------------------------------------------------------------ entropy + execute


async def supply_entropy(session: AsyncSession, *, settings: Settings, draw_id: uuid.UUID, entropy: str,
                         actor: Principal) -> Draw:
    draw = await _get_for_update(session, draw_id)
    if draw.status == "frozen":
        raise InvalidState("the announcement has no audit receipt yet: entropy is refused until it is registered",
                           detail_zh="抽取公告尚未在审计服务登记，不能提供随机值", current_state="frozen", code="not_registered")
    if draw.status != "committed":
        raise InvalidState(f"entropy can be supplied once, to a committed draw; this draw is {draw.status}",
                           current_state=draw.status, code="draw_state")
    ensure_can_draw(actor, {"lead_department": draw.context.get("lead_department")})
    stored = unpack(draw.inputs_gz)
    try:
        result = await asyncio.to_thread(drawv1.execute, draw.announcement.encode("utf-8"), draw.secret, entropy,
                                         stored["inputs"], workers=settings.draw_workers)
    except drawv1.DrawError as exc:
        raise UnprocessableEntity(f"entropy rejected: {exc}", code="invalid_entropy", extra={"check": exc.check}) from None
    draw.entropy = entropy
    draw.entropy_at = datetime.now(timezone.utc)
    draw.result_gz = await asyncio.to_thread(pack, result)
    draw.summary = summarise(draw.kind, result)
    draw.status = "executed"
    draw.executed_at = datetime.now(timezone.utc)
    await session.flush()
    await _announce_result(session, draw=draw, result=result)
    await record_audit(session, actor=actor, action="draw.execute", object_type="draw", object_id=str(draw.id),
                       data={"task_id": draw.task_id, "kind": draw.kind, "summary": draw.summary})
    return draw


def summarise(kind: str, result: dict[str, Any]) -> dict[str, Any]:
    if kind == "teams":
        return {"assigned": len(result["teams"]), "unassigned": len(result["unassigned"]),
                "unassigned_reasons": _count(u["reason"] for u in result["unassigned"])}
    return {"selected": len(result["selected"]), "alternates": len(result["alternates"]), "sizes": result["sizes"]}


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


async def _announce_result(session: AsyncSession, *, draw: Draw, result: dict[str, Any]) -> None:
    base = {"task_id": draw.task_id, "draw_id": str(draw.id)}
    if draw.kind == "objects":
        await enqueue_event(session, destination="planning", topic="task.objects_drawn", payload=base)
    elif draw.kind == "teams":
        await enqueue_event(session, destination="planning", topic="task.teams_assigned", payload=base)
        await enqueue_event(session, destination="results", topic="inspections.create",
                            payload=base | {"teams": result["teams"]})


# ------------------------------------------------------------------ void, reads, bundles


async def void(session: AsyncSession, *, draw_id: uuid.UUID, reason: str, actor: Principal) -> Draw:
    draw = await _get_for_update(session, draw_id)
    ensure_can_draw(actor, {"lead_department": draw.context.get("lead_department")})
    if draw.status == "voided":
        raise InvalidState("the draw is already voided", current_state="voided", code="draw_state")
    if draw.kind == "objects":
        teams = await repository.active(session, draw.task_id, "teams")
        if teams is not None:
            raise Conflict(f"void the teams draw {teams.id} of this task first", code="teams_draw_active",
                           extra={"draw_id": str(teams.id)})
    was_executed = draw.status == "executed"
    draw.status = "voided"
    draw.void_reason = reason
    draw.voided_at = datetime.now(timezone.utc)
    draw.voided_by = actor.subject
    await session.flush()
    if was_executed and draw.kind in ("objects", "teams"):
        await enqueue_event(session, destination="planning", topic="task.draw_voided",
                            payload={"task_id": draw.task_id, "draw_id": str(draw.id), "kind": draw.kind})
    if was_executed and draw.kind == "teams":
        await enqueue_event(session, destination="results", topic="inspections.voided",
                            payload={"task_id": draw.task_id, "draw_id": str(draw.id)})
    await record_audit(session, actor=actor, action="draw.void", object_type="draw", object_id=str(draw.id),
                       data={"task_id": draw.task_id, "kind": draw.kind, "reason": reason, "was": "executed" if was_executed else "open"})
    return draw


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
    if user.is_admin or user.has(Role.auditor, Role.service):
        return
    if Role.officer in user.roles and user.dept in draw.context.get("departments", [draw.context.get("lead_department")]):
        return
    raise Forbidden("only the task's departments may see who was drawn", detail_zh="仅参与该任务的部门可查看抽取结果",
                    code="result_not_allowed")


def result_of(draw: Draw) -> dict[str, Any]:
    if draw.result_gz is None:
        raise InvalidState("the draw has no result yet", current_state=draw.status, code="no_result")
    return unpack(draw.result_gz)


def bundle_of(draw: Draw) -> dict[str, Any]:
    """The draw-bundle/1 document anyone can replay with tools/verify_draw.py."""
    result = result_of(draw)
    stored = unpack(draw.inputs_gz)
    return drawv1.make_bundle(str(draw.id), draw.announcement.encode("utf-8"), draw.secret, draw.entropy or "",
                              stored["inputs"], result=result)


def bundle_is_public(draw: Draw) -> bool:
    return draw.status in ("executed", "voided") and draw.result_gz is not None and today_in_china() >= draw.public_from
