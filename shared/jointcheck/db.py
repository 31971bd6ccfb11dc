"""Database access: one async engine per service database, one transaction rule.

The transaction rule, written once: **the request (or the background job) owns the
transaction**. The ``Session`` dependency opens a transaction before the route runs
and commits right after the route returns, before the response is sent (FastAPI's
``scope="function"``), or rolls back if anything raised. Services and repositories
only ``flush``; they never commit.

Reads that need no transaction do without one: :meth:`Database.read_connection` hands out a
raw asyncpg connection of a small pool (:class:`ReadPool`) whose connections are read-only
(``default_transaction_read_only``: PostgreSQL itself refuses a write) and in autocommit, for
the hot reads whose SQL a repository keeps as text — their statements and nothing else: no
``BEGIN``/``COMMIT`` round trips, no ORM objects, no statement built or compiled per request.
Under READ COMMITTED every statement takes its own snapshot inside a transaction too, so such a
read sees what it would have seen in one.

Pools are sized from the settings (``db_pool_size`` for the ORM's pool, ``db_read_pool_size``
for the read pool, ``db_pool_overflow`` — 0 by default: an overflow connection is closed when
returned, so under steady load overflow means a PostgreSQL backend forked per request). Each pool counts
its checkouts, the checkouts that had to wait and for how long, and the connections it
opened (:class:`PoolStats`; ``/metrics`` shows them).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import MetaData, Select, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from jointcheck.errors import DomainError

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


@dataclass
class PoolStats:
    """What one connection pool did since the process started (read by ``/metrics``)."""

    checkouts: int = 0
    waits: int = 0
    wait_seconds: float = 0.0
    connections_opened: int = 0


class _MeteredPool(AsyncAdaptedQueuePool):
    """The async queue pool, counting checkouts and the ones that found no idle connection.

    ``stats`` is a class attribute of a subclass made per pool, so it survives
    ``Engine.dispose()`` (which rebuilds the pool from its class)."""

    stats: PoolStats

    def _do_get(self) -> ConnectionPoolEntry:
        stats = self.stats
        stats.checkouts += 1
        if self.checkedin() or self._max_overflow < 0 or self.overflow() < self._max_overflow:
            return super()._do_get()
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            stats.waits += 1
            stats.wait_seconds += time.perf_counter() - started


def _engine(url: str, *, pool_size: int, overflow: int, echo: bool, stats: PoolStats) -> AsyncEngine:
    pool_class = type("MeteredPool", (_MeteredPool,), {"stats": stats})
    engine = create_async_engine(
        # No pre-ping: it costs a round trip per checkout; stale connections are recycled
        # instead, and a connection broken by a database restart fails one call only.
        url,
        poolclass=pool_class,
        pool_size=pool_size,
        max_overflow=overflow,
        pool_recycle=1800,
        echo=echo,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _opened(dbapi_connection: Any, record: Any) -> None:
        stats.connections_opened += 1

    return engine


class ReadPool:
    """A small pool of raw asyncpg connections for the hot reads: read-only, autocommit.

    The hot reads run one or two prepared statements of a few tens of microseconds each; the
    general pools cost more than that per checkout (SQLAlchemy's: events, reset on return, a
    greenlet each way). This one is a list: the most recently returned connection is handed
    out first (LIFO keeps few connections warm), a connection is opened when none is idle and
    fewer than ``size`` exist, otherwise the caller waits — in order — for one to be returned,
    up to ``timeout`` seconds. Connections older than ``recycle`` seconds or broken are closed
    instead of reused.
    """

    def __init__(
        self,
        connect_args: dict[str, Any],
        *,
        size: int,
        stats: PoolStats,
        timeout: float = 30.0,
        recycle: float = 1800.0,
    ) -> None:
        self._connect_args = connect_args
        self._size = size
        self.stats = stats
        self._timeout = timeout
        self._recycle = recycle
        self._idle: list[asyncpg.Connection] = []
        self._born: dict[asyncpg.Connection, float] = {}
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._count = 0  # connections open or being opened, idle or not

    def size(self) -> int:
        return self._size

    def checkedin(self) -> int:
        return len(self._idle)

    def checkedout(self) -> int:
        return self._count - len(self._idle)

    async def _open(self) -> asyncpg.Connection:
        try:
            conn = await asyncpg.connect(**self._connect_args)
        except BaseException:
            self._give_slot()
            raise
        self.stats.connections_opened += 1
        self._born[conn] = time.monotonic()
        return conn

    def _give_slot(self) -> None:
        """A connection went away: let the first waiter open one, or free the slot."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._count -= 1

    async def acquire(self) -> asyncpg.Connection:
        self.stats.checkouts += 1
        while self._idle:
            conn = self._idle.pop()
            if conn.is_closed() or time.monotonic() - self._born[conn] > self._recycle:
                self._discard(conn, give_slot=False)
                self._count -= 1
                continue
            return conn
        if self._count < self._size:
            self._count += 1
            return await self._open()
        waiter: asyncio.Future[asyncpg.Connection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self.stats.waits += 1
        started = time.perf_counter()
        try:
            conn = await asyncio.wait_for(waiter, self._timeout)
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                handed = waiter.result()  # handed over just as the wait ended: pass it on
                if handed is None:
                    self._give_slot()
                else:
                    self.release(handed)
            raise
        finally:
            self.stats.wait_seconds += time.perf_counter() - started
        return conn if conn is not None else await self._open()

    def release(self, conn: asyncpg.Connection, *, broken: bool = False) -> None:
        if broken or conn.is_closed():
            self._discard(conn, give_slot=True)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def _discard(self, conn: asyncpg.Connection, *, give_slot: bool) -> None:
        self._born.pop(conn, None)
        conn.terminate()
        if give_slot:
            self._give_slot()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            self._born.pop(conn, None)
            self._count -= 1
            await conn.close()


#: The settings of every read connection: read-only, and dates and times written in UTC and ISO
#: (the JSON PostgreSQL writes for a hot read never depends on the server's configuration).
READ_SESSION = {"default_transaction_read_only": "on", "TimeZone": "UTC", "DateStyle": "ISO, YMD"}


class Database:
    """One service database: ``engine`` (SQLAlchemy, for the ``Session`` of requests and for jobs)
    and ``read_pool`` (raw read-only connections for the hot reads)."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        read_pool_size: int | None = None,
        overflow: int = 0,
        echo: bool = False,
    ) -> None:
        self.url = asyncpg_url(url)
        self.stats = {"write": PoolStats(), "read": PoolStats()}
        self.engine: AsyncEngine = _engine(
            self.url, pool_size=pool_size, overflow=overflow, echo=echo, stats=self.stats["write"]
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        _, connect_args = self.engine.dialect.create_connect_args(make_url(self.url))
        self.read_pool = ReadPool(
            {**connect_args, "server_settings": READ_SESSION},
            size=pool_size if read_pool_size is None else read_pool_size,
            stats=self.stats["read"],
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success (for jobs)."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection of :attr:`read_pool` (read-only, autocommit), for the hot reads whose
        SQL lives in a repository as text: no ORM, no SQLAlchemy statement to build or compile
        per request; asyncpg prepares each statement once per connection."""
        conn = await self.read_pool.acquire()
        try:
            yield conn
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError):
            self.read_pool.release(conn, broken=True)  # never handed to the next request
            raise
        except (asyncpg.PostgresError, DomainError):
            self.read_pool.release(conn)  # the statement failed or a rule refused: the connection is fine
            raise
        except BaseException:
            # Cancelled (the client went away) or a bug: a statement may still be running on it.
            self.read_pool.release(conn, broken=True)
            raise
        else:
            self.read_pool.release(conn)

    def pools(self) -> dict[str, Any]:
        """Each pool by name (``write``: the ORM's, ``read``: the read pool), for its live counts."""
        return {"write": self.engine.sync_engine.pool, "read": self.read_pool}

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.read_pool.close()


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    async with db.sessionmaker() as session, session.begin():
        yield session


Session = Annotated[AsyncSession, Depends(_request_session, scope="function")]
"""The request's session; the transaction commits when the route returns."""


async def _database(request: Request) -> Database:
    return request.app.state.db


Db = Annotated[Database, Depends(_database)]
"""The service's database, for routes that call other services between short transactions of
their own (no transaction is ever held across the network), instead of the request's Session."""
