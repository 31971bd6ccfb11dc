"""Planning (计划): the task a draw is built from."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from jointcheck.contracts import PlanningYearSummary, TaskSpec
from jointcheck.errors import NotFound
from jointcheck.http import ServiceCallError, ServiceClient
from jointcheck.settings import Settings


class PlanningClient(ServiceClient):
    service = "planning"

    async def task(self, task_id: str) -> TaskSpec:
        """The task as sampling reads it; 404 ``task_not_found`` if planning has none."""
        try:
            return TaskSpec.model_validate(await self.get_json(f"/v1/tasks/{task_id}"))
        except ServiceCallError as exc:
            if exc.extra.get("upstream_status") in (404, 422):
                raise NotFound(
                    f"planning has no task {task_id}", detail_zh=f"抽查任务 {task_id} 不存在", code="task_not_found"
                ) from None
            raise

    async def year_summary(self, year: int, *, department: str | None = None) -> PlanningYearSummary:
        """The service's part of the year's oversight report (``GET /v1/reports/{year}/summary``)."""
        params = {"department": department} if department else None
        return PlanningYearSummary.model_validate(
            await self.get_json(f"/v1/reports/{year}/summary", params=params, timeout=120)
        )


async def planning_client(settings: Settings) -> PlanningClient:
    return PlanningClient(settings)


Planning = Annotated[PlanningClient, Depends(planning_client)]
