"""Results (结果): entities inspected recently, each entity's last inspectors."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends

from jointcheck.contracts import (
    LastInspectors,
    LastInspectorsQuery,
    RecentlyInspected,
    RecentlyInspectedQuery,
    ResultsYearSummary,
)
from jointcheck.http import ServiceClient
from jointcheck.settings import Settings


class ResultsClient(ServiceClient):
    service = "results"

    async def recently_inspected(self, since: date) -> RecentlyInspected:
        body = RecentlyInspectedQuery(since=since).model_dump(mode="json")
        return RecentlyInspected.model_validate(
            await self.post_json("/v1/inspections/recently-inspected", body, safe=True)
        )

    async def last_inspectors(self, usccs: list[str]) -> LastInspectors:
        body = LastInspectorsQuery(usccs=usccs).model_dump(mode="json")
        return LastInspectors.model_validate(await self.post_json("/v1/inspections/last-inspectors", body, safe=True))

    async def year_summary(self, year: int, *, department: str | None = None) -> ResultsYearSummary:
        """The service's part of the year's oversight report (``GET /v1/reports/{year}/summary``)."""
        params = {"department": department} if department else None
        return ResultsYearSummary.model_validate(
            await self.get_json(f"/v1/reports/{year}/summary", params=params, timeout=120)
        )


async def results_client(settings: Settings) -> ResultsClient:
    return ResultsClient(settings)


Results = Annotated[ResultsClient, Depends(results_client)]
