"""How a draw's input files are kept (``draws.inputs_gz``) and served back (the bundle).

A frame of ten million entities is 210 MB. It is held once, as bytes: received from the
registry, filtered for exclusions chunk by chunk, hashed and checked by draw-v1 without being
split into lines, compressed straight from those bytes, and written back into the bundle's
JSON a chunk at a time — never decoded into a string, never inside a JSON document of its own.

The stored format (``JCIN1``): the magic line, then one zlib stream holding a JSON header line
(the names and byte lengths of the draw's input files and of the files kept beside them) and
the files' raw bytes, in that order. Draws stored earlier hold a zlib-compressed JSON object
``{"inputs": {...}, "<extra>": "..."}``; :func:`unpack_inputs` reads both.
"""

from __future__ import annotations

import json
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Any

MAGIC = b"JCIN1\n"
LEVEL = 1  # fast: a 210 MB frame compresses in about two seconds, to about 36 %
SLICE = 1 << 24  # bytes handed to zlib at a time
CHUNK = 1 << 22  # bytes of whole lines per JSON chunk or exclusion pass


def _raw(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def pack_inputs(inputs: dict[str, str | bytes], extra: dict[str, str | bytes]) -> bytes:
    """The draw's input files and the files kept beside them (``exclusions``), compressed once."""
    files = [(n, _raw(v)) for n, v in inputs.items()]
    others = [(n, _raw(v)) for n, v in extra.items()]
    header = {"inputs": [[n, len(b)] for n, b in files], "extra": [[n, len(b)] for n, b in others]}
    z = zlib.compressobj(LEVEL)
    out = [MAGIC, z.compress(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")]
    for _, b in files + others:
        view = memoryview(b)
        for i in range(0, len(b), SLICE):
            out.append(z.compress(view[i : i + SLICE]))
    out.append(z.flush())
    return b"".join(out)


def unpack_inputs(blob: bytes) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(input files, files kept beside them), as bytes, from either stored format."""
    if not blob.startswith(MAGIC):
        legacy = json.loads(zlib.decompress(blob))
        inputs = {n: _raw(v) for n, v in legacy.pop("inputs").items()}
        return inputs, {n: _raw(v) for n, v in legacy.items()}
    data = zlib.decompress(memoryview(blob)[len(MAGIC) :])
    nl = data.index(b"\n")
    header = json.loads(data[:nl])
    pos = nl + 1
    files: dict[str, dict[str, bytes]] = {"inputs": {}, "extra": {}}
    for part in ("inputs", "extra"):
        for name, size in header[part]:
            files[part][name] = data[pos : pos + size]
            pos += size
    if pos != len(data):
        raise ValueError("stored draw inputs are longer than their header says")
    return files["inputs"], files["extra"]


def line_chunks(b: bytes, size: int = CHUNK) -> Iterator[bytes]:
    """``b`` (whole LF-terminated lines) in slices of whole lines of about ``size`` bytes."""
    start, stop = 0, len(b)
    while start < stop:
        end = b.find(b"\n", min(start + size, stop - 1)) + 1 or stop
        yield b[start:end]
        start = end


def exclude(frame: bytes, excluded: set[str]) -> tuple[bytes, list[str]]:
    """Remove the lines of excluded ids from a frame sorted by bytes (order kept, so the file stays
    canonical); (the kept frame, the ids removed). A chunk whose id range holds no excluded id is
    kept as it is without looking at its lines."""
    if not excluded or not frame:
        return frame, []
    wanted = sorted(e.encode("utf-8") for e in excluded)
    kept: list[bytes] = []
    removed: list[str] = []
    for chunk in line_chunks(frame):
        first = chunk[: chunk.find(b"\t")]
        last_start = chunk.rfind(b"\n", 0, len(chunk) - 1) + 1
        last = chunk[last_start : chunk.find(b"\t", last_start)]
        lo, hi = bisect_left(wanted, first), bisect_right(wanted, last)
        if lo == hi:
            kept.append(chunk)
            continue
        candidates = set(wanted[lo:hi])
        lines = chunk.split(b"\n")
        lines.pop()
        keep = []
        for line in lines:
            uscc = line.partition(b"\t")[0]
            if uscc in candidates:
                removed.append(uscc.decode("utf-8"))
            else:
                keep.append(line)
        if keep:
            kept.append(b"\n".join(keep) + b"\n")
    return b"".join(kept), removed


def _json_string_chunks(b: bytes) -> Iterator[bytes]:
    """``b`` (UTF-8 lines) as the inside of a JSON string, exactly as ``json.dumps(text,
    ensure_ascii=False)`` writes it, a chunk at a time (chunks end on line boundaries, so no
    character and no escape is ever split)."""
    for chunk in line_chunks(b):
        yield json.dumps(chunk.decode("utf-8"), ensure_ascii=False)[1:-1].encode("utf-8")


def bundle_chunks(
    *, draw_id: str, kind: str, announcement: str, secret_hex: str, entropy: str, inputs: dict[str, bytes], result: Any
) -> Iterator[bytes]:
    """The draw-bundle/1 document, byte for byte what ``json.dumps(bundle, ensure_ascii=False,
    separators=(",", ":"))`` gives, written a chunk at a time (the frame is never one string)."""

    def dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    from jointcheck.draw import BUNDLE_FORMAT

    yield (
        b'{"format":' + dumps(BUNDLE_FORMAT) + b',"draw_id":' + dumps(draw_id) + b',"kind":' + dumps(kind)
        + b',"announcement":' + dumps(announcement) + b',"secret":' + dumps(secret_hex)
        + b',"entropy":' + dumps(entropy) + b',"inputs":{'
    )  # fmt: skip
    for i, (name, content) in enumerate(inputs.items()):
        yield (b"," if i else b"") + dumps(name) + b':"'
        yield from _json_string_chunks(content)
        yield b'"'
    yield b'},"result":' + dumps(result) + b"}"
