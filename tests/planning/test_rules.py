"""The pure rules: ratio normalisation, rule checks, the preview arithmetic (draw-v1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointcheck.draw import validate_rule
from planning.tasks import rules


@pytest.mark.parametrize(("raw", "expected"), [
    ("0.05", "0.05"), ("0.050", "0.05"), (" 0.2 ", "0.2"), ("1.000", "1"), ("0", "0"), ("0.0", "0"), (0.1, "0.1"),
    (1, "1"), (0, "0"), ("5E-2", "0.05"),
])
def test_ratio_normalisation(raw, expected):
    assert rules.normalize_ratio(raw) == expected


@pytest.mark.parametrize("raw", ["1.01", "-0.1", "abc", "", "NaN", "Infinity", True, None, [0.1], "1e-50"])
def test_bad_ratios(raw):
    with pytest.raises(ValueError):
        rules.normalize_ratio(raw)


def test_spec_vector_sizes():
    """draw-v1's test vector: A 5→1, B 5→2, C 5→3, D 5→2 with one alternate."""
    strata, problems = rules.check_sampling_rules({
        "A": {"ratio": "0.2"}, "B": {"min": 2, "ratio": "0.2"}, "C": {"count": 3},
        "D": {"alternates": 1, "max": 2, "ratio": "1"}, "U": {"count": 0},
    })
    assert problems == []
    sizes = rules.expected_sizes(strata, {"A": 5, "B": 5, "C": 5, "D": 5})
    assert {c: s["expected_sample"] for c, s in sizes.items()} == {"A": 1, "B": 2, "C": 3, "D": 2, "U": 0}
    assert sizes["D"]["expected_alternates"] == 1 and sizes["U"]["population"] == 0


def test_exact_decimal_ceiling():
    strata, _ = rules.check_sampling_rules({c: {"ratio": "0.07"} for c in rules.CLASSES})
    # 0.07 × 100 is exactly 7 (a float would give 7.000000000000001 and round up to 8)
    assert rules.expected_sizes(strata, {"A": 100})["A"]["expected_sample"] == 7


rule_values = st.fixed_dictionaries(
    {},
    optional={
        "ratio": st.one_of(st.integers(min_value=-50, max_value=1500).map(lambda k: str(Decimal(k) / 1000)),
                           st.sampled_from(["", "x", "1e400", "0.5.5"])),
        "count": st.integers(min_value=-3, max_value=50),
        "min": st.integers(min_value=-3, max_value=50),
        "max": st.one_of(st.none(), st.integers(min_value=-3, max_value=50)),
        "alternates": st.integers(min_value=-3, max_value=5),
    },
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_values, st.integers(min_value=0, max_value=500))
def test_accepted_rules_are_valid_draw_v1_rules(raw, population):
    rule, problems = rules.check_rule(raw, "r")
    if problems:
        return
    validate_rule(rule)  # what planning accepts, draw-v1 accepts
    n = rules.expected_sizes({c: rule for c in rules.CLASSES}, {"A": population})["A"]
    assert 0 <= n["expected_sample"] <= population
    assert 0 <= n["expected_alternates"] <= population - n["expected_sample"]


def test_warnings():
    w = rules.task_warnings(year=2027, inspection_start=date(2027, 3, 1), inspection_end=date(2027, 10, 31),
                            plan_filed_late=False, departments=["SWJ"], item_departments=["SWJ"])
    assert w == []
    w = rules.task_warnings(year=2027, inspection_start=date(2027, 3, 1), inspection_end=date(2027, 11, 1),
                            plan_filed_late=True, departments=["SWJ"], item_departments=["SWJ", "XFJY"])
    assert len(w) == 3 and "31 October" in w[0] and "filed late" in w[1] and "XFJY" in w[2]
