"""Sampling (抽取): a draw's status, its bundle, the draws of a task (read by the audit service)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from jointcheck.contracts import DrawBundle, DrawStatusRead, SamplingYearSummary
from jointcheck.http import ServiceClient


class SamplingClient(ServiceClient):
    service = "sampling"

    async def draw(self, draw_id: str) -> DrawStatusRead:
        return DrawStatusRead.model_validate(await self.get_json(f"/v1/draws/{draw_id}"))

    async def bundle_json(self, draw_id: str) -> dict[str, Any]:
        """The bundle as parsed JSON, unvalidated: a verifier judges malformed bundles itself."""
        resp = await self.request("GET", f"/v1/draws/{draw_id}/bundle", timeout=300)
        return json.loads(resp.content)

    async def bundle(self, draw_id: str) -> DrawBundle:
        return DrawBundle.model_validate(await self.bundle_json(draw_id))

    async def draws(
        self, *, task_id: str | None = None, status: str | None = None, cursor: str | None = None, limit: int = 200
    ) -> tuple[list[DrawStatusRead], str | None]:
        params: dict[str, Any] = {"limit": limit}
        if task_id is not None:
            params["task_id"] = task_id
        if status is not None:
            params["status"] = status
        if cursor is not None:
            params["cursor"] = cursor
        page = await self.get_json("/v1/draws", params=params)
        return [DrawStatusRead.model_validate(d) for d in page["items"]], page.get("next_cursor")

    async def year_summary(self, year: int, *, department: str | None = None) -> SamplingYearSummary:
        """The service's part of the year's oversight report (``GET /v1/reports/{year}/summary``)."""
        params = {"department": department} if department else None
        return SamplingYearSummary.model_validate(
            await self.get_json(f"/v1/reports/{year}/summary", params=params, timeout=120)
        )


async def sampling_client(request: Request) -> SamplingClient:
    return SamplingClient(request.app.state.settings)


Sampling = Annotated[SamplingClient, Depends(sampling_client)]
