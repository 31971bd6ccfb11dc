"""The collaborative supervision platform's change feed (协同监管平台 变更订阅), as the registry reads it.

The platform (国家企业信用信息公示系统 协同监管平台; the GSXT emulator in development) numbers
every change of one division with a sequence number: registrations (新设 ``new``, 变更
``change``, 注销 ``deregistered``, 吊销 ``revoked``, 撤销 ``cancelled``, 迁出 ``moved_out``)
and credit-risk assessments (``credit_class``). ``GET /api/platform/changes?division=&after=&limit=``
answers a :class:`PlatformPage`. Values are left as the platform sends them (plain strings):
the registry validates each event and rejects the bad ones by sequence number, so one bad
row never makes a whole page unreadable. See ``docs/platform-feed.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from jointcheck.schemas import Schema

PlatformAction = Literal["new", "change", "deregistered", "revoked", "cancelled", "moved_out", "credit_class"]
#: Registration actions that end an entity's registration, and the status each sets.
ENDING_ACTIONS: dict[str, str] = {
    "deregistered": "deregistered",
    "revoked": "revoked",
    "cancelled": "cancelled",
    "moved_out": "moved_out",
}


class PlatformRegistration(Schema):
    """The registration fields of an entity after a registration event (a full snapshot)."""

    name: str = Field(description="市场主体名称")
    entity_type: str = Field(description="enterprise / individual_business / farmers_cooperative / other")
    industry_code: str = Field(description="GB/T 4754-2017, e.g. H6210")
    division_code: str = Field(description="GB/T 2260")
    address: str = Field("", description="住所（经营场所）")
    status: str = Field(description="active / deregistered / revoked / cancelled / moved_out")
    registered_on: str | None = Field(None, description="成立日期 YYYY-MM-DD")


class PlatformEvent(Schema):
    seq: int = Field(ge=1, description="sequence number in the division's feed, strictly increasing / 序号")
    action: PlatformAction
    uscc: str = Field(description="统一社会信用代码 as the platform holds it")
    occurred_at: datetime
    registration: PlatformRegistration | None = Field(None, description="with registration actions")
    credit_class: str | None = Field(None, description="with credit_class: A/B/C/D, null = withdrawn")
    classified_at: datetime | None = Field(None, description="with credit_class")


class PlatformPage(Schema):
    division: str
    after: int = Field(description="the cursor this page follows / 本页之前的序号")
    events: list[PlatformEvent]
    next_cursor: int = Field(description="seq of the page's last event (``after`` when empty) / 下一页游标")
    newest_seq: int = Field(description="newest sequence number the platform holds / 平台最新序号")
    has_more: bool
