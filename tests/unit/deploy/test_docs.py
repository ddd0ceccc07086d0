"""deploy/README.md covers what operators need: sizing, upgrades, backup and restore."""

from __future__ import annotations

import yaml

from tests.conftest import REPO
from tests.unit.deploy.contract import DEPLOY


def test_deploy_readme_covers_sizing_upgrades_and_backups() -> None:
    text = (DEPLOY / "README.md").read_text()
    for needle in (
        "## Sizing",
        "NETWAVE_ACTIVITY_THREADS",
        "history",
        "## Upgrading netwave",
        "workflow.patched",
        "build id",
        "netwave db upgrade",
        "## Backup and restore",
        "pg_dump",
        "pg_restore",
        "temporal_visibility",
    ):
        assert needle in text, needle


def test_readme_links_the_deployment_guide() -> None:
    assert "deploy/README.md" in (REPO / "README.md").read_text()


def test_deploy_readme_explains_every_alert() -> None:
    text = (DEPLOY / "README.md").read_text()
    monitoring = text.split("## Monitoring")[1].split("\n## ")[0]
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"]
    for rule in (rule for group in rules for rule in group["rules"]):
        assert f"| `{rule['alert']}` | {rule['labels']['severity']} |" in monitoring, rule["alert"]
    for needle in ("--profile monitoring", "netwave-dashboard.json", "_total", "ServiceMonitor"):
        assert needle in monitoring, needle
