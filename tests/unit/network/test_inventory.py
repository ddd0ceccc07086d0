from pathlib import Path

import pytest

from services.core.errors import InventoryError
from services.lab.platforms import CLIS
from services.network.inventory import list_tenants, load_all, load_tenant

REPO_INVENTORIES = Path(__file__).resolve().parents[3] / "inventories"


def write_tenant(root: Path, hosts: str, groups: str = "", defaults: str = "") -> Path:
    folder = root / "t1"
    folder.mkdir(parents=True)
    (folder / "hosts.yaml").write_text(hosts)
    if groups:
        (folder / "groups.yaml").write_text(groups)
    if defaults:
        (folder / "defaults.yaml").write_text(defaults)
    return folder


def test_shipped_inventories_load_with_every_lab_platform() -> None:
    tenants = load_all(REPO_INVENTORIES)
    assert {"acme", "globex", "initech"} <= set(tenants)
    platforms = {d.platform for inv in tenants.values() for d in inv.devices.values()}
    assert platforms == set(CLIS)


def test_host_over_group_over_defaults(tmp_path: Path) -> None:
    write_tenant(
        tmp_path,
        "r1:\n  hostname: 127.0.0.1\n  port: 2201\n  groups: [edge]\n  data: {site: b}\n",
        "edge:\n  platform: arista_eos\n  data: {role: edge, site: a}\n",
        "data: {credential: lab, site: default, ntp: x}\n",
    )
    device = load_tenant(tmp_path, "t1").device("r1")
    assert device.platform == "arista_eos"
    assert (device.site, device.role, device.credential) == ("b", "edge", "lab")
    assert device.data["ntp"] == "x"


def test_missing_platform_names_file_host_and_field(tmp_path: Path) -> None:
    write_tenant(
        tmp_path, "r1:\n  hostname: 127.0.0.1\n  port: 22\n", defaults="data: {credential: c}\n"
    )
    with pytest.raises(InventoryError, match=r"hosts.yaml:1: host 'r1': platform is missing"):
        load_tenant(tmp_path, "t1")


def test_unknown_credential_is_rejected(tmp_path: Path) -> None:
    write_tenant(
        tmp_path,
        "ok:\n  hostname: h\n  port: 22\n  platform: cisco_ios\n"
        "r2:\n  hostname: h\n  port: 23\n  platform: cisco_ios\n  data: {credential: nope}\n",
        defaults="data: {credential: known}\n",
    )
    with pytest.raises(InventoryError, match=r"hosts.yaml:5: host 'r2': unknown credential 'nope'"):
        load_tenant(tmp_path, "t1", known_credentials={"known"})


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write_tenant(tmp_path, "r1:\n  hostname: h\n  port: [22\n")
    with pytest.raises(InventoryError, match=r"hosts.yaml:\d+: YAML syntax error"):
        load_tenant(tmp_path, "t1")


def test_password_in_inventory_is_refused(tmp_path: Path) -> None:
    write_tenant(
        tmp_path,
        "r1:\n  hostname: h\n  port: 22\n  platform: cisco_ios\n  data: {password: x}\n",
        defaults="data: {credential: c}\n",
    )
    with pytest.raises(InventoryError, match="looks like a secret"):
        load_tenant(tmp_path, "t1")


def test_unknown_platform_and_bad_port(tmp_path: Path) -> None:
    write_tenant(tmp_path, "r1:\n  hostname: h\n  port: 70000\n  platform: cisco_xyz\n")
    with pytest.raises(InventoryError, match=r"host 'r1': port: .*65535.*platform: .*unknown"):
        load_tenant(tmp_path, "t1")


def test_unknown_group(tmp_path: Path) -> None:
    write_tenant(tmp_path, "r1:\n  hostname: h\n  port: 22\n  platform: cisco_ios\n  groups: [x]\n")
    with pytest.raises(InventoryError, match="unknown group 'x'"):
        load_tenant(tmp_path, "t1")


def test_duplicate_port_across_tenants(tmp_path: Path) -> None:
    for tenant in ("a", "b"):
        (tmp_path / tenant).mkdir()
        (tmp_path / tenant / "hosts.yaml").write_text(
            f"{tenant}-r1:\n  hostname: 127.0.0.1\n  port: 2222\n  platform: cisco_ios\n"
            "  data: {credential: c}\n"
        )
    assert list_tenants(tmp_path) == ["a", "b"]
    with pytest.raises(InventoryError, match="already used by 'a/a-r1'"):
        load_all(tmp_path)


def test_username_is_honoured_host_over_group_over_defaults(tmp_path: Path) -> None:
    write_tenant(
        tmp_path,
        "r1:\n  hostname: h\n  port: 22\n  groups: [edge]\n  username: alice\n"
        "r2:\n  hostname: h\n  port: 23\n  groups: [edge]\n"
        "r3:\n  hostname: h\n  port: 24\n",
        "edge:\n  username: noc\n",
        "platform: cisco_ios\nusername: netops\ndata: {credential: lab}\n",
    )
    devices = load_tenant(tmp_path, "t1").devices
    assert {n: d.username for n, d in devices.items()} == {
        "r1": "alice",
        "r2": "noc",
        "r3": "netops",
    }
    assert devices["r1"].login_name("from-credential") == "alice"


def test_connection_options_are_refused_not_ignored(tmp_path: Path) -> None:
    write_tenant(
        tmp_path,
        "r1:\n  hostname: h\n  port: 22\n  platform: cisco_ios\n  data: {credential: c}\n"
        "  connection_options: {netmiko: {extras: {fast_cli: true}}}\n",
    )
    with pytest.raises(
        InventoryError,
        match=r"hosts.yaml:1: host 'r1': connection_options \(netmiko\) are not supported",
    ):
        load_tenant(tmp_path, "t1")


def test_a_jump_host_is_validated_and_inherited(tmp_path: Path) -> None:
    write_tenant(
        tmp_path,
        "r1:\n  hostname: 10.0.0.1\n  port: 22\n  groups: [site-b]\n"
        "r2:\n  hostname: 10.0.0.2\n  port: 22\n",
        "site-b:\n  data: {jump_host: {hostname: bastion-b, credential: jump-b}}\n",
        "platform: cisco_ios\ndata: {credential: c, jump_host: {hostname: bastion, port: 2222,"
        " credential: jump}}\n",
    )
    devices = load_tenant(tmp_path, "t1").devices
    assert devices["r1"].jump_host is not None and devices["r1"].jump_host.hostname == "bastion-b"
    assert devices["r1"].jump_host.port == 22
    assert devices["r2"].jump_host is not None and devices["r2"].jump_host.port == 2222


def test_a_bad_jump_host_names_the_host_and_field(tmp_path: Path) -> None:
    write_tenant(
        tmp_path,
        "r1:\n  hostname: h\n  port: 22\n  platform: cisco_ios\n"
        "  data: {credential: c, jump_host: {hostname: b, port: 99999}}\n",
    )
    with pytest.raises(InventoryError, match=r"host 'r1': data.jump_host: .*(port|credential)"):
        load_tenant(tmp_path, "t1")
