"""Typed clients of the services a draw reads from and reports to (over HTTP only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from jointcheck.errors import NotFound
from jointcheck.http import ServiceCallError, ServiceClient


@dataclass(frozen=True)
class FetchedFile:
    """A draw-v1 input file as the registry served it."""

    text: str
    sha256: str
    lines: int
    registry_version: int


def _file(resp: Any) -> FetchedFile:
    return FetchedFile(
        text=resp.content.decode("utf-8"),
        sha256=resp.headers["x-frame-sha256"],
        lines=int(resp.headers["x-frame-lines"]),
        registry_version=int(resp.headers["x-registry-version"]),
    )


class RegistryClient(ServiceClient):
    service = "registry"

    async def entity_frame(self, scope: dict[str, Any], as_of: int | None = None) -> FetchedFile:
        return _file(await self.request("POST", "/v1/frames", json={"filter": scope, "as_of": as_of}, timeout=120, safe=True))

    async def inspector_pool(self, departments: list[str], as_of: int) -> FetchedFile:
        return _file(await self.request("POST", "/v1/frames/inspector-pool",
                                        json={"departments": departments, "as_of": as_of}, timeout=60, safe=True))

    async def recusal_pairs(self, on: date, usccs: list[str], as_of: int) -> FetchedFile:
        return _file(await self.request("POST", "/v1/frames/recusals",
                                        json={"on": on.isoformat(), "usccs": usccs, "as_of": as_of}, timeout=60, safe=True))

    async def expert_frame(self, fields: list[str], as_of: int | None = None) -> FetchedFile:
        return _file(await self.request("POST", "/v1/frames/experts", json={"fields": fields, "as_of": as_of}, timeout=60,
                                        safe=True))


class PlanningClient(ServiceClient):
    service = "planning"

    async def task(self, task_id: str) -> dict[str, Any]:
        try:
            return await self.get_json(f"/v1/tasks/{task_id}")
        except ServiceCallError as exc:
            if exc.extra.get("upstream_status") in (404, 422):
                raise NotFound(f"planning has no task {task_id}", detail_zh=f"抽查任务 {task_id} 不存在",
                               code="task_not_found") from None
            raise


class ResultsClient(ServiceClient):
    service = "results"

    async def recently_inspected(self, since: date) -> list[str]:
        return (await self.post_json("/v1/inspections/recently-inspected", {"since": since.isoformat()}, safe=True))["usccs"]

    async def last_inspectors(self, usccs: list[str]) -> dict[str, list[str]]:
        return (await self.post_json("/v1/inspections/last-inspectors", {"usccs": usccs}, safe=True))["last"]


class AuditClient(ServiceClient):
    service = "audit"

    async def register_announcement(self, draw_id: str, announcement: str) -> dict[str, Any]:
        # Registration is idempotent on the announcement bytes, so it may be retried.
        return await self.post_json("/v1/announcements", {"draw_id": draw_id, "announcement": announcement},
                                    headers={"Idempotency-Key": f"announce-{draw_id}"})
