"""The registry (名录库): frames, pools, recusals, experts, class counts, departments."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any

import httpx
from fastapi import Depends

from jointcheck.contracts import ClassCounts, DepartmentInfo, EntityScope, EntitySummary, FrameFile
from jointcheck.errors import UpstreamUnavailable
from jointcheck.http import ServiceCallError, ServiceClient
from jointcheck.settings import Settings


def _file(resp: httpx.Response) -> FrameFile:
    """The body and its ``X-Frame-*`` headers, checked against each other (a body that is not the
    file the registry hashed is refused, never drawn from)."""
    content = resp.content
    sha256 = resp.headers["x-frame-sha256"]
    lines = int(resp.headers["x-frame-lines"])
    if hashlib.sha256(content).hexdigest() != sha256 or content.count(b"\n") != lines:
        raise UpstreamUnavailable(
            "the registry's frame does not match its X-Frame-SHA256 / X-Frame-Lines headers",
            detail_zh="名录库返回的底册与其摘要或行数不符",
            code="upstream_frame_mismatch",
            extra={"upstream": "registry"},
        )
    return FrameFile(
        content=content, sha256=sha256, lines=lines, registry_version=int(resp.headers["x-registry-version"])
    )


def _scope(scope: EntityScope | dict[str, Any]) -> dict[str, Any]:
    return scope.model_dump(mode="json") if isinstance(scope, EntityScope) else dict(scope)


class RegistryClient(ServiceClient):
    """Frames are queries with a body: ``safe=True`` lets them be retried."""

    service = "registry"

    async def entity_frame(self, scope: EntityScope | dict[str, Any], as_of: int | None = None) -> FrameFile:
        return _file(
            await self.request(
                "POST", "/v1/frames", json={"scope": _scope(scope), "as_of": as_of}, timeout=120, safe=True
            )
        )

    async def inspector_pool(self, departments: list[str], as_of: int | None) -> FrameFile:
        return _file(
            await self.request(
                "POST",
                "/v1/frames/inspector-pool",
                json={"departments": departments, "as_of": as_of},
                timeout=60,
                safe=True,
            )
        )

    async def recusal_pairs(self, on: date, usccs: list[str], as_of: int) -> FrameFile:
        return _file(
            await self.request(
                "POST",
                "/v1/frames/recusals",
                json={"on": on.isoformat(), "usccs": usccs, "as_of": as_of},
                timeout=60,
                safe=True,
            )
        )

    async def expert_frame(self, fields: list[str], as_of: int | None = None) -> FrameFile:
        return _file(
            await self.request(
                "POST", "/v1/frames/experts", json={"fields": fields, "as_of": as_of}, timeout=60, safe=True
            )
        )

    async def frame_counts(self, scope: EntityScope | dict[str, Any], *, as_of: int | str | None = None) -> ClassCounts:
        """Population per credit class of ``scope``."""
        body = await self.post_json("/v1/frames/counts", {"scope": _scope(scope), "as_of": as_of}, safe=True)
        return ClassCounts.model_validate(body)

    async def entity(self, uscc: str) -> EntitySummary | None:
        """One entity as the registry has it now; None when it has none."""
        try:
            return EntitySummary.model_validate(await self.get_json(f"/v1/entities/{uscc}"))
        except ServiceCallError as exc:
            if exc.extra.get("upstream_status") == 404:
                return None
            raise

    async def departments(self) -> list[DepartmentInfo]:
        return [DepartmentInfo.model_validate(d) for d in await self.get_json("/v1/departments")]


async def registry_client(settings: Settings) -> RegistryClient:
    return RegistryClient(settings)


Registry = Annotated[RegistryClient, Depends(registry_client)]
