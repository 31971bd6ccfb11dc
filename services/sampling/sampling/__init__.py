"""Sampling service: draw-v1 verifiable draws of entities, inspection teams and experts, with commit-reveal and public bundles."""
