"""The expert pool (专家库), every version kept."""

from __future__ import annotations

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from registry.versioning.models import Versioned


class Expert(Versioned, Base):
    """One version of one expert; ``expert_id`` and ``field`` compare bytewise (draw-v1 order)."""

    __tablename__ = "experts"

    expert_id: Mapped[str] = mapped_column(String(32, collation="C"))
    name: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64, collation="C"))
    organisation: Mapped[str] = mapped_column(String(128), server_default="")
    title: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        Index("uq_experts_current_id", "expert_id", unique=True, postgresql_where=text("valid_to IS NULL")),
        Index("ix_experts_id_valid_from", "expert_id", "valid_from"),
    )
