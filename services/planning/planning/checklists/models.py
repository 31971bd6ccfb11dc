"""Industry checklists (行业统一检查单), every version kept with its ordered items."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from planning.database import Base


class Checklist(Base):
    __tablename__ = "checklists"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ChecklistVersion(Base):
    """One immutable version; tasks pin (checklist_id, version) for ever."""

    __tablename__ = "checklist_versions"

    checklist_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("checklists.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    industry_codes: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    lead_department: Mapped[str] = mapped_column(String(16), index=True)
    cooperating_departments: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    frequency_per_year: Mapped[int] = mapped_column(Integer)
    frequency_note: Mapped[str] = mapped_column(String(200))
    remarks: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(128))


class ChecklistEntry(Base):
    """An item of a checklist version, in order, with the department responsible for it (分工)."""

    __tablename__ = "checklist_entries"

    checklist_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    checklist_version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    item_version: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        ForeignKeyConstraint(
            ["checklist_id", "checklist_version"], ["checklist_versions.checklist_id", "checklist_versions.version"]
        ),
        ForeignKeyConstraint(
            ["item_id", "item_version"], ["check_item_versions.item_id", "check_item_versions.version"]
        ),
    )
