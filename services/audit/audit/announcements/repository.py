"""Every query of the announcement register."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audit.announcements.models import Announcement


async def by_sha256(session: AsyncSession, sha256: str) -> Announcement | None:
    return (
        await session.execute(select(Announcement).where(Announcement.announcement_sha256 == sha256))
    ).scalar_one_or_none()
