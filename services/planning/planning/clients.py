"""Typed clients of the services planning calls (over HTTP only, never their code)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, Field

from jointcheck.http import ServiceClient


class ClassCounts(BaseModel):
    """The registry's ``POST /v1/frames/counts`` answer."""

    version: int
    total: int
    by_class: dict[str, int] = Field(description="classes with no entity are absent")


class DepartmentInfo(BaseModel):
    """An entry of the registry's ``GET /v1/departments``."""

    code: str
    name: str
    short_name: str
    active: bool


class RegistryClient(ServiceClient):
    """The registry (名录库): population counts of a scope, departments."""

    service = "registry"

    async def frame_counts(self, scope: dict[str, Any], *, as_of: int | str | None = None) -> ClassCounts:
        """Population per credit class of ``scope`` (a query with a body: safe to retry)."""
        body = await self.post_json("/v1/frames/counts", {"filter": scope, "as_of": as_of}, safe=True)
        return ClassCounts.model_validate(body)

    async def departments(self) -> list[DepartmentInfo]:
        return [DepartmentInfo.model_validate(d) for d in await self.get_json("/v1/departments")]


def registry_client(request: Request) -> RegistryClient:
    return RegistryClient(request.app.state.settings)


Registry = Annotated[RegistryClient, Depends(registry_client)]
