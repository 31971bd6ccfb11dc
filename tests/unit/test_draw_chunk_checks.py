"""draw-v1's chunked checks of large frames, case by case (deterministic, so `make mutation` runs them
against every mutant of the verifier path): at any chunk size a valid frame is accepted without ever
being split whole, and every malformed one is refused with exactly the words of the line-by-line path."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from jointcheck.draw import DrawError, drawv1

SECRET = bytes(range(32))
COMMITMENT = drawv1.commitment_of(SECRET)
RULES = {s: {"ratio": "0.3", "alternates": 1} for s in ("A", "B", "U")}
FRAME = drawv1.make_file([(f"9141{i:04d}", "ABU"[i % 3]) for i in range(30)]).encode()
KINDS = (
    "swap",
    "dup_line",
    "dup_id",
    "dup_id_ruled",
    "empty_line",
    "no_tab",
    "two_tabs",
    "unruled",
    "cr",
    "no_final_lf",
)
SIZES = (1, 5, 23, 64)


@contextmanager
def chunk(size: int):
    saved = drawv1._CHUNK
    drawv1._CHUNK = size
    try:
        yield
    finally:
        drawv1._CHUNK = saved


def corrupt(frame: bytes, how: str, k: int) -> bytes:
    lines = frame.split(b"\n")[:-1]
    if how == "swap":
        k = max(k, 1)
        lines[k - 1], lines[k] = lines[k], lines[k - 1]
    elif how == "dup_line":
        lines.insert(k, lines[k])
    elif how == "dup_id":
        lines.insert(k + 1, lines[k].split(b"\t")[0] + b"\tZ")
    elif how == "dup_id_ruled":  # the same id under two ruled strata: still sorted, still fixed-width
        ident, stratum = lines[k].split(b"\t")
        if stratum == b"U":
            lines.insert(k, ident + b"\tA")
        else:
            lines.insert(k + 1, ident + b"\tU")
    elif how == "empty_line":
        lines.insert(k, b"")
    elif how == "no_tab":
        lines[k] = lines[k].replace(b"\t", b"")
    elif how == "two_tabs":
        lines[k] += b"\tA"
    elif how == "unruled":
        lines[k] = lines[k].split(b"\t")[0] + b"\tQ"
    elif how == "cr":
        lines[k] += b"\r"
    else:
        return b"\n".join(lines)
    return b"\n".join(lines) + b"\n"


def outcome(fn, *args, **kw):
    try:
        return ("ok", fn(*args, **kw))
    except DrawError as exc:
        return ("error", str(exc))


def announce(frame: bytes):
    return outcome(
        drawv1.build_announcement, "objects", COMMITMENT, {"frame": frame}, entropy_source="dice", strata=RULES
    )


def execute(frame: bytes):
    """execute() of an announcement whose hash and size name ``frame`` (so only its form is judged)."""
    ann = drawv1._loads(
        drawv1.build_announcement("objects", COMMITMENT, {"frame": FRAME}, entropy_source="d", strata=RULES).decode()
    )
    ann |= {"frame_sha256": drawv1.sha256_hex(frame), "frame_size": frame.count(b"\n")}
    return outcome(drawv1.execute, drawv1.canonical_json(ann), SECRET, "d 1", {"frame": frame})


def test_a_valid_frame_gives_the_same_announcement_and_result_at_any_chunk_size():
    expected = (announce(FRAME), execute(FRAME))
    assert expected[0][0] == expected[1][0] == "ok"
    for size in SIZES:
        with chunk(size):
            assert drawv1._lines_ok(FRAME) == 30
            assert drawv1._frame_ok(FRAME, RULES) == 30
            assert (announce(FRAME), execute(FRAME)) == expected


@pytest.mark.parametrize("how", KINDS)
def test_every_malformed_frame_is_refused_with_the_line_by_line_words(how):
    for k in range(30):
        bad = corrupt(FRAME, how, k)
        expected = (announce(bad), execute(bad))  # one chunk: the fast checks fail, the slow path speaks
        assert expected[0][0] == "error" or how == "swap", (how, k)
        for size in SIZES:
            with chunk(size):
                if expected[0][0] == "error":
                    assert drawv1._frame_ok(bad, RULES) is None, (how, k, size)
                assert (announce(bad), execute(bad)) == expected, (how, k, size)


def test_the_chunks_are_whole_lines_covering_the_file():
    for size in SIZES:
        with chunk(size):
            parts = list(drawv1._chunks(FRAME))
            assert b"".join(parts) == FRAME
            assert all(p.endswith(b"\n") and len(p) >= min(size, 1) for p in parts)
            assert all(len(p) <= size + 20 for p in parts)  # about the chunk size: a line longer at most
            assert list(drawv1._chunks(FRAME, 20, 60)) == list(drawv1._chunks(FRAME[20:60]))
    assert list(drawv1._chunks(b"")) == []


def test_a_valid_frame_is_never_split_whole(monkeypatch):
    """The line-by-line path (a list of every line) is only for refusals; a valid frame, even of
    several chunks and run by several workers, never takes it."""
    frame = drawv1.make_file([(f"91411523MA{i:08d}", "ABU"[i % 3]) for i in range(120_000)]).encode()
    ann = drawv1.build_announcement("objects", COMMITMENT, {"frame": frame}, entropy_source="d", strata=RULES)
    expected = drawv1.execute(ann, SECRET, "d 1", {"frame": frame})

    def forbidden(*_a, **_k):
        raise AssertionError("split whole")

    monkeypatch.setattr(drawv1, "_CHUNK", 1 << 16)
    monkeypatch.setattr(drawv1, "_bytes_lines", forbidden)
    assert drawv1.build_announcement("objects", COMMITMENT, {"frame": frame}, entropy_source="d", strata=RULES) == ann
    assert drawv1.execute(ann, SECRET, "d 1", {"frame": frame}) == expected
    assert drawv1.execute(ann, SECRET, "d 1", {"frame": frame}, workers=2) == expected
    ok, _ = drawv1.verify_bundle(drawv1.make_bundle("d", ann, SECRET, "d 1", {"frame": frame}, result=expected))
    assert ok


def test_a_malformed_teams_input_is_named_in_the_refusal():
    """The teams inputs keep the line-by-line path: a bad file is refused naming that file."""
    inputs = {"entities": "E1\nE2\n", "pool": "I1\tSWJ\nI2\tSWJ\n", "constraints": ""}
    rules = {"required_departments": ["SWJ"], "team_size": 2, "max_load": 2}
    ann = drawv1._loads(drawv1.build_announcement("teams", COMMITMENT, inputs, entropy_source="d", team=rules).decode())
    for name, bad in (("pool", "I2\tSWJ\nI1\tSWJ\n"), ("entities", "E2\nE1\n"), ("constraints", "x\n\n")):
        changed = inputs | {name: bad}
        field = {"entities": "entities_sha256", "pool": "pool_sha256", "constraints": "constraints_sha256"}[name]
        forged = drawv1.canonical_json(ann | {field: drawv1.sha256_hex(bad)})
        with pytest.raises(DrawError) as err:
            drawv1.execute(forged, SECRET, "d 1", changed)
        assert str(err.value).startswith(f"{name}: line 2 "), str(err.value)
