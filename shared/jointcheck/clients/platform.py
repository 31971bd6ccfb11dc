"""The collaborative supervision platform (协同监管平台): its change feed.

The platform is outside the project; in development and tests the GSXT emulator serves the
same contract (``docs/platform-feed.md``). Where it lives is configuration: the caller's
``platform_url`` (the registry's ``REGISTRY_PLATFORM_URL``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from jointcheck.contracts import PlatformPage
from jointcheck.http import ServiceClient
from jointcheck.settings import Settings


class PlatformClient(ServiceClient):
    """Reads are GETs: retried on connection errors and 502/503/504 (``http_retries``)."""

    service = "platform"

    async def changes(self, division: str, *, after: int, limit: int, timeout: float | None = None) -> PlatformPage:
        """The page of changes of ``division`` with sequence numbers after ``after``."""
        body = await self.get_json(
            "/api/platform/changes", params={"division": division, "after": after, "limit": limit}, timeout=timeout
        )
        return PlatformPage.model_validate(body)


async def platform_client(settings: Settings) -> PlatformClient:
    return PlatformClient(settings)


Platform = Annotated[PlatformClient, Depends(platform_client)]
