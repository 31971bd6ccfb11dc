"""The streamed frame checker: the same verdict whatever the chunking (a frame arrives from COPY in
pieces that split lines anywhere)."""

from __future__ import annotations

import hashlib
import random

import pytest

from registry.frames.service import FrameInvariantError, _Checker, check_and_hash


def fed(content: bytes, cuts: list[int]) -> _Checker:
    checker = _Checker()
    last = 0
    for cut in [*sorted(cuts), len(content)]:
        checker.feed(content[last:cut])
        last = cut
    checker.finish()
    return checker


def frame(n: int) -> bytes:
    return b"".join(f"91411523MA{i:08d}\t{'ABCDU'[i % 5]}\n".encode() for i in range(n))


def test_any_chunking_gives_the_whole_files_count_and_hash():
    content = frame(5000)
    rnd = random.Random(1)
    for _ in range(20):
        cuts = rnd.sample(range(1, len(content)), rnd.randrange(1, 200))
        checker = fed(content, cuts)
        assert checker.lines == 5000
        assert checker.size == len(content)
        assert checker.hash.hexdigest() == hashlib.sha256(content).hexdigest()
    assert check_and_hash(content) == (5000, hashlib.sha256(content).hexdigest())
    assert check_and_hash(b"") == (0, hashlib.sha256(b"").hexdigest())


@pytest.mark.parametrize("at", [1, 17, 18, 19, 20, 21, 22, 23])
def test_a_disorder_across_a_chunk_boundary_is_caught(at):
    lines = frame(3).split(b"\n")[:-1]
    swapped = b"\n".join([lines[0], lines[2], lines[1]]) + b"\n"
    with pytest.raises(FrameInvariantError, match="out of order"):
        fed(swapped, [len(lines[0]) + at])


def test_a_duplicate_line_is_caught_even_split_in_two():
    line = b"91411523MA00000001\tA\n"
    with pytest.raises(FrameInvariantError, match="duplicated"):
        fed(line + line, [len(line) + 5])
    with pytest.raises(FrameInvariantError, match="duplicated"):
        check_and_hash(line + line)


def test_a_missing_final_lf_is_caught():
    with pytest.raises(FrameInvariantError, match="LF"):
        fed(frame(2)[:-1], [7])
