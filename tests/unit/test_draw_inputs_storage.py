"""How sampling keeps a draw's inputs (one zlib stream of raw files) and serves its bundle (streamed):
round trips, draws stored in the earlier format, exclusions on bytes, and a bundle byte-identical to the
compact JSON dump a verifier expects."""

from __future__ import annotations

import hashlib
import json
import random
import zlib

import httpx
import pytest

from jointcheck.clients.registry import _file
from jointcheck.draw import drawv1
from jointcheck.errors import UpstreamUnavailable
from sampling.draws import storage


def frame(n: int, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    ids = sorted({f"9141{rnd.randrange(10**8):08d}MA" for _ in range(n)})
    return "".join(f"{i}\t{rnd.choice('ABCDU')}\n" for i in ids).encode()


def test_inputs_round_trip_in_the_new_format():
    inputs = {"frame": frame(3000), "pool": "I1\tSWJ\n"}
    extra = {"exclusions": "91410000MA\n"}
    blob = storage.pack_inputs(inputs, extra)
    assert blob.startswith(storage.MAGIC)
    got, kept = storage.unpack_inputs(blob)
    assert got == {"frame": inputs["frame"], "pool": b"I1\tSWJ\n"} and kept == {"exclusions": b"91410000MA\n"}
    assert list(got) == ["frame", "pool"]  # the order of the announcement's inputs


def test_draws_stored_before_are_still_read():
    legacy = zlib.compress(json.dumps({"inputs": {"frame": "A\tB\n"}, "exclusions": ""}).encode(), 3)
    assert storage.unpack_inputs(legacy) == ({"frame": b"A\tB\n"}, {"exclusions": b""})


def test_a_stored_blob_longer_than_its_header_is_refused():
    blob = storage.pack_inputs({"frame": b"A\tB\n"}, {})
    tampered = storage.MAGIC + zlib.compress(zlib.decompress(blob[len(storage.MAGIC) :]) + b"extra")
    with pytest.raises(ValueError, match="longer"):
        storage.unpack_inputs(tampered)


@pytest.mark.parametrize("chunk", [8, 64, 1 << 22])
def test_exclusion_on_bytes_is_the_line_filter(monkeypatch, chunk):
    monkeypatch.setattr(storage, "CHUNK", chunk)
    f = frame(2000, seed=chunk)
    lines = f.decode().splitlines(keepends=True)
    rnd = random.Random(chunk)
    excluded = {line.split("\t")[0] for line in rnd.sample(lines, 150)} | {"91419999999999MA", "0"}
    kept, removed = storage.exclude(f, excluded)
    assert kept == "".join(x for x in lines if x.split("\t")[0] not in excluded).encode()
    assert sorted(removed) == sorted(x.split("\t")[0] for x in lines if x.split("\t")[0] in excluded)
    assert storage.exclude(f, set()) == (f, [])
    everything = {x.split("\t")[0] for x in lines}
    assert storage.exclude(f, everything)[0] == b""


@pytest.mark.parametrize("chunk", [5, 1 << 22])
def test_the_streamed_bundle_is_the_compact_dump(monkeypatch, chunk):
    monkeypatch.setattr(storage, "CHUNK", chunk)
    secret = bytes(range(32))
    inputs = {"frame": drawv1.make_file([("91中文", "A"), ('9141"\\', "B"), ("9142", "U")]).encode()}
    rules = {s: {"count": 1} for s in "ABU"}
    ann = drawv1.build_announcement("objects", drawv1.commitment_of(secret), inputs, entropy_source="d", strata=rules)
    result = drawv1.execute(ann, secret, "d 1", inputs)
    bundle = drawv1.make_bundle("draw-1", ann, secret, "d 1", inputs, result=result)
    expected = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()
    got = b"".join(
        storage.bundle_chunks(
            draw_id="draw-1",
            kind="objects",
            announcement=ann.decode(),
            secret_hex=secret.hex(),
            entropy="d 1",
            inputs=inputs,
            result=result,
        )
    )
    assert got == expected
    assert drawv1.verify_bundle(json.loads(got))[0]


def test_a_frame_that_is_not_what_its_headers_say_is_refused():
    body = frame(100)

    def response(content: bytes, sha: str, lines: int) -> httpx.Response:
        headers = {"x-frame-sha256": sha, "x-frame-lines": str(lines), "x-registry-version": "7"}
        return httpx.Response(200, content=content, headers=headers)

    good = _file(response(body, hashlib.sha256(body).hexdigest(), 100))
    assert (good.content, good.lines, good.registry_version) == (body, 100, 7)
    with pytest.raises(UpstreamUnavailable) as err:
        _file(response(body[:-21], hashlib.sha256(body).hexdigest(), 100))  # cut short
    assert err.value.code == "upstream_frame_mismatch"
    with pytest.raises(UpstreamUnavailable):
        _file(response(body, hashlib.sha256(body).hexdigest(), 99))
