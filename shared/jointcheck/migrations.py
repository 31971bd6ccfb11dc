"""Alembic helpers: one migration tree per service, run programmatically or from env.py.

The library knows no service and no repository layout: each service ships its Alembic
tree inside its own package (package data) and passes that location here, as
``registry.MIGRATIONS`` does (``Path(__file__).parent / "migrations"``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from jointcheck.db import asyncpg_url

Location = str | os.PathLike[str]


def alembic_config(location: Location, url: str) -> Config:
    """An Alembic config for the tree at ``location`` (a directory holding ``env.py``), pointed at ``url``."""
    path = Path(location)
    if not (path / "env.py").is_file():
        raise FileNotFoundError(f"no Alembic tree at {path}: pass the service's own location, e.g. registry.MIGRATIONS")
    cfg = Config()
    cfg.set_main_option("script_location", str(path))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["database_url"] = asyncpg_url(url)
    return cfg


def head_revision(location: Location) -> str | None:
    """The head revision of the tree at ``location`` (read from files, no database)."""
    return ScriptDirectory.from_config(alembic_config(location, "postgresql+asyncpg://x@/x")).get_current_head()


def upgrade(location: Location, url: str, revision: str = "head") -> None:
    """``alembic upgrade`` of the tree at ``location`` (synchronous; call off the event loop)."""
    command.upgrade(alembic_config(location, url), revision)


def downgrade(location: Location, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(location, url), revision)


def command_line(location: Location, database_url: str, argv: list[str], *, prog: str) -> int:
    """``python -m <service> migrate [REVISION]`` / ``downgrade REVISION`` / ``head`` / ``wait``.

    What a deployment's migrate job runs, with the service's own tree and database URL.
    """
    import argparse

    parser = argparse.ArgumentParser(prog=prog, description="Alembic migrations of this service's database")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("migrate", help="upgrade the database (to head unless REVISION is given)")
    up.add_argument("revision", nargs="?", default="head")
    down = sub.add_parser("downgrade", help="downgrade the database to REVISION")
    down.add_argument("revision")
    sub.add_parser("head", help="print the head revision of the code")
    wait = sub.add_parser(
        "wait", help="wait until the database is at the code's head (a pod's init container, while the job migrates)"
    )
    wait.add_argument("--timeout", type=float, default=600.0, help="seconds (default 600); then exit 1")
    wait.add_argument("--interval", type=float, default=2.0, help="seconds between checks (default 2)")
    args = parser.parse_args(argv)
    if args.command == "head":
        print(head_revision(location))
    elif args.command == "wait":
        head = head_revision(location)
        seen = asyncio.run(wait_for_head(database_url, head, timeout=args.timeout, interval=args.interval))
        if seen != head:
            print(f"{prog}: database at {seen or 'no revision'} after {args.timeout:g}s, not at head {head}")
            return 1
        print(f"{prog}: database at head {head}")
    elif args.command == "migrate":
        upgrade(location, database_url, args.revision)
        print(f"{prog}: database at {args.revision}")
    else:
        downgrade(location, database_url, args.revision)
        print(f"{prog}: database at {args.revision}")
    return 0


async def wait_for_head(url: str, head: str | None, *, timeout: float, interval: float = 2.0) -> str | None:
    """Poll the database until its revision is ``head`` (or ``timeout`` passes); the last
    revision seen. An unreachable database counts as not yet migrated."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    engine = create_async_engine(asyncpg_url(url), poolclass=pool.NullPool)
    seen: str | None = None
    try:
        while True:
            try:
                seen = await current_revision(engine)
            except (OSError, SQLAlchemyError):
                seen = None
            if seen == head or loop.time() >= deadline:
                return seen
            await asyncio.sleep(min(interval, max(0.0, deadline - loop.time())))
    finally:
        await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        exists = (await conn.execute(text("SELECT to_regclass('alembic_version')"))).scalar()
        if exists is None:
            return None
        return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()


def run_env(context, target_metadata: MetaData) -> None:
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
    op.create_index(
        "ix_outbox_events_due", "outbox_events", ["next_attempt_at"], postgresql_where=sa.text("status = 'pending'")
    )
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


def outbox_v2_upgrade() -> None:
    """Ordered delivery: ``seq`` (order written), ``ordering_key``, a head-per-queue index;
    the status index now follows ``seq``. Existing events get numbers and no key."""
    import sqlalchemy as sa
    from alembic import op

    op.add_column("outbox_events", sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False))
    op.add_column("outbox_events", sa.Column("ordering_key", sa.String(200)))
    op.drop_index("ix_outbox_events_status_created", table_name="outbox_events")
    op.create_index("ix_outbox_events_status_seq", "outbox_events", ["status", "seq"])
    op.create_index(
        "ix_outbox_events_key_open",
        "outbox_events",
        ["destination", "ordering_key", "seq"],
        postgresql_where=sa.text("status IN ('pending', 'dead') AND ordering_key IS NOT NULL"),
    )


def outbox_v2_downgrade() -> None:
    from alembic import op

    op.drop_index("ix_outbox_events_key_open", table_name="outbox_events")
    op.drop_index("ix_outbox_events_status_seq", table_name="outbox_events")
    op.create_index("ix_outbox_events_status_created", "outbox_events", ["status", "created_at"])
    op.drop_column("outbox_events", "ordering_key")
    op.drop_column("outbox_events", "seq")


def outbox_v3_upgrade() -> None:
    """Leases: a dispatcher claims an event (``claim_token``, until ``claimed_until``) in one
    short transaction, delivers it with none open, and records the outcome under its token."""
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    op.add_column("outbox_events", sa.Column("claim_token", postgresql.UUID(as_uuid=True)))
    op.add_column("outbox_events", sa.Column("claimed_until", sa.DateTime(timezone=True)))


def outbox_v3_downgrade() -> None:
    from alembic import op

    op.drop_column("outbox_events", "claimed_until")
    op.drop_column("outbox_events", "claim_token")


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
