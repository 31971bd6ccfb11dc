"""draw-v1 checks large frames a bounded chunk at a time (a province's frame is never split into ten
million lines): the chunked path must accept exactly what the line-by-line path accepts, give the same
announcement and result, and leave every refusal to the line-by-line path, which names the line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointcheck.draw import DrawError, drawv1

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_draw_chunk_checks import KINDS, chunk, corrupt

SECRET = bytes(range(32))
COMMITMENT = drawv1.commitment_of(SECRET)
RULES = {s: {"ratio": "0.3", "alternates": 1} for s in ("A", "B", "U", "环境")}


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


corruptions = st.sampled_from(KINDS)


@FAST
@given(frames.filter(lambda f: f.count(b"\n") >= 2), corruptions, st.integers(0, 100), st.sampled_from([1, 7, 20]))
def test_a_malformed_frame_gets_the_same_refusal_chunked_or_not(frame, how, at, size):
    bad = corrupt(frame, how, at % frame.count(b"\n"))
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
