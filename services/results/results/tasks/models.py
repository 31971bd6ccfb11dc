"""The tasks results files inspections under: what planning sent when it approved each one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from results.database import Base


class ResultTask(Base):
    __tablename__ = "result_tasks"

    task_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64))
    plan_year: Mapped[int] = mapped_column(Integer)
    plan_name: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    draw_type: Mapped[str] = mapped_column(String(16))
    lead_department: Mapped[str] = mapped_column(String(16))
    departments: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    inspection_start: Mapped[date] = mapped_column(Date)
    inspection_end: Mapped[date] = mapped_column(Date)
    checklist_id: Mapped[str] = mapped_column(String(64))
    checklist_version: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # 20 working days after the window ends; None while the calendar of that year is unknown.
    due_on: Mapped[date | None] = mapped_column(Date)
    due_problem: Mapped[str | None] = mapped_column(Text)
    completed_sent: Mapped[bool] = mapped_column(server_default="false")
    published_sent: Mapped[bool] = mapped_column(server_default="false")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
