"""Audit (审计): the announcement register."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from jointcheck.contracts import AnnouncementReceipt
from jointcheck.http import ServiceClient
from jointcheck.settings import Settings


class AuditClient(ServiceClient):
    service = "audit"

    async def register_announcement(self, draw_id: str, announcement: str) -> AnnouncementReceipt:
        # Registration is idempotent on the announcement bytes, so it may be retried.
        body = await self.post_json(
            "/v1/announcements",
            {"draw_id": draw_id, "announcement": announcement},
            headers={"Idempotency-Key": f"announce-{draw_id}"},
        )
        return AnnouncementReceipt.model_validate(body)


async def audit_client(settings: Settings) -> AuditClient:
    return AuditClient(settings)


Audit = Annotated[AuditClient, Depends(audit_client)]
