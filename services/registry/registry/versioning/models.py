"""The registry version: one global, monotonically increasing counter.

Every write transaction that changes an entity, inspector, expert or recusal takes
the next version from the single ``registry_state`` row. Taking it locks that row until
commit, so versions become visible strictly in order: once version V is readable,
nothing stamped ≤ V can appear later, and a read *as of V* is the same forever.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base


class RegistryState(Base):
    __tablename__ = "registry_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class RegistryVersion(Base):
    """Who made each version, when, and why (one row per version)."""

    __tablename__ = "registry_versions"

    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    actor: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")


class Versioned:
    """Columns of every versioned record (slowly changing, type 2).

    A record's state at registry version V is the row with
    ``valid_from <= V AND (valid_to IS NULL OR valid_to > V)``; a soft delete is a new
    row with ``deleted = true``. Rows are never updated except to close ``valid_to``.
    """

    row_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    valid_from: Mapped[int] = mapped_column(BigInteger)
    valid_to: Mapped[int | None] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, server_default="false")
    changed_by: Mapped[str | None] = mapped_column(String(128))
    change_reason: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
