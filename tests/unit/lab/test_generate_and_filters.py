from __future__ import annotations

from collections import Counter
from pathlib import Path

from services.lab.generate import GENERATED_CREDENTIAL, write_generated_inventory
from services.lab.platforms import filters
from services.lab.records import ConfigLineRecord, ConfigSessionRecord, DeviceRecord
from services.network.inventory import load_all


def test_generated_inventory_loads(tmp_path: Path) -> None:
    tenants = write_generated_inventory(tmp_path, 12, 30000, tenants=3)
    loaded = load_all(tmp_path)
    assert sorted(loaded) == tenants == ["gen-01", "gen-02", "gen-03"]
    devices = [d for t in loaded.values() for d in t.devices.values()]
    assert sorted(d.port for d in devices) == list(range(30000, 30012))
    assert {d.credential for d in devices} == {GENERATED_CREDENTIAL}
    assert set(Counter(d.platform for d in devices)) == {"cisco_ios", "arista_eos", "juniper_junos"}


def test_a_generated_fleet_is_audited_by_the_default_rules_it_is_given(tmp_path: Path) -> None:
    rules = tmp_path / "shipped" / "compliance.yaml"
    rules.parent.mkdir()
    rules.write_text("features: {}\n")
    out = tmp_path / "inv"
    write_generated_inventory(out, 2, 30000, tenants=2, default_rules=rules)
    assert (out / "compliance.yaml").read_text() == "features: {}\n"
    write_generated_inventory(tmp_path / "plain", 2, 30000, tenants=2)
    assert not (tmp_path / "plain" / "compliance.yaml").exists()


def test_pipe_filters() -> None:
    text = "interface A\n ip address 1\n!\ninterface B\n shutdown\n!\nhostname r1\n"
    assert filters.apply(text, "include hostname") == "hostname r1\n"
    assert filters.apply(text, "i interface") == "interface A\ninterface B\n"
    assert filters.apply(text, "section interface B") == "interface B\n shutdown\n"
    assert filters.apply(text, "begin hostname") == "hostname r1\n"
    assert filters.apply(text, "frob x") is None


def test_pushed_lines_skip_navigation() -> None:
    session = ConfigSessionRecord(
        lines=[
            ConfigLineRecord(text="interface Gi0/0", accepted=True),
            ConfigLineRecord(text="exit", accepted=True),
            ConfigLineRecord(text="bad", accepted=False, error="x"),
            ConfigLineRecord(text="end", accepted=True),
        ]
    )
    record = DeviceRecord(name="r1", config_sessions=[session, session])
    assert record.pushed_lines == ["interface Gi0/0", "interface Gi0/0"]
    assert record.pushed_count("interface Gi0/0") == 2
    assert record.rejected_lines == ["bad", "bad"]
