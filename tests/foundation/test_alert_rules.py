"""deploy/alerts/: Prometheus rule files parse, and every series they alert on is one a
service exports (the platform sync's lag, last success and rejects)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((ROOT / "deploy" / "alerts").glob("*.rules.yml"))
SERIES = re.compile(r"\b(registry_[a-z_]+)\b")


def test_rule_files_parse_and_name_exported_series() -> None:
    assert RULE_FILES, "deploy/alerts/ holds the alert rules"
    from prometheus_client import CollectorRegistry, generate_latest

    from registry.platform_sync.metrics import SyncMetrics

    registry = CollectorRegistry()
    SyncMetrics(registry)
    exported = generate_latest(registry).decode()
    alerts = {}
    for path in RULE_FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in doc["groups"]:
            assert group["name"] and group["rules"]
            for rule in group["rules"]:
                assert set(rule) >= {"alert", "expr", "labels", "annotations"}, rule
                assert rule["labels"]["severity"] in ("critical", "warning", "info")
                assert rule["annotations"]["summary"]
                for series in SERIES.findall(rule["expr"]):
                    assert re.search(rf"^{series}(\{{| )", exported, re.M), f"{rule['alert']}: {series} is not exported"
                alerts[rule["alert"]] = rule["expr"]
    assert "registry_platform_sync_lag_events" in alerts["RegistryPlatformSyncLagging"]
    assert "registry_platform_sync_rejected_events_total" in alerts["RegistryPlatformSyncRejects"]
