"""Announcement register schemas."""

from __future__ import annotations

from pydantic import Field

from jointcheck.contracts import AnnouncementReceipt
from jointcheck.schemas import Schema


class AnnouncementCreate(Schema):
    draw_id: str = Field(min_length=1, max_length=64)
    announcement: str = Field(
        min_length=2, max_length=1_000_000, description="the stored announcement bytes, as UTF-8 text"
    )


class AnnouncementRead(AnnouncementReceipt):
    announcement: str
