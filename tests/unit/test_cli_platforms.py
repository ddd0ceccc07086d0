"""`netwave platforms`: the capabilities table, as text and as JSON."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from services.cli import app
from services.network.platforms import PLATFORMS

runner = CliRunner()


def test_platforms_lists_capabilities_as_json() -> None:
    result = runner.invoke(app, ["platforms", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["platform"]: row for row in json.loads(result.output)}
    assert set(rows) == set(PLATFORMS)
    assert {"arista_eos", "cisco_ios", "fortinet", "frr", "juniper_junos"} <= set(rows)
    assert rows["frr"]["change_kinds"] == ["wan_bandwidth"]
    assert rows["cisco_ios"]["safety_net"] == "configure replace of a flash checkpoint"


def test_platforms_table_names_every_platform() -> None:
    result = runner.invoke(app, ["platforms"])
    assert result.exit_code == 0, result.output
    for name in PLATFORMS:
        assert name in result.output
