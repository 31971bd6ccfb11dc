"""The Henan-wide generator behind the ten-million-entity benchmark: valid, unique, spread over every
division, and the same file whatever the number of processes writing it."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter

from jointcheck.codes import is_valid_division_code, is_valid_uscc, parse_uscc
from jointcheck.demo import (
    BLOCK_ROWS,
    ENTITY_HEADERS,
    HENAN_DIVISIONS,
    PREFECTURES,
    entity_rows,
    henan_places,
    province_rows,
    write_province_csv,
)


def test_every_division_is_a_henan_county_level_code_once():
    codes = [c for c, _, _ in HENAN_DIVISIONS]
    assert len(codes) == len(set(codes)) == 157
    assert all(is_valid_division_code(c) and c.startswith("41") and c[:4] in PREFECTURES for c in codes)
    assert {p.division for p in henan_places()} == set(codes)


def test_rows_are_valid_unique_and_carry_their_own_division():
    n = BLOCK_ROWS + 30_000  # across a block boundary
    rows = list(province_rows(n, seed=7))
    codes = [r[0] for r in rows]
    assert len(set(codes)) == n
    assert all(is_valid_uscc(c) for c in codes[:50_000] + codes[-50_000:])
    for row in rows[:: n // 2000]:
        assert parse_uscc(row[0]).division_code == row[6]
        assert row[5].startswith("河南省")
    spread = Counter(r[6] for r in rows)
    assert len(spread) == 157
    # weights: Jinshui district (170) has far more entities than Shilong district (5)
    assert spread["410105"] > 10 * spread["410404"]


def test_the_file_does_not_depend_on_the_number_of_writers(tmp_path):
    n = 2 * BLOCK_ROWS + 1234
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert write_province_csv(one, n, seed=3, workers=1) == n
    write_province_csv(two, n, seed=3, workers=2)
    assert hashlib.sha256(one.read_bytes()).digest() == hashlib.sha256(two.read_bytes()).digest()
    with one.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        assert tuple(next(reader)) == ENTITY_HEADERS
        assert sum(1 for _ in reader) == n


def test_the_county_rows_are_unchanged_by_places():
    """Xin County's rows (the sample files, the tests' fixtures) are what they were before provinces."""
    digest = hashlib.sha256()
    for row in entity_rows(20_000, 2024):
        digest.update("\x1f".join(row).encode())
    assert digest.hexdigest() == "77dce26fd97463e50e11e0ccf67c8cc622adbba9fdd3f52f2dd4314627137043"
