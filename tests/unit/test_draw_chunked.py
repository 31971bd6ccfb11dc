"""draw-v1 checks large frames a bounded chunk at a time (a province's frame is never split into ten
million lines): the chunked path must accept exactly what the line-by-line path accepts, give the same
announcement and result, and leave every refusal to the line-by-line path, which names the line."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointcheck.draw import DrawError, drawv1

SECRET = bytes(range(32))
COMMITMENT = drawv1.commitment_of(SECRET)
RULES = {s: {"ratio": "0.3", "alternates": 1} for s in ("A", "B", "U", "环境")}


@contextmanager
def chunk(size: int):
    saved = drawv1._CHUNK
    drawv1._CHUNK = size
    try:
        yield
    finally:
        drawv1._CHUNK = saved


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.text(st.sampled_from("0123456789ABCabcé中 -"), min_size=1, max_size=6)
frames = st.dictionaries(ids, st.sampled_from(sorted(RULES)), max_size=40).map(
    lambda d: drawv1.make_file([(k, v) for k, v in d.items()]).encode()
)


def _outcome(fn, *args, **kw):
    try:
        return ("ok", fn(*args, **kw))
    except DrawError as exc:
        return ("error", exc.check, str(exc))


def _draw(frame: bytes, workers: int = 1):
    ann = drawv1.build_announcement("objects", COMMITMENT, {"frame": frame}, entropy_source="dice", strata=RULES)
    return ann, drawv1.execute(ann, SECRET, "dice 6 6", {"frame": frame}, workers=workers)


@FAST
@given(frames, st.sampled_from([1, 7, 20, 64]))
def test_any_chunk_size_gives_the_same_announcement_and_result(frame, size):
    expected = _draw(frame)
    with chunk(size):
        assert _draw(frame) == expected


corruptions = st.sampled_from(["swap", "dup_line", "dup_id", "empty_line", "no_tab", "two_tabs", "unruled", "cr"])


def _corrupt(frame: bytes, how: str, at: int) -> bytes:
    lines = frame.split(b"\n")[:-1]
    k = at % len(lines)
    if how == "swap" and len(lines) > 1:
        k = max(k, 1)
        lines[k - 1], lines[k] = lines[k], lines[k - 1]
    elif how == "dup_line":
        lines.insert(k, lines[k])
    elif how == "dup_id":
        lines.insert(k + 1, lines[k].split(b"\t")[0] + b"\tZZ")
    elif how == "empty_line":
        lines.insert(k, b"")
    elif how == "no_tab":
        lines[k] = lines[k].replace(b"\t", b"")
    elif how == "two_tabs":
        lines[k] += b"\tA"
    elif how == "unruled":
        lines[k] = lines[k].split(b"\t")[0] + b"\tQ"
    else:
        lines[k] += b"\r"
    return b"\n".join(lines) + b"\n"


@FAST
@given(frames.filter(lambda f: f.count(b"\n") >= 2), corruptions, st.integers(0, 100), st.sampled_from([1, 7, 20]))
def test_a_malformed_frame_gets_the_same_refusal_chunked_or_not(frame, how, at, size):
    bad = _corrupt(frame, how, at)
    build = (drawv1.build_announcement, "objects", COMMITMENT, {"frame": bad})
    expected = _outcome(*build, entropy_source="dice", strata=RULES)
    with chunk(size):
        assert _outcome(*build, entropy_source="dice", strata=RULES) == expected
    if expected[0] == "ok":  # still a valid file for execute (e.g. swapped lines that stay sorted)
        return
    # execute refuses a frame the announcement's hash names too, with the same words chunked or not
    ann = drawv1.build_announcement("objects", COMMITMENT, {"frame": frame}, entropy_source="dice", strata=RULES)
    fake = drawv1.canonical_json(drawv1._loads(ann.decode()) | {"frame_sha256": drawv1.sha256_hex(bad)})
    run = (drawv1.execute, fake, SECRET, "dice", {"frame": bad})
    slow = _outcome(*run)
    assert slow[0] == "error"
    with chunk(size):
        assert _outcome(*run) == slow


def test_a_non_ascii_frame_is_still_checked_as_utf8():
    bad = b"\xff\xfe\tA\n"
    with pytest.raises(DrawError, match="not valid UTF-8"):
        drawv1.build_announcement("objects", COMMITMENT, {"frame": bad}, entropy_source="dice", strata=RULES)
