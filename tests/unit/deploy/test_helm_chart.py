"""deploy/helm/netwave: Chart and values parsed, templates checked as text (Go templates)."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.unit.deploy.contract import (
    CHART,
    CREDENTIAL_VARIABLE,
    PRODUCTION_SAMPLES,
    netwave_command_error,
    required_variables,
    settings_from_env,
    unknown_variables,
)

VALUES: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
TEMPLATES = CHART / "templates"
WORKLOADS = ("api-deployment.yaml", "worker-deployment.yaml", "migrations-job.yaml")
ACTION = re.compile(r"\{\{-?.*?-?\}\}", re.S)


def compose_scrape_jobs() -> list[dict[str, Any]]:
    """The scrape jobs of deploy/prometheus/prometheus.yml (the alert rules select on them)."""
    config = yaml.safe_load((CHART.parents[1] / "prometheus" / "prometheus.yml").read_text())
    jobs: list[dict[str, Any]] = config["scrape_configs"]
    return jobs


def template(name: str) -> str:
    return (TEMPLATES / name).read_text()


@cache
def skeleton(name: str) -> dict[str, Any]:
    """A template as YAML: action-only lines dropped, inline actions replaced by a marker."""
    lines = []
    for line in template(name).splitlines():
        if ACTION.sub("", line).strip() == "" and "{{" in line:
            continue
        lines.append(ACTION.sub("TEMPLATED", line))
    parsed = yaml.safe_load("\n".join(lines))
    assert isinstance(parsed, dict), name
    return parsed


def containers(name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = skeleton(name)["spec"]["template"]["spec"]["containers"]
    return found


def test_chart_metadata_matches_the_project() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert chart["apiVersion"] == "v2" and chart["name"] == "netwave"
    assert str(chart["appVersion"]) == project["version"]


@pytest.mark.parametrize(
    "name", sorted(p.name for p in TEMPLATES.glob("*.yaml")), ids=lambda n: str(n)
)
def test_templates_are_kubernetes_objects(name: str) -> None:
    doc = skeleton(name)
    assert doc["apiVersion"] != "TEMPLATED" and doc["kind"] != "TEMPLATED", name
    assert "name" in doc["metadata"], name


def test_every_values_reference_exists() -> None:
    for path in TEMPLATES.iterdir():
        for reference in re.findall(r"\.Values\.([A-Za-z0-9_.]+)", path.read_text()):
            node: Any = VALUES
            for part in reference.split("."):
                assert isinstance(node, dict) and part in node, f"{path.name}: .Values.{reference}"
                node = node[part]


@pytest.mark.parametrize("name", WORKLOADS)
def test_workloads_run_netwave_subcommands_with_the_shared_settings(name: str) -> None:
    text = template(name)
    assert 'include "netwave.envFrom"' in text, f"{name} does not read the shared settings"
    assert 'include "netwave.image"' in text
    for container in containers(name):
        assert "command" not in container, "keep the image's `netwave` entrypoint"
        assert netwave_command_error(container["args"]) is None, (name, container["args"])
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            exec_command = (container.get(probe) or {}).get("exec", {}).get("command")
            if exec_command:
                assert exec_command[0] == "netwave", exec_command
                assert netwave_command_error(exec_command[1:]) is None, exec_command


def test_shared_settings_are_the_configmap_and_the_secret() -> None:
    helpers = template("_helpers.tpl")
    env_from = helpers.split('define "netwave.envFrom"')[1].split("{{- end }}")[0]
    assert "configMapRef" in env_from and "netwave.configName" in env_from
    assert "secretRef" in env_from and "netwave.secretName" in env_from
    assert skeleton("configmap.yaml")["kind"] == "ConfigMap"
    assert "range $name, $value := .Values.env" in template("configmap.yaml")
    assert skeleton("secret.yaml")["kind"] == "Secret"
    assert "range $name, $value := .Values.secretEnv" in template("secret.yaml")
    assert "if not .Values.existingSecret" in template("secret.yaml")


def test_values_set_every_required_setting() -> None:
    env: dict[str, str] = {k: str(v) for k, v in VALUES["env"].items()}
    secret: dict[str, str] = {k: str(v) for k, v in VALUES["secretEnv"].items()}
    assert not set(env) & set(secret), "a setting is both config and secret"
    assert not unknown_variables([*env, *secret])
    assert all(not CREDENTIAL_VARIABLE.match(k) for k in env), "credentials belong in secretEnv"
    missing = {v: why for v, why in required_variables().items() if v not in {**env, **secret}}
    assert not missing, f"values.yaml does not set {missing}"
    # Secrets have no usable default: the template demands them unless existingSecret is set;
    # the API's scrape token only when the ServiceMonitor, which sends it, is on.
    for key, value in secret.items():
        if not value:
            demanding = "servicemonitor.yaml" if key == "NETWAVE_METRICS_TOKEN" else "secret.yaml"
            assert f'required "secretEnv.{key}' in template(demanding), key
    for key in PRODUCTION_SAMPLES:
        assert key in secret, f"{key} is a secret; keep it out of the ConfigMap"
    filled = {**env, **{k: v or PRODUCTION_SAMPLES.get(k, "") for k, v in secret.items()}}
    settings = settings_from_env(filled)
    assert settings.env == "production"
    assert settings.secrets_provider == "env", "Kubernetes secret volumes fail the file check"


def test_migrations_job_is_a_pre_install_and_pre_upgrade_hook() -> None:
    job = skeleton("migrations-job.yaml")
    assert job["kind"] == "Job"
    hooks = set(job["metadata"]["annotations"]["helm.sh/hook"].split(","))
    assert {"pre-install", "pre-upgrade"} <= hooks
    assert [c["args"] for c in containers("migrations-job.yaml")] == [["db", "upgrade"]]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    job_weight = int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    for name in ("configmap.yaml", "secret.yaml"):
        annotations = skeleton(name)["metadata"]["annotations"]
        assert set(annotations["helm.sh/hook"].split(",")) >= hooks, name
        assert int(annotations["helm.sh/hook-weight"]) < job_weight, f"{name} after the job"


def test_api_deployment_service_and_ingress() -> None:
    (api,) = containers("api-deployment.yaml")
    assert api["args"] == ["api"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert "NETWAVE_API_PORT" in template("api-deployment.yaml")
    service = skeleton("api-service.yaml")
    assert service["kind"] == "Service" and service["spec"]["ports"][0]["targetPort"] == "http"
    ingress = template("ingress.yaml")
    assert "if .Values.api.ingress.enabled" in ingress and "kind: Ingress" in ingress
    assert "-api" in ingress.split("service:")[1], "the ingress routes to the API Service"


def test_worker_deployment_scales_with_resources() -> None:
    worker = skeleton("worker-deployment.yaml")
    assert "worker.replicaCount" in template("worker-deployment.yaml")
    assert VALUES["worker"]["replicaCount"] >= 2
    requests = VALUES["worker"]["resources"]["requests"]
    assert {"cpu", "memory"} <= set(requests)
    assert worker["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    (container,) = containers("worker-deployment.yaml")
    assert container["args"] == ["worker"]


def test_pods_run_as_non_root() -> None:
    pod = VALUES["podSecurityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] != 0
    assert VALUES["securityContext"]["allowPrivilegeEscalation"] is False
    for name in WORKLOADS:
        assert 'include "netwave.podSpecCommon"' in template(name), name
        assert ".Values.securityContext" in template(name), name


def test_external_endpoints_are_values() -> None:
    # Temporal and PostgreSQL are not part of the chart: no StatefulSet, endpoints from values.
    kinds = {skeleton(p.name)["kind"] for p in TEMPLATES.glob("*.yaml")}
    assert "StatefulSet" not in kinds
    assert ":" in VALUES["env"]["NETWAVE_TEMPORAL_ADDRESS"]
    assert Path(VALUES["env"]["NETWAVE_INVENTORIES_PATH"]).is_absolute()


# --- monitoring --------------------------------------------------------------------------------


def guard(name: str) -> str:
    """The condition of the `if` that wraps all of a template's objects ('' when none does)."""
    lines = [line for line in template(name).splitlines() if not line.startswith("#")]
    opening = re.fullmatch(r"\{\{-? if (.+?) -?\}\}", lines[0].strip())
    if opening is None or lines[-1].strip() != "{{- end }}":
        return ""
    return opening.group(1)


@pytest.mark.parametrize(
    ("name", "switch", "kind"),
    [
        ("servicemonitor.yaml", "metrics.serviceMonitor.enabled", "ServiceMonitor"),
        ("prometheusrule.yaml", "metrics.prometheusRule.enabled", "PrometheusRule"),
        ("worker-metrics-service.yaml", "metrics.enabled", "Service"),
    ],
)
def test_monitoring_objects_render_only_when_switched_on(name: str, switch: str, kind: str) -> None:
    assert guard(name) == f".Values.{switch}"
    assert skeleton(name)["kind"] == kind
    node: Any = VALUES
    for part in switch.split("."):
        node = node[part]
    assert node is (kind == "Service"), f"{switch}: operator objects are off by default"


def test_operator_objects_need_the_operator_api() -> None:
    for name in ("servicemonitor.yaml", "prometheusrule.yaml"):
        assert skeleton(name)["apiVersion"] == "monitoring.coreos.com/v1", name
    # Everything else renders on a cluster without the Prometheus Operator.
    for path in TEMPLATES.glob("*.yaml"):
        if path.name not in ("servicemonitor.yaml", "prometheusrule.yaml"):
            assert "monitoring.coreos.com" not in path.read_text(), path.name


def test_service_monitor_scrapes_the_api_and_every_worker_under_the_compose_job_names() -> None:
    monitor = skeleton("servicemonitor.yaml")["spec"]
    api, workers = skeleton("api-service.yaml"), skeleton("worker-metrics-service.yaml")
    job_label = monitor["jobLabel"]
    assert {api["metadata"]["labels"][job_label], workers["metadata"]["labels"][job_label]} == {
        job["job_name"] for job in compose_scrape_jobs()
    }
    assert {"key": job_label, "operator": "Exists"} in monitor["selector"]["matchExpressions"]
    ports = {endpoint["port"] for endpoint in monitor["endpoints"]}
    assert ports == {api["spec"]["ports"][0]["name"], workers["spec"]["ports"][0]["name"]}
    assert {endpoint["path"] for endpoint in monitor["endpoints"]} == {"/metrics"}


def test_workers_serve_metrics_on_the_port_the_service_names() -> None:
    helpers = template("_helpers.tpl")
    port = helpers.split('define "netwave.workerMetricsPort"')[1].split('{{- define "')[0]
    assert "name: NETWAVE_METRICS_PORT" in port and "value: {{ .Values.metrics.port" in port
    assert "name: metrics" in port, "the Service's targetPort names the container port"
    label = helpers.split('define "netwave.workerMetricsLabel"')[1].split("{{- end }}")[0]
    service = skeleton("worker-metrics-service.yaml")
    assert "netwave.io/metrics: worker" in label
    assert service["spec"]["selector"]["netwave.io/metrics"] == "worker"
    assert service["spec"]["clusterIP"] == "None", "headless: every worker pod is a target"
    assert service["spec"]["ports"][0]["targetPort"] == "metrics"
    for name in ("worker-deployment.yaml", "device-worker-deployment.yaml"):
        assert 'include "netwave.workerMetricsPort"' in template(name), name
        assert 'include "netwave.workerMetricsLabel"' in template(name), name
    assert VALUES["env"]["NETWAVE_METRICS_HOST"] == "0.0.0.0"
    assert "NETWAVE_METRICS_PORT" not in VALUES["env"], "the API would read it too"


def test_prometheus_rule_ships_the_compose_alert_rules() -> None:
    assert '.Files.Get "files/alerts.yml"' in template("prometheusrule.yaml")
    shipped = CHART / "files" / "alerts.yml"
    assert shipped.resolve() == (CHART.parents[1] / "prometheus" / "alerts.yml").resolve()
    assert "groups" in yaml.safe_load(shipped.read_text())


def test_the_service_monitor_sends_the_api_its_scrape_token_and_the_workers_none() -> None:
    monitor = template("servicemonitor.yaml")
    api, workers = monitor.split("- port: metrics")
    assert "key: NETWAVE_METRICS_TOKEN" in api and "type: Bearer" in api
    assert "authorization" not in workers
