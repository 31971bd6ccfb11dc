"""What the audit service publishes: the receipt of a registered draw announcement."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from jointcheck.schemas import Schema


class AnnouncementReceipt(Schema):
    """Proof that the announcement existed at ``registered_at`` (before any entropy)."""

    receipt_id: uuid.UUID
    announcement_sha256: str
    draw_id: str
    source: str
    registered_at: datetime
    chain_seq: int = Field(description="position of the registration in the audit hash chain")
    chain_hash: str
