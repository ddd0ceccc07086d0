"""A host's `username` in the inventory is the login netwave uses (the credential's password)."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.core.secrets import FileSecretsProvider
from services.network.push import fetch_running


def test_the_inventory_username_is_the_login(
    lab_factory,
    tmp_path: Path,
    lab_provider: FileSecretsProvider,  # type: ignore[no-untyped-def]
) -> None:
    folder = tmp_path / "inv" / "userlogin"
    folder.mkdir(parents=True)
    hosts = {
        "ul-r1": {
            "hostname": "127.0.0.1",
            "port": 1,
            "platform": "cisco_ios",
            "username": "alice",
            "data": {"credential": "lab-generated"},
        }
    }
    (folder / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    lab = lab_factory(inventories=tmp_path / "inv")
    assert lab.inventories_path is not None
    device = lab.tenant("userlogin").device("ul-r1")
    credential = lab_provider.resolve(device.credential)
    assert device.username == "alice" != credential.username
    assert "hostname" in fetch_running(device, credential, timeout=10)
    assert [(r.username, r.success) for r in lab.record("ul-r1").logins] == [("alice", True)]
