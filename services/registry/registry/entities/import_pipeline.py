"""The bulk-import pipeline: a file streamed through row validation into a staging table.

A producer (one worker thread, or ``workers`` processes for large CSV files, see
:mod:`registry.entities.parallel_import`) reads and validates rows and hands COPY text in
large chunks through a small queue to the event loop, which streams them into
``entity_import_staging`` while the producer goes on — Python and PostgreSQL work overlap.
Memory stays bounded: rows are streamed, errors are kept only up to ``max_errors``
(:class:`~registry.entities.importer.RowErrors`), files are read within
:class:`~registry.entities.importer.ImportLimits`. Cancelling the awaiting task (the
client left) stops the producer and its processes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities import importer, parallel_import, repository
from registry.entities.importer import ImportLimits, RowErrors

# Rows per chunk handed from the parsing thread to COPY. Large chunks matter: every hand-off
# needs the GIL on the event loop's side, and each switch can wait a whole switch interval.
IMPORT_BATCH = 20_000


@dataclass
class Staged:
    """What staging found: data rows read, rejected rows (first errors, counts), and lines
    to drop from staging (duplicates found only across parallel ranges)."""

    rows: int
    errors: RowErrors
    drop_lines: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """The upload: an open binary file, and its path when it is a named file on disk
    (worker processes open it themselves)."""

    file: IO[bytes]
    path: str | None
    xlsx: bool
    size: int


async def stage(
    session: AsyncSession,
    source: Source,
    *,
    department_codes: dict[str, str],
    legacy_codes: frozenset[str],
    limits: ImportLimits,
    workers: int = 1,
    parallel_min_bytes: int = 16 << 20,
) -> Staged:
    """Validate every row of ``source`` and COPY the good ones into the staging table."""
    parallel = workers > 1 and not source.xlsx and source.path is not None and source.size >= parallel_min_bytes
    deadline = time.monotonic() + limits.max_seconds
    errors = RowErrors(limits.max_errors)
    counters = {"rows": 0}
    drop_lines: list[int] = []
    queue: asyncio.Queue = asyncio.Queue(maxsize=4)
    loop = asyncio.get_running_loop()
    stop = threading.Event()

    def put(item: Any) -> bool:
        fut = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
        while True:
            try:
                fut.result(timeout=0.5)
                return True
            except concurrent.futures.TimeoutError:
                if stop.is_set():
                    fut.cancel()
                    return False

    def produce_in_processes(path: str) -> None:
        encoding, header, data_start = parallel_import.read_header(path)
        index = importer.map_headers(header)
        ranges = parallel_import.split_points(path, workers, data_start)
        # a monotonic deadline holds in the workers too: the clock is system-wide
        results = parallel_import.run(
            path,
            ranges,
            (encoding, index, department_codes, legacy_codes, limits, deadline),
            emit=put,
            stopped=stop.is_set,
        )
        for r in results:
            counters["rows"] += r.rows
            errors.merge(r.errors)
        drop_lines.extend(parallel_import.merge_duplicates(results, errors))

    def produce_in_thread(records: Iterator[tuple[int, list[str], bool]]) -> None:
        line, header, _ = next(records, (0, None, False))
        if header is None:
            raise importer.FileError("the file is empty", "文件为空")
        validator = importer.RowValidator(importer.map_headers(header), department_codes, legacy_codes)
        to_line = importer.CopyLineWriter().line
        batch: list[str] = []
        for line, cells, nul in records:
            if stop.is_set():
                return
            if not any(c and c.strip() for c in cells):
                continue
            counters["rows"] += 1
            result = validator(line, cells, nul)
            if isinstance(result, list):
                errors.add_row(result)
            else:
                batch.append(to_line(result))
                if len(batch) >= IMPORT_BATCH:
                    if not put("".join(batch).encode("utf-8")):
                        return
                    batch = []
        if batch:
            put("".join(batch).encode("utf-8"))

    def produce() -> None:
        try:
            if parallel:
                produce_in_processes(source.path)  # type: ignore[arg-type]
            else:
                read = importer.iter_xlsx if source.xlsx else importer.iter_csv
                produce_in_thread(read(source.file, limits, deadline=deadline))
            put(None)
        except BaseException as exc:  # hand every failure to the consumer
            put(exc)

    async def chunks() -> AsyncIterator[bytes]:
        while True:
            item = await queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    source.file.seek(0)
    await repository.create_import_staging(session)
    producer = loop.run_in_executor(None, produce)
    try:
        await repository.copy_into_staging(session, chunks())
    finally:
        stop.set()
        await producer  # never raises: produce() hands its failures over the queue
    if drop_lines:
        await repository.drop_staged_lines(session, drop_lines)
    return Staged(rows=counters["rows"], errors=errors, drop_lines=drop_lines)
