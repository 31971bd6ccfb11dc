"""Market entities (市场主体), every version kept."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from registry.versioning.models import Versioned


class Entity(Versioned, Base):
    """One version of one entity; the USCC (bytewise collation) is the identity."""

    __tablename__ = "entities"

    uscc: Mapped[str] = mapped_column(String(18, collation="C"))
    name: Mapped[str] = mapped_column(String(256))
    entity_type: Mapped[str] = mapped_column(String(24))
    industry_code: Mapped[str] = mapped_column(String(5, collation="C"))
    division_code: Mapped[str] = mapped_column(String(6, collation="C"))
    address: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[str] = mapped_column(String(16))
    registered_on: Mapped[date | None] = mapped_column(Date)
    credit_class: Mapped[str | None] = mapped_column(String(1))
    classified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    departments: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default="{}")
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    legacy_code: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # "local" (files, the API) or "platform" (the collaborative platform's feed, which then
    # owns the registration fields: registry.platform_sync.service.PLATFORM_FIELDS).
    source: Mapped[str] = mapped_column(String(16), server_default="local")

    __table_args__ = (
        Index("uq_entities_current_uscc", "uscc", unique=True, postgresql_where=text("valid_to IS NULL")),
        # valid_to, deleted and credit_class included: a frame is an index-only scan (no heap visits)
        Index(
            "ix_entities_uscc_valid_from",
            "uscc",
            "valid_from",
            postgresql_include=["valid_to", "deleted", "credit_class"],
        ),
        Index("ix_entities_current_industry", "industry_code", postgresql_where=text("valid_to IS NULL")),
        # a county's entities in USCC order (list pages filtered by division)
        Index("ix_entities_current_division", "division_code", "uscc", postgresql_where=text("valid_to IS NULL")),
    )
