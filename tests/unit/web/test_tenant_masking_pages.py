"""What a tenant sees on the console: the device page, an audit report and a change's plan with
secrets masked; staff see them whole."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from services.core.settings import Settings
from services.network.inventory import load_tenant
from services.network.masking import MASK
from services.network.render import renderer_for
from services.store.repos import backups as backup_repo
from services.store.repos import compliance as report_repo
from tests.unit.web import factories
from tests.unit.web.conftest import SignedIn

DEVICE = "acme-branch1-r1"  # cisco_ios
SECRETS = ["WEBENABLE", "WEBNETWAVE", "WEBBOBHASH", "WEBCOMMUNITY"]
SECRET_LINES = [
    "enable secret 9 $9$WEBENABLE",
    "username netwave privilege 15 secret 9 $9$WEBNETWAVE",
    "username bob privilege 15 secret 9 $9$WEBBOBHASH",
    "snmp-server community WEBCOMMUNITY RO",
]
SHOWN_MASK = html.escape(MASK)


def _back_up_with_secrets(settings: Settings) -> None:
    """A backup of DEVICE: its files' config plus the lab's secret lines and two more."""
    found = load_tenant(settings.inventories_path, "acme").device(DEVICE)
    running = renderer_for(settings.templates_path).render_device(found)
    with factories.sessions(settings).begin() as session:
        backup_repo.store_backup(
            session,
            tenant="acme",
            device=DEVICE,
            content=running + "\n".join(SECRET_LINES) + "\n",
            run_id=f"backup-{DEVICE}",
            collected_at=datetime.now(UTC),
        )


def test_device_page_masks_the_running_config_for_a_tenant(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    _back_up_with_secrets(web_settings)
    path = f"/console/tenants/acme/devices/{DEVICE}"
    staff, _, _ = signed_in("engineer")
    whole = staff.get(path)
    assert whole.status_code == 200, whole.text
    # The users and snmp sections are compared: bob's hash and the community show to staff.
    assert "WEBBOBHASH" in whole.text and "WEBCOMMUNITY" in whole.text
    assert SHOWN_MASK not in whole.text
    tenant, _, _ = signed_in("tenant", "acme")
    masked = tenant.get(path)
    assert masked.status_code == 200, masked.text
    assert not [s for s in SECRETS if s in masked.text]
    assert f'<span class="del">-snmp-server community {SHOWN_MASK} RO</span>' in masked.text
    assert f"username bob privilege 15 secret 9 {SHOWN_MASK}" in masked.text  # context


def test_report_page_masks_lines_for_a_tenant(signed_in: SignedIn, web_settings: Settings) -> None:
    feature = {
        "feature": "snmp",
        "status": "drift",
        "missing": [],
        "extra": SECRET_LINES,
        "violations": [f"forbidden /^snmp-server community / matches: {SECRET_LINES[-1]}"],
        "remediation": [f"no {line}" for line in SECRET_LINES],
    }
    with factories.sessions(web_settings).begin() as session:
        opened = report_repo.start_report(
            session, tenant="acme", workflow_id="audit-acme-mask", requested_by="t"
        )
        report_repo.record_device(
            session, report_id=opened.id, tenant="acme", device=DEVICE, platform="cisco_ios",
            status="drift", score=0.0,
            result={"tenant": "acme", "device": DEVICE, "platform": "cisco_ios",
                    "status": "drift", "score": 0.0, "features": [feature]},
        )  # fmt: skip
        report_repo.finish_report(session, report_id=opened.id, tenant="acme")
    path = f"/console/tenants/acme/compliance/reports/{opened.id}"
    staff, _, _ = signed_in("admin")
    whole = staff.get(path).text
    assert all(s in whole for s in SECRETS) and SHOWN_MASK not in whole
    tenant, _, _ = signed_in("tenant", "acme")
    masked = tenant.get(path)
    assert masked.status_code == 200, masked.text
    assert not [s for s in SECRETS if s in masked.text]
    assert f"- username bob privilege 15 secret 9 {SHOWN_MASK}" in masked.text
    assert f"matches: snmp-server community {SHOWN_MASK} RO" in masked.text
    assert f"no snmp-server community {SHOWN_MASK} RO" in masked.text


def test_change_page_masks_the_plan_for_a_tenant(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    plan = {
        "device": DEVICE,
        "platform": "cisco_ios",
        "diff": "--- running\n+++ intended\n@@ -1,2 +1,1 @@\n hostname r1\n"
        "-username bob privilege 15 secret 9 $9$WEBBOBHASH\n",
        "commands": ["no username bob privilege 15 secret 9 $9$WEBBOBHASH"],
        "rollback": ["username bob privilege 15 secret 9 $9$WEBBOBHASH"],
        "left_alone": ["snmp-server community WEBCOMMUNITY RO"],
        "by_feature": {"users": ["no username bob privilege 15 secret 9 $9$WEBBOBHASH"]},
    }
    params = {"kind": "remediation", "site": "branch1", "device": DEVICE,
              "report_id": "r-1", "features": ["users"]}  # fmt: skip
    pending = factories.change(
        web_settings, "acme", site="branch1", awaiting=True, params=params, devices=[plan]
    )
    path = f"/console/tenants/acme/changes/{pending}"
    staff, _, _ = signed_in("approver")
    whole = staff.get(path).text
    assert "WEBBOBHASH" in whole and "WEBCOMMUNITY" in whole and SHOWN_MASK not in whole
    tenant, _, _ = signed_in("tenant", "acme")
    masked = tenant.get(path)
    assert masked.status_code == 200, masked.text
    assert "WEBBOBHASH" not in masked.text and "WEBCOMMUNITY" not in masked.text
    assert f"-username bob privilege 15 secret 9 {SHOWN_MASK}" in masked.text
    assert f"snmp-server community {SHOWN_MASK} RO" in masked.text
