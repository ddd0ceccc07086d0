"""tenant.yaml: the shipped contracts load; errors name the file, line and field."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from services.changes.contract import load_contract, parse_contract
from services.core.errors import ContractError
from tests.unit.changes.conftest import INVENTORIES

GOOD = """\
contract:
  default_max_wan_mbps: 100
  sites:
    hq: {max_wan_mbps: 1000}
  qos_profiles: [standard, premium]
approval:
  auto_approve_within_contract: true
  expire_after_hours: 24
windows:
  - cron: "0 22 * * mon-fri"
    duration_minutes: 240
    timezone: Europe/Paris
blackout_dates:
  - {date: 2026-12-24, reason: holiday}
  - 2026-12-31
webhook:
  url: https://hooks.example.net/netwave
  secret: webhook-acme
"""
PATH = Path("inventories/acme/tenant.yaml")


def parse(text: str) -> object:
    return parse_contract(
        text, PATH, "acme", sites={"hq", "branch1"}, profiles={"standard", "premium"}
    )


def test_shipped_contracts_load() -> None:
    acme = load_contract(INVENTORIES, "acme")
    assert acme.tenant == "acme"
    assert acme.max_wan_mbps("hq") == 1000
    assert acme.max_wan_mbps("branch3") == 200  # the default
    assert dt.date(2026, 11, 27) in acme.blackouts
    assert not load_contract(INVENTORIES, "globex").approval.auto_approve_within_contract
    assert load_contract(INVENTORIES, "initech").webhook.url is None


def test_good_contract() -> None:
    contract = parse(GOOD)
    assert [b.reason for b in contract.blackout_dates] == ["holiday", ""]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  default_max_wan_mbps: 100",
            "  default_max_wan_mbps: 0",
            r":2: contract\.default_max_wan_mbps: Input should be greater than or equal to 1",
        ),
        (
            "    hq: {max_wan_mbps: 1000}",
            "    moon: {max_wan_mbps: 1000}",
            r":4: contract\.sites\.moon: unknown site 'moon' \(sites: branch1, hq\)",
        ),
        (
            "[standard, premium]",
            "[standard, gold]",
            r":5: contract\.qos_profiles\[1\]: QoS profile 'gold' is not defined",
        ),
        (
            "  expire_after_hours: 24",
            "  expire_after_hour: 24",
            r":8: approval\.expire_after_hour: unknown field",
        ),
        (
            '"0 22 * * mon-fri"',
            '"0 25 * * *"',
            r":10: windows\[0\]\.cron: invalid cron expression '0 25 \* \* \*'",
        ),
        ('"0 22 * * mon-fri"', '"0 22 * * * 2026"', r":10: windows\[0\]\.cron: invalid cron"),
        ("Europe/Paris", "Mars/Olympus", r":12: windows\[0\]\.timezone: unknown timezone"),
        (
            "    duration_minutes: 240",
            "    duration_minutes: 99999",
            r":11: windows\[0\]\.duration_minutes: Input should be less than or equal to 10080",
        ),
        ("  - 2026-12-31", "  - 2026-12-24", r":13: blackout_dates: 2026-12-24 is listed twice"),
        ("  - 2026-12-31", "  - 2026-13-01", r":15: invalid date .2026-13-01.: month must be"),
        (
            "  secret: webhook-acme",
            "  secret: s3cr3t value!",
            r":18: webhook\.secret: secret must be the name of a credential",
        ),
        (
            "  secret: webhook-acme\n",
            "",
            r":16: webhook: Value error, a webhook url needs a secret|:16: webhook: a webhook url",
        ),
        (
            "  url: https://hooks.example.net/netwave",
            "  url: ftp://hooks.example.net",
            r":17: webhook\.url: URL scheme should be 'http' or 'https'",
        ),
    ],
)
def test_errors_name_line_and_field(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    with pytest.raises(ContractError) as caught:
        parse(GOOD.replace(old, new))
    assert re.search(r"inventories/acme/tenant\.yaml" + expected, caught.value.message), (
        caught.value.message
    )


def test_windows_are_required() -> None:
    text = GOOD.replace(
        GOOD[GOOD.index("windows:") : GOOD.index("blackout_dates:")], "windows: []\n"
    )
    with pytest.raises(ContractError, match=r":9: windows: List should have at least 1 item"):
        parse(text)


def test_tenant_is_not_a_field() -> None:
    with pytest.raises(ContractError, match=r":1: tenant: unknown field"):
        parse("tenant: globex\n" + GOOD)


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ContractError, match=r"tenant\.yaml:4: YAML syntax error"):
        parse("contract:\n  sites: {\n  x: [\n")


def test_missing_file(tmp_path: Path) -> None:
    shutil.copytree(INVENTORIES / "acme", tmp_path / "acme")
    (tmp_path / "acme" / "tenant.yaml").unlink()
    with pytest.raises(ContractError, match=r"tenant\.yaml: missing"):
        load_contract(tmp_path, "acme")
