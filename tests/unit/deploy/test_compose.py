"""deploy/compose.yaml: parsed, every required setting set, commands are real subcommands."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.unit.deploy.contract import (
    DEPLOY,
    PRODUCTION_SAMPLES,
    as_argv,
    console_script,
    interpolate,
    netwave_command_error,
    required_variables,
    settings_from_env,
    unknown_variables,
)

COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]

# Sample values for the variables compose must refuse to start without (`${VAR:?...}`).
COMPOSE_SAMPLES = {
    "NETWAVE_DB_PASSWORD": "db-secret",
    "TEMPORAL_DB_PASSWORD": "temporal-secret",
    "NETWAVE_TOKEN_PEPPER": PRODUCTION_SAMPLES["NETWAVE_TOKEN_PEPPER"],
}


def is_netwave(service: dict[str, Any]) -> bool:
    build = service.get("build") or {}
    return isinstance(build, dict) and build.get("dockerfile") == "deploy/Dockerfile"


NETWAVE = {name: s for name, s in SERVICES.items() if is_netwave(s)}


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "use the mapping form of environment"
    return {str(k): interpolate(str(v), COMPOSE_SAMPLES) for k, v in env.items()}


def production_services() -> dict[str, dict[str, str]]:
    return {
        name: environment(s)
        for name, s in NETWAVE.items()
        if environment(s).get("NETWAVE_ENV") == "production"
    }


def test_the_stack_is_complete() -> None:
    images = {name: str(s.get("image", "")) for name, s in SERVICES.items()}
    assert images["postgres"].startswith("postgres:")
    assert images["temporal-postgres"].startswith("postgres:")
    assert images["temporal"].startswith("temporalio/auto-setup:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    assert {"migrate", "api", "worker", "lab", "lab-worker"} <= set(NETWAVE)
    assert int(interpolate(str(SERVICES["worker"]["deploy"]["replicas"]), {})) >= 2
    for name in ("lab", "lab-worker"):
        assert SERVICES[name]["profiles"] == ["lab"], name
    for name in ("api", "worker", "migrate", "postgres", "temporal"):
        assert "profiles" not in SERVICES[name], f"{name} must start by default"


def test_netwave_services_share_one_image_built_from_the_dockerfile() -> None:
    assert (DEPLOY / "Dockerfile").exists()
    assert len({s["image"] for s in NETWAVE.values()}) == 1
    for name, service in NETWAVE.items():
        assert (DEPLOY / service["build"]["context"]).resolve() == DEPLOY.parent, name
        assert "entrypoint" not in service, f"{name}: keep the image's `netwave` entrypoint"


@pytest.mark.parametrize("name", sorted(NETWAVE))
def test_commands_are_netwave_subcommands(name: str) -> None:
    service = NETWAVE[name]
    argv = as_argv(service["command"])
    assert netwave_command_error(argv) is None, (name, argv)
    test = (service.get("healthcheck") or {}).get("test")
    if test and test[:2] == ["CMD", console_script()[0]]:
        assert netwave_command_error(test[2:]) is None, (name, test)


def test_api_and_workers_are_production_and_migrations_run_first() -> None:
    assert {"api", "worker", "migrate", "lab-worker"} <= set(production_services())
    assert as_argv(SERVICES["migrate"]["command"]) == ["db", "upgrade"]
    for name in ("api", "worker", "lab-worker"):
        wait = SERVICES[name]["depends_on"]["migrate"]["condition"]
        assert wait == "service_completed_successfully", name


@pytest.mark.parametrize("name", sorted(production_services()))
def test_every_required_setting_is_set(name: str) -> None:
    env = production_services()[name]
    missing = {v: why for v, why in required_variables().items() if v not in env}
    assert not missing, f"{name} does not set {missing}"
    if env["NETWAVE_SECRETS_PROVIDER"] == "file":
        assert "NETWAVE_SECRETS_FILE" in env, name
    # The values validate the way `netwave` itself would read them.
    settings = settings_from_env(env)
    assert settings.env == "production" and not settings.database_url.startswith("sqlite")


@pytest.mark.parametrize("name", sorted(NETWAVE))
def test_no_unknown_netwave_variables(name: str) -> None:
    assert not unknown_variables(list(environment(NETWAVE[name]))), name


def test_secrets_come_from_the_environment_not_the_file() -> None:
    raw = (DEPLOY / "compose.yaml").read_text()
    for name in ("NETWAVE_TOKEN_PEPPER", "NETWAVE_DB_PASSWORD", "TEMPORAL_DB_PASSWORD"):
        assert f"${{{name}:?" in raw, f"{name} must be required from deploy/.env"
    for name, service in NETWAVE.items():
        env = service.get("environment") or {}
        pepper = str(env.get("NETWAVE_TOKEN_PEPPER", "${"))
        assert pepper.startswith("${"), f"{name}: literal token pepper"
    example = (DEPLOY / "env.example").read_text()
    for name in COMPOSE_SAMPLES:
        assert f"{name}=" in example, f"env.example does not mention {name}"


def test_api_and_workers_agree_on_temporal_and_queues() -> None:
    shared = [
        "NETWAVE_TASK_QUEUE",
        "NETWAVE_DEVICE_TASK_QUEUE",
        "NETWAVE_TEMPORAL_ADDRESS",
        "NETWAVE_TEMPORAL_NAMESPACE",
        "NETWAVE_DATABASE_URL",
    ]
    envs = production_services()
    for variable in shared:
        values = {name: env[variable] for name, env in envs.items()}
        assert len(set(values.values())) == 1, (variable, values)
    api = envs["api"]
    host, _, port = api["NETWAVE_TEMPORAL_ADDRESS"].partition(":")
    assert host in SERVICES and port == "7233"
    assert urlsplit(api["NETWAVE_DATABASE_URL"]).hostname in SERVICES
    namespace = SERVICES["temporal"]["environment"]["DEFAULT_NAMESPACE"]
    assert namespace == api["NETWAVE_TEMPORAL_NAMESPACE"]


def test_api_port_and_health_check() -> None:
    api = SERVICES["api"]
    port = environment(api)["NETWAVE_API_PORT"]
    published = [interpolate(str(p), {}) for p in api["ports"]]
    assert any(p.endswith(f":{port}") for p in published), published
    assert api["healthcheck"]["test"] == ["CMD", "netwave", "health", "--api"]


def test_lab_worker_reaches_the_lab_devices_on_loopback() -> None:
    # Lab devices listen on 127.0.0.1 (inventories say so): share the lab's network namespace
    # and its var volume, where the lab writes the device credentials the file provider reads.
    lab, lab_worker = SERVICES["lab"], SERVICES["lab-worker"]
    assert lab_worker["network_mode"] == "service:lab"
    assert as_argv(lab["command"]) == ["lab"] and as_argv(lab_worker["command"]) == ["worker"]
    lab_env, worker_env = environment(lab), environment(lab_worker)
    assert lab_env["NETWAVE_SECRETS_FILE"] == worker_env["NETWAVE_SECRETS_FILE"]
    var_volume = [v for v in lab["volumes"] if str(v).endswith(lab_env["NETWAVE_VAR_DIR"])]
    assert var_volume and var_volume[0] in lab_worker["volumes"]
    assert "--scale worker=0" in (DEPLOY / "README.md").read_text()


def test_temporal_dynamic_config_is_mounted_and_parses() -> None:
    temporal = SERVICES["temporal"]
    path = temporal["environment"]["DYNAMIC_CONFIG_FILE_PATH"]
    file_name = path.rsplit("/", 1)[1]
    config = yaml.safe_load((DEPLOY / "temporal" / "dynamicconfig" / file_name).read_text())
    assert config["limit.historySize.error"][0]["value"] == 50 * 1024 * 1024
    assert config["limit.blobSize.error"][0]["value"] == 2 * 1024 * 1024
    assert any(str(v).startswith("./temporal/dynamicconfig:") for v in temporal["volumes"])
