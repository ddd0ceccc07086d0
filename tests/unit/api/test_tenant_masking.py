"""What a tenant sees: backups, diffs and compliance reports with secrets masked; staff whole.

One device of each platform (the shipped inventories' cisco_ios, arista_eos, juniper_junos and
an frr router added to a scratch copy) has two backups whose secrets all changed, and two audit
reports whose lines hold those secrets.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.compliance.report import DeviceCompliance, FeatureResult
from services.core.settings import Settings
from services.network.masking import MASK
from services.store.repos import backups as backup_repo
from services.store.repos import compliance as report_repo
from tests.utils.api import bearer, make_token, mark_for_attention

REPO = Path(__file__).resolve().parents[3]
BASE = "/v1/tenants/acme"
FRR_HOST = "acme-core-r9:\n  hostname: 192.0.2.99\n  port: 22\n  platform: frr\n"


def ios(n: int) -> str:
    return f"""hostname acme-hq-r1
enable secret 9 $9$IOSENABLE{n}
username netwave privilege 15 secret 9 $9$IOSNETWAVE{n}
username bob privilege 15 password 7 IOSBOBPW{n}
snmp-server community IOSCOMMUNITY{n} RO
tacacs-server key 7 IOSTACACS{n}
router bgp 65001
 neighbor 198.51.100.2 remote-as 64500
 neighbor 198.51.100.2 password 7 IOSBGPPW{n}
line vty 0 4
 password 7 IOSVTY{n}
ntp server 192.0.2.1{n}
"""


def eos(n: int) -> str:
    return f"""hostname acme-hq-r2
username netwave privilege 15 role network-admin secret sha512 $6$EOSNETWAVE{n}
enable secret sha512 $6$EOSENABLE{n}
snmp-server community EOSCOMMUNITY{n} ro
router bgp 65002
   neighbor 198.51.100.6 password 7 EOSBGPPW{n}
ntp server 192.0.2.1{n}
"""


def junos(n: int) -> str:
    return f"""set system host-name acme-branch2-r1
set system root-authentication encrypted-password "$6$JUNOSROOT{n}"
set system login user netwave authentication encrypted-password "$6$JUNOSUSER{n}"
set snmp community JUNOSCOMMUNITY{n} authorization read-only
set protocols bgp group EBGP authentication-key "$9$JUNOSBGP{n}"
set system ntp server 192.0.2.1{n}
"""


def frr(n: int) -> str:
    return f"""hostname acme-core-r9
password FRRVTY{n}
enable password FRRENABLE{n}
router bgp 65101
 neighbor 10.0.0.2 password FRRBGP{n}
ip route 10.9.{n}.0/24 Null0
"""


# device -> (platform, config of version n, the secrets in it by name, a line that changed)
DEVICES = {
    "acme-hq-r1": (
        "cisco_ios",
        ios,
        ["IOSENABLE", "IOSNETWAVE", "IOSBOBPW", "IOSCOMMUNITY", "IOSTACACS", "IOSBGPPW", "IOSVTY"],
        "ntp server 192.0.2.1",
    ),
    "acme-hq-r2": (
        "arista_eos",
        eos,
        ["EOSNETWAVE", "EOSENABLE", "EOSCOMMUNITY", "EOSBGPPW"],
        "ntp server 192.0.2.1",
    ),
    "acme-branch2-r1": (
        "juniper_junos",
        junos,
        ["JUNOSROOT", "JUNOSUSER", "JUNOSCOMMUNITY", "JUNOSBGP"],
        "set system ntp server 192.0.2.1",
    ),
    "acme-core-r9": ("frr", frr, ["FRRVTY", "FRRENABLE", "FRRBGP"], "ip route 10.9."),
    # Gone from the inventory since: masked with every platform's rules.
    "acme-gone-r8": (
        "cisco_ios",
        lambda n: ios(n).replace("acme-hq-r1", "acme-gone-r8"),
        ["IOSENABLE", "IOSNETWAVE", "IOSCOMMUNITY", "IOSBGPPW"],
        "ntp server 192.0.2.1",
    ),
}
SECRETS = sorted(
    {f"{name}{n}" for _, _, names, _ in DEVICES.values() for name in names for n in (1, 2)}
)


def undo(platform: str, line: str) -> str:
    return line.replace("set ", "delete ", 1) if platform == "juniper_junos" else f"no {line}"


def secret_lines(config: str, names: list[str]) -> list[str]:
    return [line.strip() for line in config.splitlines() if any(n in line for n in names)]


@pytest.fixture
def api(settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, Settings, list[str]]]:
    """The API on a scratch copy of the inventories with an frr router added to acme, two
    backups of each device and two audit reports; the reports' ids."""
    inventories = tmp_path / "inventories"
    shutil.copytree(REPO / "inventories", inventories)
    with (inventories / "acme" / "hosts.yaml").open("a") as hosts:
        hosts.write(FRR_HOST)
    settings = settings.model_copy(
        update={"temporal_address": "127.0.0.1:1", "inventories_path": inventories}
    )
    sessions = prepare_local(settings, lab=True)
    reports = []
    for n in (1, 2):
        at = datetime.now(UTC) + timedelta(minutes=n)
        with sessions.begin() as session:
            report = report_repo.start_report(
                session, tenant="acme", workflow_id=f"audit-acme-{n}", requested_by="t",
                started_at=at,
            )  # fmt: skip
            for device, (platform, config, names, _) in DEVICES.items():
                backup = backup_repo.store_backup(
                    session, tenant="acme", device=device, content=config(n),
                    run_id=f"audit-acme-{n}", collected_at=at,
                )  # fmt: skip
                lines = secret_lines(config(n), names)
                users = FeatureResult(
                    feature="users",
                    status="drift",
                    missing=[],
                    extra=lines,
                    violations=[f"forbidden /secret|password/ matches: {line}" for line in lines],
                    remediation=[undo(platform, line) for line in lines],
                    message=f"unexpected: {lines[0]}",
                )
                result = DeviceCompliance.from_features("acme", device, platform, [users])
                report_repo.record_device(
                    session, report_id=report.id, tenant="acme", device=device,
                    platform=platform, status=result.status, score=result.score,
                    result=result.model_dump(mode="json"), backup_version=backup.version,
                )  # fmt: skip
            report_repo.finish_report(session, report_id=report.id, tenant="acme", finished_at=at)
        reports.append(report.id)
    with TestClient(create_app(settings)) as client:
        yield client, settings, reports


def _texts(client: TestClient, token: dict[str, str], reports: list[str]) -> dict[str, str]:
    """Every response that carries config text, by what it is."""
    first, second = reports
    texts = {}
    for device in DEVICES:
        for version in (1, 2):
            found = client.get(f"{BASE}/devices/{device}/backups/{version}", headers=token)
            assert found.status_code == 200, found.text
            texts[f"{device} backup v{version}"] = found.text
        diff = client.get(
            f"{BASE}/devices/{device}/backups/diff", params={"from": 1, "to": 2}, headers=token
        )
        assert diff.status_code == 200, diff.text
        texts[f"{device} diff"] = diff.text
        result = client.get(f"{BASE}/compliance/reports/{first}/devices/{device}", headers=token)
        assert result.status_code == 200, result.text
        texts[f"{device} report device"] = result.text
        compared = client.get(
            f"{BASE}/devices/{device}/compliance/diff",
            params={"from": first, "to": second},
            headers=token,
        )
        assert compared.status_code == 200, compared.text
        texts[f"{device} compliance diff"] = compared.text
    for report in reports:
        for suffix in ("", "/csv"):
            found = client.get(f"{BASE}/compliance/reports/{report}{suffix}", headers=token)
            assert found.status_code == 200, found.text
            texts[f"report {report}{suffix}"] = found.text
    return texts


def test_a_tenant_reads_every_config_text_masked(
    api: tuple[TestClient, Settings, list[str]],
) -> None:
    client, settings, reports = api
    token = bearer(make_token(settings, "tenant", tenant="acme"))
    texts = _texts(client, token, reports)
    for what, text in texts.items():
        leaked = [s for s in SECRETS if s in text]
        assert not leaked, f"{what} shows {leaked}"
        assert MASK in text, what
    for device, (_, config, _, changed) in DEVICES.items():
        content = client.get(f"{BASE}/devices/{device}/backups/1", headers=token).json()["content"]
        # The same lines, only the secrets masked: lines without secrets byte for byte.
        assert len(content.splitlines()) == len(config(1).splitlines())
        assert config(1).splitlines()[0] in content.splitlines()
        # Both sides masked before the diff: the secrets did not change, the other line did.
        compared = client.get(
            f"{BASE}/devices/{device}/compliance/diff",
            params={"from": reports[0], "to": reports[1]},
            headers=token,
        ).json()["config_diff"]
        for diff in (texts[f"{device} diff"], compared):
            lines = diff.splitlines()
            changes = [
                line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")
            ]
            assert len(changes) == 2 and all(changed in line for line in changes), (device, diff)


@pytest.mark.parametrize("role", ["admin", "engineer", "approver"])
def test_staff_read_every_config_text_whole(
    api: tuple[TestClient, Settings, list[str]], role: str
) -> None:
    client, settings, reports = api
    token = bearer(make_token(settings, role))
    texts = _texts(client, token, reports)
    for what, text in texts.items():
        assert MASK not in text, what
    for device, (_, config, names, _) in DEVICES.items():
        content = client.get(f"{BASE}/devices/{device}/backups/1", headers=token).json()["content"]
        assert content == config(1)
        for name in names:
            assert f"{name}1" in texts[f"{device} diff"] and f"{name}2" in texts[f"{device} diff"]
            assert f"{name}1" in texts[f"{device} report device"]
            assert f"{name}2" in texts[f"{device} compliance diff"]
    assert all(s in texts[f"report {reports[0]}/csv"] for s in SECRETS if s.endswith("1"))


def test_a_tenant_reads_its_intended_config_and_its_diff(
    api: tuple[TestClient, Settings, list[str]],
) -> None:
    client, settings, _ = api
    token = bearer(make_token(settings, "tenant", tenant="acme"))
    config = client.get(f"{BASE}/devices/acme-hq-r1/intent/config", headers=token)
    assert config.status_code == 200, config.text
    assert "hostname acme-hq-r1" in config.json()["config"]
    diff = client.get(f"{BASE}/devices/acme-hq-r1/intent/diff", headers=token)
    assert diff.status_code == 200 and diff.json()["diff"] == ""


def test_a_tenant_reads_lines_left_over_by_a_rollback_masked(
    api: tuple[TestClient, Settings, list[str]],
) -> None:
    client, settings, _ = api
    reason = (
        "rollback incomplete; lines left over: snmp-server community IOSCOMMUNITY1 RO; "
        "username bob privilege 15 password 7 IOSBOBPW1; ntp server 192.0.2.11"
    )
    mark_for_attention(settings, "acme-hq-r1", reason=reason)
    tenant = client.get(f"{BASE}/attention", headers=bearer(make_token(settings, "tenant", "acme")))
    assert tenant.status_code == 200, tenant.text
    # The password runs to the end of its line: what follows it in the message goes with it.
    assert tenant.json()[0]["reason"] == (
        f"rollback incomplete; lines left over: snmp-server community {MASK} RO; "
        f"username bob privilege 15 password 7 {MASK}"
    )
    staff = client.get(f"{BASE}/attention", headers=bearer(make_token(settings, "engineer")))
    assert staff.json()[0]["reason"] == reason
