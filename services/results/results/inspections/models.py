"""Inspections: one joint visit per drawn entity, with the team the draw assigned."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from results.database import Base


class Inspection(Base):
    __tablename__ = "inspections"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    task_id: Mapped[str] = mapped_column(String(64))
    draw_id: Mapped[str] = mapped_column(String(64))
    uscc: Mapped[str] = mapped_column(String(18, collation="C"))
    inspectors: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    # Who may see and act on it before publication (jointcheck.visibility): the task's
    # departments, and the departments its team is drawn from.
    departments: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    team_departments: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    state: Mapped[str] = mapped_column(String(16), server_default="assigned")
    inspected_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        UniqueConstraint("task_id", "uscc", name="uq_inspections_task_id_uscc"),
        Index("ix_inspections_uscc_inspected_on", "uscc", "inspected_on"),
        Index("ix_inspections_inspected_on", "inspected_on"),
    )
