"""Schemas of the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from jointcheck.schemas import Schema


class AuditEventRead(Schema):
    seq: int
    event_id: uuid.UUID
    source: str
    actor: dict[str, Any] | None
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    prev_hash: str
    hash: str


class ChainVerdict(Schema):
    """Result of recomputing the whole chain."""

    ok: bool
    entries: int
    head_hash: str
    first_broken_seq: int | None = None
    reason: str | None = None
