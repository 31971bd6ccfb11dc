"""Registering announcements: idempotent on the bytes, chained into the audit log."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from audit.announcements import repository
from audit.announcements.models import Announcement
from audit.log import service as log
from jointcheck.auth import Principal
from jointcheck.errors import NotFound, UnprocessableEntity


async def register(
    session: AsyncSession, *, draw_id: str, announcement: str, caller: Principal
) -> tuple[Announcement, bool]:
    """Timestamp an announcement; (receipt, newly registered?). The same bytes again give the first receipt."""
    try:
        parsed = json.loads(announcement)
    except ValueError:
        raise UnprocessableEntity(
            "the announcement is not JSON", detail_zh="公告不是 JSON", code="invalid_announcement"
        ) from None
    if not isinstance(parsed, dict) or parsed.get("algorithm") != "draw-v1" or "commitment" not in parsed:
        raise UnprocessableEntity(
            "not a draw-v1 announcement (algorithm, commitment)",
            detail_zh="不是 draw-v1 抽取公告（算法、承诺值）",
            code="invalid_announcement",
        )
    sha = hashlib.sha256(announcement.encode("utf-8")).hexdigest()
    existing = await repository.by_sha256(session, sha)
    if existing is not None:
        return existing, False
    receipt_id = uuid.uuid4()
    entry = await log.append(
        session,
        event_id=receipt_id,
        source="audit",
        actor=caller.audit_actor(),
        action="announcement.register",
        object_type="draw",
        object_id=draw_id,
        data={"announcement_sha256": sha, "kind": parsed.get("kind")},
        occurred_at=datetime.now(UTC),
    )
    row = Announcement(
        receipt_id=receipt_id,
        announcement_sha256=sha,
        announcement=announcement,
        draw_id=draw_id,
        source=caller.subject,
        chain_seq=entry.seq,
        chain_hash=entry.hash,
        registered_at=entry.recorded_at,
    )
    session.add(row)
    await session.flush()
    return row, True


async def get(session: AsyncSession, *, sha256: str) -> Announcement:
    row = await repository.by_sha256(session, sha256)
    if row is None:
        raise NotFound(
            f"no announcement with SHA-256 {sha256}", detail_zh="未登记该公告", code="announcement_not_found"
        )
    return row
