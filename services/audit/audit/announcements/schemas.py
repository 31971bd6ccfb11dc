"""Announcement register schemas."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from jointcheck.contracts import AnnouncementReceipt
from jointcheck.schemas import Schema


class AnnouncementCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "draw_id": "1c0e7a52-7f3b-4d8e-9b61-2a4c5d6e7f80",
                    "announcement": '{"kind":"objects","spec":"draw-v1","task_id":"6a1f7c1e-52f4-4e0e-8a4f-0d1b7e2c9a33"}',
                }
            ]
        }
    )

    draw_id: str = Field(min_length=1, max_length=64)
    announcement: str = Field(
        min_length=2, max_length=1_000_000, description="the stored announcement bytes, as UTF-8 text"
    )


class AnnouncementRead(AnnouncementReceipt):
    announcement: str
