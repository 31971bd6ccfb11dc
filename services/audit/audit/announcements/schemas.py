"""Announcement register schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AnnouncementRegister(BaseModel):
    draw_id: str = Field(min_length=1, max_length=64)
    announcement: str = Field(min_length=2, max_length=1_000_000, description="the stored announcement bytes, as UTF-8 text")


class Receipt(BaseModel):
    """Proof that the announcement existed at ``registered_at`` (before any entropy)."""

    model_config = ConfigDict(from_attributes=True)

    receipt_id: uuid.UUID
    announcement_sha256: str
    draw_id: str
    source: str
    registered_at: datetime
    chain_seq: int = Field(description="position of the registration in the audit hash chain")
    chain_hash: str


class AnnouncementRead(Receipt):
    announcement: str
