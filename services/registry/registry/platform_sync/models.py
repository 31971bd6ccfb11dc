"""Where the registry stands in the platform's change feed, and what each sync run did."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base


class PlatformSyncState(Base):
    """One row per feed (source and division): the cursor applied, in the same
    transaction as the changes it covers. Its row lock makes replicas take turns."""

    __tablename__ = "platform_sync_state"

    feed: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    newest_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())


class PlatformSyncRun(Base):
    """One pull: scheduled or on demand; counters grow page by page with the pages applied."""

    __tablename__ = "platform_sync_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    feed: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    # the last sign of life (start, each page): a run silent for long was left by a dead process
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cursor_from: Mapped[int] = mapped_column(BigInteger)
    cursor_to: Mapped[int] = mapped_column(BigInteger)
    newest_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    pages: Mapped[int] = mapped_column(Integer, server_default="0")
    pulled: Mapped[int] = mapped_column(Integer, server_default="0")
    inserted: Mapped[int] = mapped_column(Integer, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, server_default="0")
    deregistered: Mapped[int] = mapped_column(Integer, server_default="0")
    classes_changed: Mapped[int] = mapped_column(Integer, server_default="0")
    unchanged: Mapped[int] = mapped_column(Integer, server_default="0")
    rejected: Mapped[int] = mapped_column(Integer, server_default="0")
    rejects: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    versions: Mapped[list[int]] = mapped_column(JSONB, server_default="[]")
    error: Mapped[str | None] = mapped_column(Text)
