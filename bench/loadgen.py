"""A small open-loop HTTP/1.1 load generator (asyncio streams, keep-alive).

httpx costs about a millisecond of CPU per request, which on a 2-core machine shared
with the server and PostgreSQL distorts the measurement. This client sends request i
at ``start + i / rate`` whatever the answers do (open loop), over a fixed set of
keep-alive connections, and measures each latency **from its scheduled time**, so a
stalled server cannot hide queueing (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import urlsplit


async def _read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length = 0
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def run(
    base_url: str,
    paths: Callable[[int], str],
    *,
    rate: float,
    seconds: float,
    headers: dict[str, str],
    connections: int = 32,
) -> tuple[list[float], int]:
    """Latencies (seconds, from schedule) of ``rate * seconds`` GETs, and the count of errors."""
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    total = int(rate * seconds)
    queue: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        while True:
            item = await queue.get()
            if item[0] < 0:
                writer.close()
                return
            i, due = item
            request = f"GET {paths(i)} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode()
            try:
                writer.write(request)
                status = await _read_response(reader)
                if status != 200:
                    errors += 1
            except (ConnectionError, asyncio.IncompleteReadError):
                errors += 1
                reader, writer = await asyncio.open_connection(host, port)
            latencies.append(time.perf_counter() - due)

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    await asyncio.sleep(0.2)  # connections open before the clock starts
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, due))
    for _ in workers:
        queue.put_nowait((-1, 0.0))
    await asyncio.gather(*workers)
    return latencies, errors
