"""Deterministic synthetic data for demos, tests and benchmarks (fictitious entities and people).

:mod:`~jointcheck.demo.county` is one county (Xin County, 新县); :mod:`~jointcheck.demo.province`
spreads the same rows over all of Henan for scale benchmarks."""

from jointcheck.demo import county, province
from jointcheck.demo.county import *  # noqa: F403
from jointcheck.demo.province import *  # noqa: F403

__all__ = [*county.__all__, *province.__all__]
