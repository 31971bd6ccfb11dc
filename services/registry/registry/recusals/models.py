"""Recusals (回避): an inspector must not inspect an entity, for a period; every version kept.

The period is ``effective_from`` .. ``effective_until`` (dates, inclusive; the API calls
them ``valid_from`` / ``valid_until``) — not to be confused with the registry versions
``valid_from`` / ``valid_to`` of the :class:`Versioned` row.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from registry.versioning.models import Versioned


class Recusal(Versioned, Base):
    __tablename__ = "recusals"

    recusal_id: Mapped[str] = mapped_column(String(36, collation="C"))
    inspector_id: Mapped[str] = mapped_column(String(32, collation="C"))
    uscc: Mapped[str] = mapped_column(String(18, collation="C"))
    reason: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[str] = mapped_column(String(128))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_until: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("effective_until IS NULL OR effective_until >= effective_from", name="period_ordered"),
        Index("uq_recusals_current_id", "recusal_id", unique=True, postgresql_where=text("valid_to IS NULL")),
        Index("ix_recusals_id_valid_from", "recusal_id", "valid_from"),
        Index("ix_recusals_current_inspector", "inspector_id", postgresql_where=text("valid_to IS NULL")),
        Index("ix_recusals_current_uscc", "uscc", postgresql_where=text("valid_to IS NULL")),
    )
