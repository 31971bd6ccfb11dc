"""Draws: frozen inputs, commitment, receipt, entropy, result — every step kept."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, Index, Integer, LargeBinary, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from sampling.database import Base
from sampling.draws.states import DrawKind, DrawStatus


def _one_of(column: str, values: type[DrawKind] | type[DrawStatus]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Draw(Base):
    """One draw of one kind for one task. Status: frozen → committed → executed; or voided
    (:mod:`sampling.draws.states` has the transition table). Entropy, once accepted, is
    recorded on the committed draw before it executes."""

    __tablename__ = "draws"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    task_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    objects_draw_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Teams draws come in rounds: round 1 draws teams for the selected entities; round n > 1 (a
    # supplementary draw) for exactly the entities round n − 1 left unassigned, which it completes.
    round: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    completes_draw_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    announcement: Mapped[str] = mapped_column(Text)
    announcement_sha256: Mapped[str] = mapped_column(String(64))
    commitment: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(64))
    entropy_source: Mapped[str] = mapped_column(String(200))
    input_hashes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Deferred: a province's frozen frame is ~75 MB compressed; only executing and the bundle read
    # it, through repository.inputs_of() (a lazy load would fail loudly in async code).
    inputs_gz: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    context: Mapped[dict[str, Any]] = mapped_column(JSONB)
    public_from: Mapped[date] = mapped_column(Date)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registration_error: Mapped[str | None] = mapped_column(Text)
    entropy: Mapped[str | None] = mapped_column(Text)
    entropy_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result_gz: Mapped[bytes | None] = mapped_column(LargeBinary)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        # One active draw per task, kind and round; a voided draw stays, visible, beside its successor.
        Index(
            "uq_draws_active_task_kind_round",
            "task_id",
            "kind",
            "round",
            unique=True,
            postgresql_where=text("status <> 'voided'"),
        ),
        CheckConstraint("round >= 1 AND (round = 1) = (completes_draw_id IS NULL)", name="round"),
        CheckConstraint("round = 1 OR kind = 'teams'", name="rounds_for_teams"),
        Index("ix_draws_task_id", "task_id"),
        CheckConstraint(_one_of("kind", DrawKind), name="kind"),
        CheckConstraint(_one_of("status", DrawStatus), name="status"),
        CheckConstraint(
            "status <> 'executed' OR (entropy IS NOT NULL AND result_gz IS NOT NULL)", name="executed_has_entropy"
        ),
    )
