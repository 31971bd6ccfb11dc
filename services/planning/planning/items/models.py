"""Check items (抽查事项) of each department, every version kept."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from planning.database import Base


class CheckItem(Base):
    """The identity of an item: its department and code never change."""

    __tablename__ = "check_items"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    department: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    current_version: Mapped[int] = mapped_column(Integer)
    # Cancelled (never deleted) with a reason, before any task inspecting it has been drawn.
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[str | None] = mapped_column(String(128))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("department", "code"),)


class CheckItemVersion(Base):
    """One immutable version of an item; checklists point at (item_id, version)."""

    __tablename__ = "check_item_versions"

    item_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("check_items.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    sub_items: Mapped[list[str]] = mapped_column(JSONB)
    legal_basis: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    methods: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    category: Mapped[str] = mapped_column(String(16))
    objects: Mapped[str] = mapped_column(Text)
    inspector_requirements: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    remarks: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (CheckConstraint("category IN ('general', 'key')", name="category"),)
