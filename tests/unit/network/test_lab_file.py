"""lab.yaml: simulator-only settings kept apart from hosts.yaml, read into each device's data.lab;
errors name the file, the line and the device."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.errors import InventoryError
from services.network.inventory import load_all, load_tenant
from tests.utils.lab import write_remapped_inventories

REPO_INVENTORIES = Path(__file__).resolve().parents[3] / "inventories"
HOSTS = (
    "r1:\n  hostname: 127.0.0.1\n  port: 2201\n  platform: cisco_ios\n  data: {site: a}\n"
    "r2:\n  hostname: 127.0.0.1\n  port: 2202\n  platform: arista_eos\n"
)


def write_tenant(root: Path, lab: str | None, hosts: str = HOSTS) -> Path:
    folder = root / "t1"
    folder.mkdir(parents=True)
    (folder / "hosts.yaml").write_text(hosts)
    (folder / "defaults.yaml").write_text("data: {credential: c}\n")
    if lab is not None:
        (folder / "lab.yaml").write_text(lab)
    return folder


def test_lab_yaml_is_merged_into_the_device_data(tmp_path: Path) -> None:
    write_tenant(tmp_path, "# lab only\nr1:\n  drift: {add: [x]}\n  bgp_prefixes: 42\n")
    inventory = load_tenant(tmp_path, "t1")
    r1, r2 = inventory.device("r1"), inventory.device("r2")
    assert r1.data == {
        "credential": "c",
        "site": "a",
        "lab": {"drift": {"add": ["x"]}, "bgp_prefixes": 42},
    }
    assert "lab" not in r2.data
    assert inventory.lab == {"r1": {"drift": {"add": ["x"]}, "bgp_prefixes": 42}}


def test_data_lab_in_hosts_yaml_still_works(tmp_path: Path) -> None:
    hosts = HOSTS.replace("data: {site: a}", "data: {site: a, lab: {privilege: 1}}")
    write_tenant(tmp_path, "r2:\n  privilege: 1\n", hosts=hosts)
    inventory = load_tenant(tmp_path, "t1")
    assert (
        inventory.device("r1").data["lab"] == inventory.device("r2").data["lab"] == {"privilege": 1}
    )


@pytest.mark.parametrize("lab", [None, "", "# nothing yet\n"])
def test_a_missing_or_empty_lab_yaml_gives_no_lab_settings(tmp_path: Path, lab: str | None) -> None:
    inventory = load_tenant(write_tenant(tmp_path, lab).parent, "t1")
    assert inventory.lab == {}
    assert all("lab" not in d.data for d in inventory.devices.values())


def test_an_unknown_device_names_the_file_line_and_device(tmp_path: Path) -> None:
    write_tenant(tmp_path, "r1:\n  bgp_prefixes: 5\nr9:\n  bgp_prefixes: 5\n")
    with pytest.raises(InventoryError, match=r"t1/lab\.yaml:3: device 'r9': not in hosts\.yaml"):
        load_tenant(tmp_path, "t1")


@pytest.mark.parametrize(
    ("lab", "match"),
    [
        ("r1:\n  drift: {}\nr2: [privilege, 1]\n", r"lab\.yaml:3: device 'r2': expected a mapping"),
        ("r1: 5\n", r"lab\.yaml:1: device 'r1': expected a mapping .*got int"),
        ("- r1\n", r"lab\.yaml: expected a mapping of device names, got list"),
        ("r1:\n  drift: [\n", r"lab\.yaml:\d+: YAML syntax error"),
    ],
)
def test_a_malformed_lab_yaml_names_the_file_and_line(tmp_path: Path, lab: str, match: str) -> None:
    write_tenant(tmp_path, lab)
    with pytest.raises(InventoryError, match=match):
        load_tenant(tmp_path, "t1")


def test_lab_settings_in_both_places_are_refused_naming_both(tmp_path: Path) -> None:
    hosts = HOSTS.replace("data: {site: a}", "data: {site: a, lab: {privilege: 1}}")
    write_tenant(tmp_path, "r2:\n  privilege: 1\nr1:\n  privilege: 1\n", hosts=hosts)
    with pytest.raises(InventoryError) as err:
        load_tenant(tmp_path, "t1")
    message = str(err.value)
    assert "t1/hosts.yaml:1: host 'r1': lab settings in both data.lab here and " in message
    assert "t1/lab.yaml:3; keep them in lab.yaml only" in message


def test_an_edited_lab_yaml_is_read_again(tmp_path: Path) -> None:
    folder = write_tenant(tmp_path, "r1:\n  bgp_prefixes: 5\n")
    assert load_tenant(tmp_path, "t1").device("r1").data["lab"] == {"bgp_prefixes": 5}
    (folder / "lab.yaml").write_text("r1:\n  bgp_prefixes: 500\n")  # another size: a new stamp
    assert load_tenant(tmp_path, "t1").device("r1").data["lab"] == {"bgp_prefixes": 500}


def test_shipped_hosts_yaml_hold_no_lab_settings() -> None:
    tenants = load_all(REPO_INVENTORIES)
    for inventory in tenants.values():
        assert "lab:" not in (inventory.path / "hosts.yaml").read_text(), inventory.tenant
        assert inventory.lab, f"{inventory.tenant}: the sample lab seeds drift from lab.yaml"
        for name, settings in inventory.lab.items():
            assert inventory.device(name).data["lab"] == settings


def test_remapped_inventories_keep_the_lab_settings(tmp_path: Path) -> None:
    copy = write_remapped_inventories(REPO_INVENTORIES, tmp_path / "inv", {"acme-hq-r1": 30001})
    acme = load_tenant(copy, "acme")
    assert acme.device("acme-hq-r1").port == 30001
    assert acme.lab == load_tenant(REPO_INVENTORIES, "acme").lab
