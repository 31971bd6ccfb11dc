"""What sampling publishes to the audit service: a draw's status and its draw-bundle/1."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from jointcheck.schemas import Schema


class DrawBundle(Schema):
    """The draw-bundle/1 document (docs/draw-spec.md) as ``GET /v1/draws/{id}/bundle`` serves it."""

    format: str
    draw_id: str
    kind: str
    announcement: str = Field(description="the stored announcement bytes, as UTF-8 text")
    secret: str
    entropy: str
    inputs: dict[str, str]
    result: dict[str, Any]


class DrawStatusRead(Schema):
    """A draw's status as sampling reports it (``GET /v1/draws/{id}``): claims, to be checked."""

    id: uuid.UUID
    task_id: str
    kind: str
    status: str
    objects_draw_id: uuid.UUID | None = None
    announcement_sha256: str
    registered_at: datetime | None = None
    entropy_at: datetime | None = None
    executed_at: datetime | None = None
    created_at: datetime | None = None
