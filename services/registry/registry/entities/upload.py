"""Receiving an import file: streamed to disk under a size limit, and abandoned when the
client leaves.

The route reads the multipart body itself (after authentication, unlike a ``File``
parameter, which FastAPI reads before anything else): the ``file`` part goes to a named
temporary file in 1 MiB writes off the event loop, hashed on the way; more than
``limit`` bytes is 413 ``payload_too_large`` at once (at once from ``Content-Length``
when the client announces it). The file is never held in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from jointcheck.errors import DomainError, UnprocessableEntity

T = TypeVar("T")
WRITE_CHUNK = 1 << 20


class PayloadTooLarge(DomainError):
    status, code, title_en, title_zh = 413, "payload_too_large", "Payload too large", "上传内容过大"


class ClientDisconnected(DomainError):
    """The client left before the answer; the work was abandoned and rolled back."""

    status, code, title_en, title_zh = 499, "client_disconnected", "Client closed the request", "客户端已断开"


@dataclass
class Upload:
    file: IO[bytes]
    path: str
    size: int
    sha256: str
    filename: str | None


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the upload exceeds the limit of {limit} bytes",
        detail_zh=f"上传文件超过 {limit} 字节的限制",
        extra={"limit_bytes": limit, "limit": limit},  # `limit`: the name before API 0.2.0 (deprecated)
    )


def _bad_form(detail: str) -> UnprocessableEntity:
    return UnprocessableEntity(
        detail,
        detail_zh="上传内容须为 multipart/form-data，文件放在 file 字段",
        code="invalid_upload",
        errors=[{"field": "body.file", "message": detail}],
    )


@contextlib.asynccontextmanager
async def receive_file(request: Request, *, field: str = "file", limit: int) -> AsyncIterator[Upload]:
    """The multipart part ``field`` of ``request``, on disk; deleted on exit."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + (64 << 10):
        raise _too_large(limit)
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise _bad_form("send the file as multipart/form-data in the field 'file'")
    fd, path = tempfile.mkstemp(prefix="jc-import-")
    out = os.fdopen(fd, "w+b")
    sha = hashlib.sha256()
    state: dict[str, Any] = {
        "header": b"",
        "value": b"",
        "disposition": b"",
        "target": False,
        "found": False,
        "filename": None,
        "size": 0,
    }
    pending = bytearray()

    def on_part_begin() -> None:
        state["disposition"] = b""
        state["target"] = False

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        if state["header"].lower() == b"content-disposition":
            state["disposition"] = state["value"]
        state["header"] = state["value"] = b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(state["disposition"])
        if options.get(b"name") == field.encode() and not state["found"]:
            state["target"] = state["found"] = True
            name = options.get(b"filename")
            state["filename"] = name.decode("utf-8", "replace") if name else None

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["target"]:
            state["size"] += end - start
            if state["size"] > limit:
                raise _too_large(limit)
            pending.extend(data[start:end])

    def flush(buf: bytes) -> None:
        out.write(buf)
        sha.update(buf)

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
        },
    )
    try:
        try:
            async for chunk in request.stream():
                parser.write(chunk)
                if len(pending) >= WRITE_CHUNK:
                    buf = bytes(pending)
                    pending.clear()
                    await asyncio.to_thread(flush, buf)
            parser.finalize()
        except FormParserError as exc:
            raise _bad_form(f"malformed multipart body: {exc}") from None
        except ClientDisconnect:
            raise ClientDisconnected("the client left during the upload", detail_zh="客户端在上传中断开") from None
        if pending:
            await asyncio.to_thread(flush, bytes(pending))
            pending.clear()
        if not state["found"]:
            raise _bad_form("no 'file' field in the form")
        await asyncio.to_thread(out.flush)
        out.seek(0)
        yield Upload(file=out, path=path, size=state["size"], sha256=sha.hexdigest(), filename=state["filename"])
    finally:
        out.close()
        with contextlib.suppress(OSError):
            os.unlink(path)


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T:
    """Run ``work`` (after the body was read), cancelling it if the client disconnects.

    Once the body is consumed, the next ``receive`` returns only at disconnect (or after the
    response), so a watcher can wait on it without polling.
    """
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_wait_for_disconnect(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise ClientDisconnected(
            "the client left; the import was cancelled and nothing was written",
            detail_zh="客户端已断开，导入已取消，未写入任何数据",
        )
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _wait_for_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
