"""audit's registry_frame check compares a frozen frame with the registry's by a block-skipping merge
(no set of ten million lines): it must say exactly what the set comparison says."""

from __future__ import annotations

import random

import pytest

from audit.replays import checks
from audit.replays.checks import sorted_difference


def _file(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in sorted(set(lines)))


def _by_sets(registry: str, frozen: str) -> tuple[list[str], list[str]]:
    r, f = registry.split("\n")[:-1], frozen.split("\n")[:-1]
    return [x for x in f if x not in set(r)], [x for x in r if x not in set(f)]


@pytest.mark.parametrize("block", [1, 3, 16, 1 << 16])
def test_the_merge_agrees_with_sets(monkeypatch, block):
    monkeypatch.setattr(checks, "_BLOCK", block)
    rnd = random.Random(block)
    for _ in range(300):
        universe = [f"9141{rnd.randrange(10**6):06d}\t{rnd.choice('ABCDU')}" for _ in range(rnd.randrange(0, 60))]
        registry = [x for x in universe if rnd.random() < 0.8]
        frozen = [x for x in registry if rnd.random() < 0.9] + [x for x in universe if rnd.random() < 0.05]
        a, b = _file(registry), _file(frozen)
        assert sorted_difference(a, b) == _by_sets(a, b), (a, b)


def test_a_large_identical_frame_and_a_few_exclusions():
    lines = [f"91411523MA{i:08d}\t{'ABCDU'[i % 5]}" for i in range(200_000)]
    registry = _file(lines)
    assert sorted_difference(registry, registry) == ([], [])
    gone = {lines[0], lines[77_777], lines[-1]}
    frozen = _file([x for x in lines if x not in gone])
    assert sorted_difference(registry, frozen) == ([], sorted(gone))
    forged = frozen.replace(lines[5], lines[5][:-1] + "X")  # a class changed: foreign, and the original removed
    foreign, removed = sorted_difference(registry, forged)
    assert foreign == [lines[5][:-1] + "X"] and lines[5] in removed
