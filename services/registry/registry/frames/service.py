"""Canonical draw-v1 files (frames, pools, constraints) built straight from PostgreSQL.

``COPY (query) TO STDOUT`` in text format writes exactly the draw-v1 line shape —
fields separated by TAB, each line ending in LF — so the file is produced by the server
in one pass; Python only checks the invariants (sorted by bytes, unique) and hashes it.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.repository import raw_connection


@dataclass(frozen=True)
class FrameFile:
    content: bytes
    lines: int
    sha256: str
    version: int


class FrameInvariantError(RuntimeError):
    """The database returned lines that are not a canonical draw-v1 file (a bug, never data)."""


def _check_and_hash(content: bytes) -> tuple[int, str]:
    if content:
        if not content.endswith(b"\n"):
            raise FrameInvariantError("frame does not end with LF")
        lines = content[:-1].split(b"\n")
        for prev, cur in zip(lines, lines[1:]):
            if not prev < cur:
                raise FrameInvariantError(f"frame lines out of order or duplicated near {cur[:40]!r}")
        count = len(lines)
    else:
        count = 0
    return count, hashlib.sha256(content).hexdigest()


async def build_file(session: AsyncSession, stmt: Any, *, version: int) -> FrameFile:
    """Run ``stmt`` (a SELECT of text columns, ordered) through COPY and hash the result."""
    compiled = stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    sql = str(compiled)
    params = [compiled.params[name] for name in (compiled.positiontup or [])]
    conn = await raw_connection(session)
    chunks: list[bytes] = []

    async def sink(chunk: bytes) -> None:
        chunks.append(chunk)

    await conn.copy_from_query(sql, *params, output=sink, format="text")
    content = b"".join(chunks)
    lines, sha = await asyncio.to_thread(_check_and_hash, content)
    return FrameFile(content=content, lines=lines, sha256=sha, version=version)
