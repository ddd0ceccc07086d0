"""README "Your own routers", run as written against the real FRR routers.

The section's two bash blocks are taken from README.md itself: `netwave dev --no-lab` starts
the stack beside the routers, then the walkthrough trusts them (fingerprints compared with
the keys read on the routers), backs them up, audits them and applies a change. Only the
tenant (`branchco` -> the realnet's) and the settings (ports, var dir, the realnet's
inventories and secrets, through NETWAVE_* variables) differ.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from services.core.settings import Settings
from tests.conftest import REPO
from tests.integration.realnet.helpers import CHANGED
from tests.realnet.net import TEMPLATES, RealNet
from tests.realnet.topology import TENANT, WAN_INTERFACE, WAN_MBPS
from tests.utils.lab import free_ports
from tests.utils.processes import settings_env, start_netwave, stop

SECTION = "## Your own routers"


def readme_blocks() -> list[str]:
    """The bash blocks of the README section, in order."""
    text = (REPO / "README.md").read_text()
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    return [re.sub(r"^ {3}", "", b, flags=re.M) for b in blocks]


@pytest.fixture
def stack_settings(realnet: RealNet, tmp_path: Path) -> Settings:
    temporal, ui, api, control = free_ports(4, start=30000, stop=32000)
    return Settings(
        env="test",
        var_dir=tmp_path / "var",
        inventories_path=realnet.inventories_path,
        templates_path=TEMPLATES,
        secrets_provider="file",
        secrets_file=realnet.secrets_file,
        temporal_address=f"127.0.0.1:{temporal}",
        temporal_ui_url=f"http://127.0.0.1:{ui}",
        api_port=api,
        lab_control_port=control,
        device_timeout=15,
    )


def test_the_readme_walkthrough_on_real_routers(
    realnet: RealNet, stack_settings: Settings, tmp_path: Path
) -> None:
    start, walkthrough = readme_blocks()
    assert start.strip() == ".venv/bin/netwave dev --no-lab"
    env = settings_env(stack_settings)
    log = tmp_path / "dev.log"
    dev = start_netwave(stack_settings, "dev", log, "--no-lab")
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{stack_settings.api_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert dev.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        script = walkthrough.replace("branchco", TENANT)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        stop(dev)
    shown = done.stdout + done.stderr
    assert done.returncode == 0, shown[-6000:]
    for name in realnet.names:  # trust showed each router's own key
        assert realnet.host_key(name).fingerprint in done.stdout, shown[-6000:]
    assert "verified" in done.stdout
    assert "host key" not in shown  # no mismatch, nothing untrusted
    running = realnet.vtysh(CHANGED, "show running-config").splitlines()
    assert " bandwidth 200" in running  # the change reached the router's WAN
    realnet.configure(CHANGED, f"interface {WAN_INTERFACE}", f"bandwidth {WAN_MBPS}")
