"""Alembic helpers: one migration tree per service, run programmatically or from env.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from jointcheck.db import asyncpg_url

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


def migrations_dir(service: str) -> Path:
    return SERVICES_DIR / service / "migrations"


def alembic_config(service: str, url: str) -> Config:
    """An Alembic config for a service's tree, pointed at ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir(service)))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["database_url"] = asyncpg_url(url)
    cfg.attributes["service"] = service
    return cfg


def head_revision(service: str) -> str | None:
    """The head revision of the service's migration tree (read from files, no database)."""
    return ScriptDirectory.from_config(alembic_config(service, "postgresql+asyncpg://x@/x")).get_current_head()


def upgrade(service: str, url: str, revision: str = "head") -> None:
    """``alembic upgrade`` for one service (synchronous; call off the event loop)."""
    command.upgrade(alembic_config(service, url), revision)


def downgrade(service: str, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service, url), revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        exists = (await conn.execute(text("SELECT to_regclass('alembic_version')"))).scalar()
        if exists is None:
            return None
        return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()


def run_env(context, target_metadata: MetaData) -> None:  # noqa: ANN001 - alembic's context proxy
    """Body of every service's ``migrations/env.py`` (async engine, online mode only)."""
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: use jointcheck.migrations.upgrade() or set sqlalchemy.url")

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            compare_server_default=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    connection = config.attributes.get("connection")
    if connection is not None:
        do_run(connection)
        return

    async def main() -> None:
        engine = create_async_engine(asyncpg_url(url), poolclass=pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
            await conn.commit()
        await engine.dispose()

    asyncio.run(main())


# ---------------------------------------------------------------- shared schema steps
# Frozen steps that several services' migrations call. Never edit a versioned step:
# add a new one (outbox_v2_...) and a new migration in every service instead.


def outbox_v1_upgrade() -> None:
    """Create ``outbox_events`` and ``inbox_events`` (used by each service's initial revision)."""
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    op.create_table(
        "outbox_events",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("destination", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("request_id", sa.String(128)),
        sa.Column("status", sa.String(16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_events"),
    )
    op.create_index("ix_outbox_events_due", "outbox_events", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_outbox_events_status_created", "outbox_events", ["status", "created_at"])
    op.create_table(
        "inbox_events",
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_inbox_events"),
    )


def outbox_v1_downgrade() -> None:
    from alembic import op

    op.drop_table("inbox_events")
    op.drop_index("ix_outbox_events_status_created", table_name="outbox_events")
    op.drop_index("ix_outbox_events_due", table_name="outbox_events")
    op.drop_table("outbox_events")


def idempotency_v1_upgrade() -> None:
    """Create ``idempotency_keys`` (Idempotency-Key support on POSTs)."""
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request", sa.String(600), nullable=False),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("response_status", sa.Integer()),
        sa.Column("response_headers", postgresql.JSONB()),
        sa.Column("response_body", sa.LargeBinary()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("caller", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def idempotency_v1_downgrade() -> None:
    from alembic import op

    op.drop_table("idempotency_keys")
