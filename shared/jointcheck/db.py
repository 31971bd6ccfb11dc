"""Database access: one async engine per service database, one transaction rule.

The transaction rule, written once: **the request (or the background job) owns the
transaction**. The ``Session`` dependency opens a transaction before the route runs
and commits right after the route returns, before the response is sent (FastAPI's
``scope="function"``), or rolls back if anything raised. Services and repositories
only ``flush``; they never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData, Select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with the project's naming convention (one per service)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def make_base(metadata: MetaData | None = None) -> type[DeclarativeBase]:
    """A declarative base bound to the service's own metadata."""
    md = metadata or new_metadata()

    class Base(DeclarativeBase):
        metadata = md

    return Base


def where_given(stmt: Select, *filters: tuple[Any, Any]) -> Select:
    """``stmt`` filtered on ``column == value`` for each ``(column, value)`` whose value was given (truthy)."""
    for column, value in filters:
        if value:
            stmt = stmt.where(column == value)
    return stmt


def asyncpg_url(url: str) -> str:
    """Normalise ``postgresql://`` / ``postgres://`` URLs to the asyncpg dialect."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


class Database:
    """An engine and a session factory for one service database."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = asyncpg_url(url)
        self.engine: AsyncEngine = create_async_engine(
            # No pre-ping: it costs a round trip per checkout; stale connections are recycled
            # instead, and a connection broken by a database restart fails one call only.
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_recycle=1800,
            echo=echo,
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success (for jobs)."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    async with db.sessionmaker() as session, session.begin():
        yield session


Session = Annotated[AsyncSession, Depends(_request_session, scope="function")]
"""The request's session; the transaction commits when the route returns."""


def _database(request: Request) -> Database:
    return request.app.state.db


Db = Annotated[Database, Depends(_database)]
"""The service's database, for routes that call other services between short transactions of
their own (no transaction is ever held across the network), instead of the request's Session."""
