"""deploy/alerts/: Prometheus accepts the rule files (``promtool check rules``), the alerts
fire when they should and not otherwise (``promtool test rules``), the Prometheus configuration
that loads them is valid, and every series they name is one a service exports (or the
scraper's own: up, probe_success)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from prometheus_client import generate_latest

from jcdev.testing import require_system_binary

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "alerts"
RULE_FILES = sorted(ALERTS.glob("*.rules.yml"))
RULE_TESTS = sorted((ALERTS / "tests").glob("*.test.yml"))
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
PROMTOOL = "/usr/bin/promtool"
SCRAPER_SERIES = {"up", "probe_success"}


def _promtool(*args: str) -> str:
    promtool = require_system_binary(PROMTOOL, "the alert rules are checked by Prometheus's own tool")
    done = subprocess.run([promtool, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _exported() -> set[str]:
    """The series the services export (counters with their ``_total`` samples)."""
    from audit.replays.service import WitnessMetrics
    from jcdev.testing import service_settings
    from jointcheck.observability import Metrics
    from registry.platform_sync.metrics import SyncMetrics
    from results.main import create_app

    metrics = Metrics("any")
    WitnessMetrics(metrics)
    SyncMetrics(metrics.registry)
    results = create_app(service_settings("results", "postgresql+asyncpg://unused@127.0.0.1:1/unused"))
    out: set[str] = set()
    for registry in (metrics.registry, results.state.metrics.registry):
        text = generate_latest(registry).decode()
        for name, kind in re.findall(r"^# TYPE (\S+) (\w+)", text, re.M):
            out |= {name, f"{name}_total"} if kind == "counter" else {name}
    return out


def _series_in(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (not its functions, labels or keywords)."""
    expr = re.sub(r"\b(by|without)\s*\([^)]*\)", " ", expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    return set(re.findall(r"\b([A-Za-z_:][A-Za-z0-9_:]*)\b(?!\s*\()", expr)) - {"and", "or", "unless", "bool"}


def _rules() -> dict[str, dict]:
    rules = {}
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            assert group["name"] and group["rules"]
            for rule in group["rules"]:
                rules[rule["alert"]] = rule
    return rules


def test_promtool_accepts_the_rules_and_the_configuration_loading_them():
    out = _promtool("check", "rules", *map(str, RULE_FILES))
    assert out.count("SUCCESS") == len(RULE_FILES)
    config = _promtool("check", "config", str(PROMETHEUS))
    assert f"{len(RULE_FILES)} rule files found" in config


def test_the_alerts_fire_when_they_should_and_not_otherwise():
    assert RULE_TESTS
    out = _promtool("test", "rules", *map(str, RULE_TESTS))
    assert "SUCCESS" in out and "FAILED" not in out
    tested = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            tested |= {t["alertname"] for t in case["alert_rule_test"] if t["exp_alerts"]}
    assert {"ServiceNotReady", "OutboxDeadLetters", "DrawReplayFailed", "InspectionResultsOverdue"} <= tested


def test_every_operational_obligation_has_an_alert():
    rules = _rules()
    wanted = {
        "dead letters": "outbox_events_dead_total",
        "publications refused": "jc_results_publication_dead_letters",
        "failing replays": "audit_replay_failures_total",
        "overdue results": "jc_results_overdue_inspections",
        "unpublished records": "jc_results_publications_unpublished",
        "/readyz down": 'probe_success{job="jointcheck-readyz"}',
    }
    for what, series in wanted.items():
        assert [a for a, r in rules.items() if series in r["expr"]], f"no alert on {what}"
    scrape = yaml.safe_load(PROMETHEUS.read_text(encoding="utf-8"))
    jobs = {j["job_name"]: j for j in scrape["scrape_configs"]}
    assert all(t.endswith("/readyz") for t in jobs["jointcheck-readyz"]["static_configs"][0]["targets"])


def test_rules_are_annotated_and_name_only_exported_series():
    exported = _exported()
    for name, rule in _rules().items():
        assert set(rule) >= {"alert", "expr", "labels", "annotations"}, rule
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), name
        assert " / " in rule["annotations"]["summary"], f"{name}: summaries are bilingual"
        for series in _series_in(rule["expr"]):
            if series in SCRAPER_SERIES:
                continue
            assert series in exported, f"{name}: {series} is not exported by any service"
    assert _series_in(_rules()["RegistryPlatformSyncLagging"]["expr"]) == {"registry_platform_sync_lag_events"}
    assert _series_in(_rules()["OutboxDeadLetters"]["expr"]) == {"outbox_events_dead_total"}
