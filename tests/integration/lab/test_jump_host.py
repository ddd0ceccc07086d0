"""Devices behind a jump host (`data.jump_host`): netwave logs in to the bastion with its own
credential and tunnels to the device; a refused bastion login is an auth failure; a missing
bastion credential is named with the device."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from services.core.errors import CredentialError
from services.core.secrets import FileSecretsProvider
from services.network.collect import Reachability, collect
from services.network.inventory import load_tenant
from services.network.jump import resolve_login
from services.network.push import fetch_running, push_config
from services.network.push_driver import PushError
from tests.utils.bastion import bastion
from tests.utils.lab_fixtures import start_lab


def _setup(tmp_path: Path, jump_port: int, jump_password: str) -> tuple[Path, FileSecretsProvider]:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(
        yaml.safe_dump(
            {
                "credentials": {
                    "behind": {"username": "netwave", "password": "device-pass"},
                    "bastion": {"username": "jump", "password": jump_password},
                }
            }
        )
    )
    os.chmod(secrets, 0o600)
    tenant = tmp_path / "inv" / "behind"
    tenant.mkdir(parents=True)
    hosts = {
        "bh-ios": {"hostname": "127.0.0.1", "port": 1, "platform": "cisco_ios"},
        "bh-eos": {"hostname": "127.0.0.1", "port": 2, "platform": "arista_eos"},
    }
    (tenant / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    jump = {"hostname": "127.0.0.1", "port": jump_port, "credential": "bastion"}
    defaults = {"data": {"credential": "behind", "jump_host": jump}}
    (tenant / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    return tmp_path / "inv", FileSecretsProvider(secrets)


def test_devices_behind_a_jump_host_are_reached_through_it(tmp_path: Path) -> None:
    with bastion() as jump:
        inventories, provider = _setup(tmp_path, jump.port, jump.password)
        lab = start_lab(inventories, tmp_path / "lab", provider)
        try:
            assert lab.inventories_path is not None
            inventory = lab.tenant("behind", jump_host=jump.host_key)
            ios = inventory.device("bh-ios")
            credential = resolve_login(provider, ios)
            assert credential.jump is not None and credential.jump.username == "jump"
            assert "hostname" in fetch_running(ios, credential, timeout=10)
            assert jump.tunnels == [("127.0.0.1", ios.port)]
            # The fleet path (Nornir, as backups and audits run) goes through it too.
            found = collect(inventory.devices.values(), provider, workers=2, timeout=10)
            assert {n: c.status for n, c in found.items()} == dict.fromkeys(
                ("bh-ios", "bh-eos"), Reachability.ok
            )
            assert len(jump.tunnels) == 3 and all(ok for _, ok in jump.logins)
        finally:
            lab.stop()


def test_a_refused_bastion_login_is_an_auth_failure(tmp_path: Path) -> None:
    with bastion() as jump:
        inventories, provider = _setup(tmp_path, jump.port, "not-the-password")
        lab = start_lab(inventories, tmp_path / "lab", provider)
        try:
            assert lab.inventories_path is not None
            device = lab.tenant("behind", jump_host=jump.host_key).device("bh-ios")
            result = push_config(
                device, resolve_login(provider, device), ["ntp server 192.0.2.1"], timeout=10
            )
            assert not result.ok and result.error_kind is PushError.auth_failed, result
            assert jump.tunnels == [] and lab.record("bh-ios").logins == []
        finally:
            lab.stop()


@pytest.mark.parametrize("recorded", ["none", "another key"])
def test_a_bastion_whose_key_is_not_the_recorded_one_gets_no_login(
    tmp_path: Path, recorded: str
) -> None:
    """Not recorded, or recorded with another key: refused before the login is sent, and the
    device behind it is never reached."""
    with bastion() as jump, bastion() as other:
        inventories, provider = _setup(tmp_path, jump.port, jump.password)
        lab = start_lab(inventories, tmp_path / "lab", provider)
        try:
            key = None if recorded == "none" else other.host_key
            inventory = lab.tenant("behind", jump_host=key)
            found = collect(inventory.devices.values(), provider, workers=2, timeout=10)
            fault = (
                Reachability.host_key_not_trusted if key is None else Reachability.host_key_mismatch
            )
            assert {c.status for c in found.values()} == {fault}, found
            assert "jump host 127.0.0.1 of bh-ios" in (found["bh-ios"].error or "")
            result = push_config(
                inventory.device("bh-ios"),
                resolve_login(provider, inventory.device("bh-ios")),
                ["ntp server 192.0.2.1"],
                timeout=10,
            )
            assert not result.ok and result.error_kind == fault.value, result
            assert jump.auth_requests == [] and jump.logins == [] and jump.tunnels == []
            assert lab.record("bh-ios").logins == []
        finally:
            lab.stop()


def test_a_missing_bastion_credential_is_named(tmp_path: Path) -> None:
    inventories, provider = _setup(tmp_path, 2222, "x")
    hosts = load_tenant(inventories, "behind")
    broken = hosts.device("bh-ios").model_copy(
        update={
            "jump_host": hosts.device("bh-ios").jump_host.model_copy(update={"credential": "nope"})
        }  # type: ignore[union-attr]
    )
    with pytest.raises(
        CredentialError, match=r"behind/bh-ios is reached through jump host 127.0.0.1: .*'nope'"
    ):
        resolve_login(provider, broken)
