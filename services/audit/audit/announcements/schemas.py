"""Announcement register schemas."""

from __future__ import annotations

from pydantic import BaseModel, Field

from jointcheck.contracts import AnnouncementReceipt


class AnnouncementRegister(BaseModel):
    draw_id: str = Field(min_length=1, max_length=64)
    announcement: str = Field(min_length=2, max_length=1_000_000, description="the stored announcement bytes, as UTF-8 text")


Receipt = AnnouncementReceipt
"""Proof that the announcement existed at ``registered_at`` (the published contract)."""


class AnnouncementRead(Receipt):
    announcement: str
