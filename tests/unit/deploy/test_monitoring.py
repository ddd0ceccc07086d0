"""deploy/grafana and deploy/prometheus: the dashboard and the alert rules read only metrics
netwave serves (metric_names.py), and Prometheus scrapes them where compose serves them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.unit.deploy.contract import DEPLOY, as_argv, netwave_command_error
from tests.unit.deploy.metric_names import (
    DATABASE_GAUGES,
    METRIC_NAME,
    NETWAVE_METRICS,
    TEMPORAL_METRICS,
    TENANT_METRICS,
    metric_of,
    unknown_series,
)
from tests.unit.deploy.test_compose import SERVICES, environment

DASHBOARD: dict[str, Any] = json.loads((DEPLOY / "grafana" / "netwave-dashboard.json").read_text())
SCRAPE: dict[str, Any] = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
RULES: list[dict[str, Any]] = [
    rule
    for group in yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"]
    for rule in group["rules"]
]
JOBS = {job["job_name"]: job for job in SCRAPE["scrape_configs"]}
PANEL_TYPES = {"row", "timeseries", "stat", "table"}
DURATION = re.compile(r"^(0|([0-9]+(ms|s|m|h|d|w|y))+)$")
SELECTOR = re.compile(r"\b((?:netwave|temporal)_[a-z0-9_]+)\s*(\{[^}]*\})?")


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row holds its panels


def queries() -> list[str]:
    return [t["expr"] for p in panels(DASHBOARD) for t in p.get("targets", [])]


def rule_queries() -> list[str]:
    return [str(rule["expr"]) for rule in RULES]


def balanced(query: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for char in re.sub(r'"[^"]*"', '""', query):  # brackets inside label values do not count
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


# --- the dashboard ---------------------------------------------------------------------------


def test_dashboard_is_a_grafana_dashboard() -> None:
    assert DASHBOARD["schemaVersion"] >= 36 and DASHBOARD["uid"] and DASHBOARD["title"]
    found = list(panels(DASHBOARD))
    assert {p["type"] for p in found} <= PANEL_TYPES
    ids = [p["id"] for p in found]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in found:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["targets"], panel["title"]
            for target in [panel, *panel["targets"]]:
                assert target["datasource"]["uid"] == "${datasource}", panel["title"]


def test_dashboard_variables_pick_the_prometheus_and_the_tenants() -> None:
    variables = {v["name"]: v for v in DASHBOARD["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    tenant = variables["tenant"]
    assert tenant["type"] == "query" and tenant["multi"] and tenant["includeAll"]
    assert tenant["query"]["query"] == "label_values(netwave_changes, tenant)"
    assert tenant["allValue"] == ".*", "All must match every tenant in a =~ selector"


def test_dashboard_reads_only_contract_metrics_and_all_of_them() -> None:
    assert not unknown_series(queries())
    used = {metric_of(name) for query in queries() for name in METRIC_NAME.findall(query)}
    assert set(NETWAVE_METRICS) <= used, set(NETWAVE_METRICS) - used
    assert set(TEMPORAL_METRICS) <= used, set(TEMPORAL_METRICS) - used


@pytest.mark.parametrize("query", queries())
def test_dashboard_query_is_filtered_by_tenant_and_well_formed(query: str) -> None:
    assert balanced(query), query
    for match in SELECTOR.finditer(query):
        if metric_of(match.group(1)) in TENANT_METRICS:
            assert 'tenant=~"$tenant"' in (match.group(2) or ""), (match.group(1), query)


@pytest.mark.parametrize("query", [*queries(), *rule_queries()])
def test_database_gauges_are_never_summed_over_api_replicas(query: str) -> None:
    # Each API replica reads the same rows: sum() would count them once per replica.
    for gauge in DATABASE_GAUGES:
        assert not re.search(rf"\bsum\b[^(]*\(\s*{gauge}\b", query), query


def test_unused_metric_names_fail_the_check() -> None:
    assert unknown_series(["rate(netwave_http_requests[5m])"]) == {"netwave_http_requests"}
    assert unknown_series(["netwave_changes_total"]) == {"netwave_changes_total"}
    assert not unknown_series(["netwave_audit_duration_seconds_bucket"])


# --- the scrape config ---------------------------------------------------------------------


def services_behind(name: str) -> dict[str, dict[str, Any]]:
    """Compose services reached at DNS name `name`: the service and those in its namespace."""
    return {
        service_name: service
        for service_name, service in SERVICES.items()
        if service_name == name or service.get("network_mode") == f"service:{name}"
    }


def runs(service: dict[str, Any], command: str) -> bool:
    return as_argv(service.get("command", []))[:1] == [command]


def test_the_api_is_scraped_on_its_own_port() -> None:
    job = JOBS["netwave-api"]
    (target,) = [t for config in job["static_configs"] for t in config["targets"]]
    host, _, port = target.partition(":")
    assert runs(SERVICES[host], "api")
    assert port == environment(SERVICES[host])["NETWAVE_API_PORT"]
    assert job.get("metrics_path", "/metrics") == "/metrics"


def test_every_worker_is_scraped_on_its_metrics_port() -> None:
    (lookup,) = JOBS["netwave-worker"]["dns_sd_configs"]
    assert lookup["type"] == "A", "one target per replica: compose answers with every address"
    scraped: set[str] = set()
    for name in lookup["names"]:
        workers = {n: s for n, s in services_behind(name).items() if runs(s, "worker")}
        assert workers, f"{name} runs no worker"
        for service_name, service in workers.items():
            env = environment(service)
            assert env.get("NETWAVE_METRICS_PORT") == str(lookup["port"]), service_name
            assert env.get("NETWAVE_METRICS_HOST") == "0.0.0.0", service_name
            scraped.add(service_name)
    every_worker = {name for name, service in SERVICES.items() if runs(service, "worker")}
    assert every_worker == scraped, f"not scraped: {every_worker - scraped}"


def test_prometheus_runs_in_the_monitoring_profile_with_config_and_rules() -> None:
    prometheus = SERVICES["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert str(prometheus["image"]).startswith("prom/prometheus:")
    mounts = dict(str(v).rsplit(":", 2)[:2] for v in prometheus["volumes"] if str(v)[0] == ".")
    config_dir = mounts["./prometheus"]
    config = next(a for a in prometheus["command"] if a.startswith("--config.file="))
    assert config == f"--config.file={config_dir}/prometheus.yml"
    for rule_file in SCRAPE["rule_files"]:
        assert rule_file.startswith(config_dir + "/")
        assert (DEPLOY / "prometheus" / rule_file.removeprefix(config_dir + "/")).exists()
    assert any(str(p).endswith(":9090") for p in prometheus["ports"])


# --- the alert rules -------------------------------------------------------------------------

EXPECTED_ALERTS = {
    "NetwaveChangeApprovalStuck": "netwave_change_approval_wait_seconds",
    "NetwaveChangesFailed": "netwave_changes_finished_total",
    "NetwaveCampaignHalted": 'netwave_campaigns{status=~"halted',
    "NetwaveHostKeyMismatch": "netwave_host_key_mismatches_total",
    "NetwaveApiErrors": 'netwave_http_requests_total{status=~"5..',
    "NetwaveWorkerDown": 'up{job="netwave-worker"} == 0',
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: str(r["alert"]))
def test_each_rule_says_how_bad_and_what_happened(rule: dict[str, Any]) -> None:
    assert rule["expr"] and balanced(str(rule["expr"])), rule["alert"]
    assert DURATION.match(str(rule["for"])), rule["for"]
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    for job in re.findall(r'job="([^"]+)"', str(rule["expr"])):
        assert job in JOBS, f"{rule['alert']}: no scrape job {job}"


def test_the_alerts_of_the_issue_exist() -> None:
    by_name = {rule["alert"]: " ".join(str(rule["expr"]).split()) for rule in RULES}
    for name, needle in EXPECTED_ALERTS.items():
        assert needle in by_name[name], (name, by_name.get(name))
    approval = next(r for r in RULES if r["alert"] == "NetwaveChangeApprovalStuck")
    assert "> 4 * 3600" in approval["expr"] and approval["for"] == "15m"
    assert not unknown_series(rule_queries())


def test_a_final_campaign_status_is_an_event_not_a_state() -> None:
    # halted and failed campaigns stay so: their count only grows. `> 0` would never resolve.
    halted = next(r for r in RULES if r["alert"] == "NetwaveCampaignHalted")
    assert "min_over_time(" in halted["expr"]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: str(r["alert"]))
def test_commands_the_alerts_suggest_exist(rule: dict[str, Any]) -> None:
    text = re.sub(r"\{\{[^}]*\}\}", "acme", rule["annotations"]["description"])
    text = text.replace("<id>", "1")
    for command in re.findall(r"`netwave ([^`]+)`", text):
        assert netwave_command_error(command.split()) is None, command


def test_compose_prometheus_sends_the_api_its_scrape_token() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    token_file = jobs["netwave-api"]["authorization"]["credentials_file"]
    assert "authorization" not in jobs["netwave-worker"]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    mounts = compose["services"]["prometheus"]["volumes"]
    assert any(m.endswith(f":{token_file}:ro") for m in mounts), mounts
    assert "NETWAVE_METRICS_TOKEN" in compose["services"]["api"]["environment"]
