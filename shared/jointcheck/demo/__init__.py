"""Deterministic synthetic data for demos, tests and benchmarks (fictitious entities and people)."""

from jointcheck.demo.county import *  # noqa: F403
from jointcheck.demo.county import __all__  # noqa: F401
