"""The results service's metadata and declarative base (its own database)."""

from __future__ import annotations

from jointcheck.db import make_base, new_metadata
from jointcheck.idempotency import add_idempotency_table
from jointcheck.outbox import add_outbox_tables

metadata = new_metadata()
Base = make_base(metadata)
outbox_events, inbox_events = add_outbox_tables(metadata)
idempotency_keys = add_idempotency_table(metadata)
