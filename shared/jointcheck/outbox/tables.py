"""The ``outbox_events`` and ``inbox_events`` tables every service carries."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

# Statuses of an outbox event. ``pending`` covers both "not tried yet" and "retrying";
# ``discarded`` is a dead event an operator gave up on (it no longer holds its queue).
PENDING, DELIVERED, DEAD, DISCARDED = "pending", "delivered", "dead", "discarded"


def add_outbox_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Define ``outbox_events`` and ``inbox_events`` on a service's metadata.

    ``seq`` numbers events in the order they were written (an identity, not a clock: no ties,
    no skew). Events sharing ``(destination, ordering_key)`` are delivered strictly in ``seq``
    order; ``ix_outbox_events_key_open`` finds the head of each key's queue among the open
    (pending or dead) events. ``claim_token`` and ``claimed_until`` are a dispatcher's lease
    on a pending event it is delivering (no transaction is held meanwhile): nobody else
    takes the event before ``claimed_until``, and only the holder of the token records
    its outcome.
    """
    outbox = Table(
        "outbox_events",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("seq", BigInteger, Identity(), nullable=False),
        Column("destination", String(32), nullable=False),
        Column("topic", String(128), nullable=False),
        Column("ordering_key", String(200)),
        Column("payload", JSONB, nullable=False),
        Column("request_id", String(128)),
        Column("status", String(16), nullable=False, server_default=PENDING),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("last_error", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("delivered_at", DateTime(timezone=True)),
        Column("claim_token", UUID(as_uuid=True)),
        Column("claimed_until", DateTime(timezone=True)),
        Index("ix_outbox_events_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_outbox_events_status_seq", "status", "seq"),
        Index(
            "ix_outbox_events_key_open",
            "destination",
            "ordering_key",
            "seq",
            postgresql_where=text("status IN ('pending', 'dead') AND ordering_key IS NOT NULL"),
        ),
    )
    inbox = Table(
        "inbox_events",
        metadata,
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("source", String(32), nullable=False),
        Column("topic", String(128), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    return outbox, inbox
