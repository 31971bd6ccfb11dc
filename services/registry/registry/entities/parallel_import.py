"""Validating a large CSV directory file in several processes at once.

A file of a million rows costs about ten seconds of Python per core to read and
validate; with ``import_workers`` processes each takes a byte range of the file (split
at record boundaries: a newline preceded by an even number of quote characters, which
holds for UTF-8 and GB18030 alike, whose multi-byte characters never contain ``"`` or
LF), validates it with the same :class:`~registry.entities.importer.RowValidator`, and
streams COPY text back through a pipe while it goes. Duplicates across ranges are found
by the parent from each range's first occurrences.
"""

from __future__ import annotations

import io
import mmap
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from registry.entities import importer
from registry.entities.schemas import RowError

CHUNK_ROWS = 20_000


@dataclass
class RangeResult:
    rows: int = 0
    errors: importer.RowErrors = field(default_factory=lambda: importer.RowErrors(0))
    first_seen: dict[int | str, int] = field(default_factory=dict)


def read_header(path: str) -> tuple[str, list[str], int]:
    """(encoding, header cells, byte offset where the data records start)."""
    import csv
    import io

    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        encoding = importer.detect_encoding(mm[:65536])
        pos = 0
        while True:
            nl = mm.find(b"\n", pos)
            if nl < 0:
                nl = len(mm) - 1  # a header and nothing else
                break
            if mm[:nl].count(b'"') % 2 == 0:
                break
            pos = nl + 1
        try:
            header_text = mm[: nl + 1].decode(encoding)
        except UnicodeDecodeError:
            raise importer.FileError(f"the header is not valid {encoding}", f"表头不是有效的 {encoding} 编码") from None
    header = next(csv.reader(io.StringIO(header_text, newline="")), [])
    return encoding, header, nl + 1


def split_points(path: str, parts: int, data_start: int, *, block: int = 1 << 20) -> list[tuple[int, int, int]]:
    """(start, end, line number of the first physical line) of up to ``parts`` ranges.

    Streams the file once in 1 MiB blocks (never mapping or copying it whole), counting
    quotes and newlines; each cut is the first newline past its target that is outside
    any quoted field (an even number of quotes since the data began)."""
    size = os.path.getsize(path)
    targets = [data_start + (size - data_start) * k // parts for k in range(1, parts)]
    with open(path, "rb") as fh:
        line = fh.read(data_start).count(b"\n") + 1
        cuts = [(data_start, line)]
        pos, quotes, ti = data_start, 0, 0
        while True:
            buf = fh.read(block)
            if not buf:
                break
            i = 0
            while ti < len(targets) and pos + len(buf) > targets[ti]:
                off = max(targets[ti] - pos, i)
                quotes += buf.count(b'"', i, off)
                line += buf.count(b"\n", i, off)
                i = off
                found = False
                while (nl := buf.find(b"\n", i)) >= 0:
                    quotes += buf.count(b'"', i, nl)
                    line += 1
                    i = nl + 1
                    if quotes % 2 == 0:
                        found = True
                        break
                if not found:  # keep looking from the next block
                    targets[ti] = pos + len(buf)
                    break
                cuts.append((pos + i, line))
                ti += 1
            quotes += buf.count(b'"', i)
            line += buf.count(b"\n", i)
            pos += len(buf)
    bounds = [c for c, _ in cuts] + [size]
    return [(start, end, first) for (start, first), end in zip(cuts, bounds[1:]) if end > start]


class _Range(io.RawIOBase):
    """Bytes ``start``..``end`` of a file, read as a stream (never all at once)."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._fh.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: self._left]
        n = self._fh.readinto(view)
        self._left -= n or 0
        return n or 0

    def close(self) -> None:
        self._fh.close()
        super().close()


def validate_range(
    path: str,
    start: int,
    end: int,
    first_line: int,
    encoding: str,
    index: dict[str, int],
    department_codes: dict[str, str],
    legacy_codes: frozenset[str],
    limits: importer.ImportLimits,
    deadline: float,
    emit: Callable[[bytes], None],
) -> RangeResult:
    """Validate the records of ``path[start:end]``; ``emit`` receives COPY text chunks."""
    decoder = "utf-8" if encoding.startswith("utf-8") else encoding
    text = io.TextIOWrapper(io.BufferedReader(_Range(path, start, end), 1 << 20), encoding=decoder, newline="")
    validator = importer.RowValidator(index, department_codes, legacy_codes)
    to_line = importer.CopyLineWriter().line
    result = RangeResult(errors=importer.RowErrors(limits.max_errors))
    batch: list[str] = []
    with text:
        for line, cells, nul in importer.read_records(
            text, limits, encoding=encoding, first_line=first_line, deadline=deadline
        ):
            if not any(c and c.strip() for c in cells):
                continue
            result.rows += 1
            row = validator(line, cells, nul)
            if isinstance(row, list):
                result.errors.add_row(row)
            else:
                batch.append(to_line(row))
                if len(batch) >= CHUNK_ROWS:
                    emit("".join(batch).encode("utf-8"))
                    batch = []
    if batch:
        emit("".join(batch).encode("utf-8"))
    result.first_seen = validator.seen
    return result


def _worker(conn: Connection, args: tuple) -> None:
    try:
        result = validate_range(*args, emit=lambda b: conn.send_bytes(b"D" + b))
        conn.send_bytes(b"R" + pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except importer.FileError as exc:
        conn.send_bytes(b"F" + pickle.dumps(exc))
    except BaseException as exc:  # report, never hang the parent
        conn.send_bytes(b"E" + pickle.dumps((repr(exc), traceback.format_exc())))
    finally:
        conn.close()


def run(
    path: str,
    ranges: list[tuple[int, int, int]],
    common: tuple,
    emit: Callable[[bytes], bool],
    stopped: Callable[[], bool],
) -> list[RangeResult]:
    """Validate ``ranges`` in one process each; forward chunks to ``emit`` as they come."""
    ctx = multiprocessing.get_context("spawn")
    procs: list[Any] = []
    conns: dict[Connection, int] = {}
    results: list[RangeResult | None] = [None] * len(ranges)
    try:
        for i, (start, end, first_line) in enumerate(ranges):
            parent, child = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_worker, args=(child, (path, start, end, first_line, *common)), daemon=True)
            p.start()
            child.close()
            procs.append(p)
            conns[parent] = i
        while conns:
            if stopped():
                return []
            for conn in wait(list(conns), timeout=0.5):
                try:
                    message = conn.recv_bytes()
                except EOFError:
                    raise RuntimeError(f"import worker {conns[conn]} died") from None
                tag, body = message[:1], message[1:]
                if tag == b"D":
                    if not emit(body) or stopped():
                        return []
                elif tag == b"R":
                    results[conns.pop(conn)] = pickle.loads(body)
                elif tag == b"F":
                    raise pickle.loads(body)
                else:
                    error, trace = pickle.loads(body)
                    raise RuntimeError(f"import worker failed: {error}\n{trace}")
        return [r for r in results if r is not None]
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join(5)


def merge_duplicates(results: list[RangeResult], errors: importer.RowErrors) -> list[int]:
    """Report USCCs whose first occurrence in a range repeats an earlier range's to
    ``errors``; return the lines to drop from staging (they may have been valid within
    their own range)."""
    if not results:
        return []
    first = results[0].first_seen  # grown in place: no second copy of a million codes
    drop: list[int] = []
    for result in results[1:]:
        seen, result.first_seen = result.first_seen, {}
        for key, line in seen.items():
            earlier = first.get(key)
            if earlier is None:
                first[key] = line
            else:
                errors.add_row(
                    [
                        RowError(
                            line=line,
                            field="uscc",
                            value=importer.code_of_key(key),
                            reason=f"duplicate of line {earlier}",
                            reason_zh=f"与第 {earlier} 行重复",
                        )
                    ]
                )
                drop.append(line)
    return drop
