"""What the registry publishes to planning and sampling: class counts, departments, frame files."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ConfigDict, Field

from jointcheck.schemas import Schema


class ClassCounts(Schema):
    """The answer of ``POST /v1/frames/counts``: what a scope's frame would hold, per class."""

    version: int = Field(description="registry version counted / 名录库版本")
    total: int
    by_class: dict[str, int] = Field(
        description="population per credit-risk class, U = unclassified; classes with "
        "no entity are absent / 各信用风险分类数量"
    )


class EntitySummary(Schema):
    """What other services read of one entity (``GET /v1/entities/{uscc}`` answers a superset)."""

    model_config = ConfigDict(extra="ignore")

    uscc: str
    name: str
    status: str
    division_code: str


class DepartmentInfo(Schema):
    """An entry of the registry's ``GET /v1/departments`` as other services read it."""

    code: str
    name: str
    short_name: str
    active: bool


@dataclass(frozen=True)
class FrameFile:
    """A draw-v1 input file as the registry served it (body and ``X-Frame-*`` headers). The body is
    kept as the bytes received (a province's frame is 210 MB: one copy, decoded only on demand)."""

    content: bytes
    sha256: str
    lines: int
    registry_version: int

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")
