"""The result-category dictionary (configurable, hierarchical, bilingual)."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from results.database import Base


class ResultCategory(Base):
    __tablename__ = "result_categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent: Mapped[str | None] = mapped_column(String(64))
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    # A choice of this category names the department whose rules were broken.
    names_department: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # Chosen alone (未发现问题 excludes every problem category).
    exclusive: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # compliant / problem / circumstance / status (jointcheck.codes.result_categories.CategoryKind)
    kind: Mapped[str] = mapped_column(String(16), server_default="problem")
    # On a group: at most one of its children.
    single_choice: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # The result leaves work for the competent department (后续处置).
    follow_up: Mapped[bool] = mapped_column(Boolean, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    position: Mapped[int] = mapped_column(Integer, server_default="0")
