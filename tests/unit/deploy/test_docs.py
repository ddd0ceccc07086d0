"""deploy/README.md covers what operators need: sizing, upgrades, backup and restore."""

from __future__ import annotations

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
