"""Joint inspection tasks (联合抽查任务) and their state history."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, ForeignKeyConstraint, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from planning.database import Base


class Task(Base):
    """A task pins one checklist version for ever; its state is driven by people and by events."""

    __tablename__ = "tasks"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    plan_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("plans.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    checklist_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    checklist_version: Mapped[int] = mapped_column(Integer)
    lead_department: Mapped[str] = mapped_column(String(16))
    departments: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    scope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    draw_type: Mapped[str] = mapped_column(String(16))
    sampling_rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    exclusion_days: Mapped[int] = mapped_column(Integer)
    team_rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    experts: Mapped[dict[str, int]] = mapped_column(JSONB)
    inspection_start: Mapped[date] = mapped_column(Date)
    inspection_end: Mapped[date] = mapped_column(Date)
    executing_body: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(24), index=True)
    objects_draw_id: Mapped[str | None] = mapped_column(String(64))
    teams_draw_id: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (
        ForeignKeyConstraint(
            ["checklist_id", "checklist_version"], ["checklist_versions.checklist_id", "checklist_versions.version"]
        ),
    )


class TaskTransition(Base):
    """Who moved a task from which state to which, when and why."""

    __tablename__ = "task_transitions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("tasks.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    by: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)


class TaskTeamRound(Base):
    """One executed round of teams draws: round 1 is the teams draw, later rounds are the
    supplementary draws that give the previous round's unassigned entities a team."""

    __tablename__ = "task_team_rounds"

    task_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("tasks.id"), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    draw_id: Mapped[str] = mapped_column(String(64))
    completes_draw_id: Mapped[str | None] = mapped_column(String(64))
    assigned: Mapped[int] = mapped_column(Integer)
    unassigned: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TaskAmendment(Base):
    """A change of an approved task's team rules (who, when, why, before and after)."""

    __tablename__ = "task_amendments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("tasks.id"), index=True)
    by: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any]] = mapped_column(JSONB)
    after: Mapped[dict[str, Any]] = mapped_column(JSONB)
