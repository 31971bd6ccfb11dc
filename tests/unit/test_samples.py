"""The sample directory files in tests/data are what the project's own generator writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from jcdev.samples import SAMPLES, expected_rows, read_rows, write_samples

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_checked_in_sample_matches_the_generator(name):
    """`make samples` would write the same cells (rerun it after changing the generator)."""
    assert read_rows(DATA / name) == expected_rows(name)


def test_samples_are_the_same_rows_in_three_encodings():
    utf8 = read_rows(DATA / "entities-sample.csv")
    gb = read_rows(DATA / "entities-sample-gb18030.csv")
    xlsx = read_rows(DATA / "entities-sample.xlsx")
    assert (len(utf8), len(gb), len(xlsx)) == (301, 101, 201)
    assert gb == utf8[:101] and xlsx == utf8[:201]
    assert (DATA / "entities-sample.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        (DATA / "entities-sample-gb18030.csv").read_bytes().decode("utf-8")


def test_make_samples_writes_them_and_leaves_up_to_date_files_alone(tmp_path):
    written = write_samples(tmp_path)
    assert sorted(p.name for p in written) == sorted(SAMPLES)
    for name in SAMPLES:
        assert read_rows(tmp_path / name) == read_rows(DATA / name)
    assert write_samples(tmp_path) == []
