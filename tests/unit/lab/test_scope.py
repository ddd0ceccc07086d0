"""The lab stands in only for the devices it can simulate on loopback; nothing invents a
credential for a real device; a missing credential is named before anything starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from services.bootstrap import check_credentials, prepare_local
from services.core.errors import CredentialError
from services.core.settings import Settings
from services.devstack import lab_device_ports
from services.lab.scope import lab_credentials, lab_serves, left_alone, served
from services.network.inventory import Device, load_all
from tests.conftest import REPO


def _device(name: str, hostname: str, platform: str, credential: str = "c") -> Device:
    return Device(
        name=name,
        tenant="t",
        hostname=hostname,
        port=22,
        platform=platform,
        credential=credential,
    )


@pytest.mark.parametrize(
    ("hostname", "platform", "serves"),
    [
        ("127.0.0.1", "cisco_ios", True),
        ("127.5.0.9", "juniper_junos", True),
        ("localhost", "arista_eos", True),
        ("10.255.1.2", "cisco_ios", False),  # a real router
        ("127.0.0.1", "frr", False),  # no lab CLI: a real FRR on this host
        ("rt1.example.net", "cisco_ios", False),
    ],
)
def test_the_lab_serves_simulated_platforms_on_loopback(
    hostname: str, platform: str, serves: bool
) -> None:
    assert lab_serves(_device("r", hostname, platform)) is serves


def test_a_credential_a_real_device_uses_is_never_invented() -> None:
    devices = [
        _device("lab1", "127.0.0.1", "cisco_ios", "lab-only"),
        _device("lab2", "127.0.0.1", "cisco_ios", "shared"),
        _device("real", "192.0.2.10", "cisco_ios", "shared"),
        _device("frr", "10.0.0.1", "frr", "real-only"),
    ]
    assert lab_credentials(devices) == {"lab-only"}


def _with_real_routers(tmp_path: Path) -> Path:
    """The shipped inventories plus a tenant with one real FRR router."""
    inventories = tmp_path / "inventories"
    shutil.copytree(REPO / "inventories", inventories)
    tenant = inventories / "umbrella"
    tenant.mkdir()
    hosts = {
        "umbrella-rt1": {
            "hostname": "10.255.1.2",
            "port": 22,
            "platform": "frr",
            "data": {"credential": "umbrella-frr", "site": "hq", "role": "edge"},
        }
    }
    (tenant / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    return inventories


def test_real_devices_are_left_alone_and_their_credentials_named(
    tmp_path: Path, settings: Settings
) -> None:
    inventories = _with_real_routers(tmp_path)
    local = settings.model_copy(update={"inventories_path": inventories})
    prepare_local(local, lab=True)
    written = yaml.safe_load(local.secrets_file.read_text())["credentials"]
    assert "umbrella-frr" not in written and "lab-acme" in written

    tenants = load_all(inventories)
    assert [d.name for d in left_alone(tenants)] == ["umbrella-rt1"]
    assert "umbrella" not in served(tenants) and "acme" in served(tenants)
    assert "lab device umbrella/umbrella-rt1" not in lab_device_ports(local)
    assert lab_device_ports(local)["lab device acme/acme-hq-r1"] == ("127.0.0.1", 10001)

    with pytest.raises(CredentialError, match=r"'umbrella-frr' \(used by umbrella/umbrella-rt1\)"):
        check_credentials(local)


def test_dev_names_a_missing_credential_before_starting_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from services.cli import app
    from services.core.settings import get_settings

    monkeypatch.setenv("NETWAVE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("NETWAVE_INVENTORIES_PATH", str(_with_real_routers(tmp_path)))
    monkeypatch.setenv("NETWAVE_TEMPLATES_PATH", str(REPO / "templates"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["dev", "--no-lab"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "no credential 'umbrella-frr' (used by umbrella/umbrella-rt1)" in said
    assert not (tmp_path / "var" / "logs").exists()  # no child was started
