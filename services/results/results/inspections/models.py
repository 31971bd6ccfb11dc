"""Inspections: one joint visit per drawn entity, its team, its items, every department's findings on
it, and its history (submission, review, return, approval)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from results.database import Base

#: awaiting_team → assigned → visited → submitted → approved → published; submitted → returned → submitted.
STATES = ("awaiting_team", "assigned", "visited", "submitted", "returned", "approved", "published")
#: States in which findings may still be recorded (the team is at work, or the lead returned it).
EDITABLE = ("assigned", "visited", "returned")


class Inspection(Base):
    __tablename__ = "inspections"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    task_id: Mapped[str] = mapped_column(String(64))
    objects_draw_id: Mapped[str | None] = mapped_column(String(64))
    # The teams draw that gave the current team (None while the entity awaits one).
    draw_id: Mapped[str | None] = mapped_column(String(64))
    uscc: Mapped[str] = mapped_column(String(18, collation="C"))
    inspectors: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    # [{"inspector", "department"}] in team order (from the teams draw's pool).
    team: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    lead_department: Mapped[str | None] = mapped_column(String(16))
    # Who may see and act on it before publication (jointcheck.visibility): the task's
    # departments, and the departments its team is drawn from.
    departments: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    team_departments: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    state: Mapped[str] = mapped_column(String(16), server_default="assigned")
    no_team_reason: Mapped[str | None] = mapped_column(Text)
    # The task's pinned checklist items, copied once (later checklist versions never change them).
    checklist_id: Mapped[str | None] = mapped_column(String(64))
    checklist_version: Mapped[int | None] = mapped_column(Integer)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    inspected_on: Mapped[date | None] = mapped_column(Date)
    # [{"code", "department"?}] chosen at submission from the result-category dictionary.
    categories: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    follow_up_measure: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[str | None] = mapped_column(String(128))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(128))
    due_on: Mapped[date | None] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, server_default="false")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # The inspection as ``InspectionRead`` renders it (the list page sends it as it is), written by
    # a trigger in the statement that writes the row (repository.READ_JSON_FUNCTION): never set it.
    read_json: Mapped[str] = mapped_column(Text, deferred=True)

    __table_args__ = (
        UniqueConstraint("task_id", "uscc", name="uq_inspections_task_id_uscc"),
        Index("ix_inspections_uscc_inspected_on", "uscc", "inspected_on"),
        Index("ix_inspections_inspected_on", "inspected_on"),
        Index("ix_inspections_state_due_on", "state", "due_on"),
    )


class Finding(Base):
    """One department's finding on one item of one inspection (谁检查、谁录入)."""

    __tablename__ = "findings"

    inspection_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_id: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, server_default="")
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class InspectionEvent(Base):
    """The history of an inspection: every state change, with who, when and why (kept for ever)."""

    __tablename__ = "inspection_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    inspection_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, server_default="")
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
