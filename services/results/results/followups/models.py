"""Follow-up cases (后续处置): a non-compliant finding goes to the competent department (谁主管、谁监管)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Identity, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from results.database import Base

#: open → closed (with an outcome); transfers keep it open under another department.
OUTCOMES = ("rectified", "penalised", "referred", "other")


class FollowupCase(Base):
    __tablename__ = "followup_cases"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    inspection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("inspections.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[str] = mapped_column(String(64), index=True)
    uscc: Mapped[str] = mapped_column(String(18, collation="C"), index=True)
    item_name: Mapped[str] = mapped_column(String(200), server_default="")
    department: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[str] = mapped_column(String(16), server_default="open")
    rectify_by: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __table_args__ = (UniqueConstraint("inspection_id", "position", name="uq_followup_cases_inspection_position"),)


class FollowupEvent(Base):
    """Every step of a case: opened, deadline set, transferred (from, to, reason), closed."""

    __tablename__ = "followup_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("followup_cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_department: Mapped[str | None] = mapped_column(String(16))
    to_department: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, server_default="")
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
