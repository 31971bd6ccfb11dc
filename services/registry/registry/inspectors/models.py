"""Enforcement inspectors (执法检查人员), every version kept."""

from __future__ import annotations

from sqlalchemy import Index, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import Base
from registry.versioning.models import Versioned


class Inspector(Versioned, Base):
    """One version of one inspector; ``inspector_id`` (bytewise collation) is the identity."""

    __tablename__ = "inspectors"

    inspector_id: Mapped[str] = mapped_column(String(32, collation="C"))
    name: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(16, collation="C"))
    certificate_no: Mapped[str] = mapped_column(String(32))
    specialties: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    region: Mapped[str] = mapped_column(String(6, collation="C"))
    status: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        Index("uq_inspectors_current_id", "inspector_id", unique=True, postgresql_where=text("valid_to IS NULL")),
        Index("ix_inspectors_id_valid_from", "inspector_id", "valid_from"),
        Index(
            "uq_inspectors_current_certificate",
            "certificate_no",
            unique=True,
            postgresql_where=text("valid_to IS NULL AND NOT deleted"),
        ),
        Index("ix_inspectors_current_department", "department", postgresql_where=text("valid_to IS NULL")),
    )
