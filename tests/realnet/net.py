"""Bring the realnet up and down: namespaces, veths, one FRR instance and one sshd per router.

Each router is a network namespace (`nwrt-<name>`) with a management veth to the root
namespace, veths to its neighbours and a LAN veth pair. FRR runs as a multi-instance pathspace
(`frrinit.sh start nwrt-<name>`: watchfrr `-N nwrt-<name> --netns`) with the config netwave
renders from the inventory; sshd runs inside the namespace with its own config, host key and
a private /etc/passwd + /etc/shadow (bind-mounted in its own mount namespace) that hold the
test login, and `ForceCommand vtysh -N nwrt-<name>`. FRR and sshd get their own UTS namespace
whose host name is the router's name, so the vtysh prompt is `rt1#`.

Teardown kills only processes inside our namespaces (and the sshd we started), by PID, and
removes only paths named with our prefix; it also clears what a crashed earlier run left.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from services.network.host_keys import DeviceTrust, HostKey
from services.network.inventory import Device, load_tenant
from services.network.render import renderer_for
from tests.realnet.sshd import SshdHome, sees_logins, start_sshd, wait_listening
from tests.realnet.system import (
    DAEMONS,
    FRR_ETC,
    FRR_TMP,
    FRRINIT,
    SSHD_PRIVSEP,
    clean_stale,
    kill_pids,
    leftovers,
    run,
)
from tests.realnet.topology import (
    LINKS,
    PREFIX,
    ROUTERS,
    TENANT,
    Router,
    router,
    write_inventory,
    write_secrets,
)

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"


# --- the running topology ----------------------------------------------------------------------


@dataclass
class RealNet:
    """A running realnet: its inventory, secrets and helpers to reach the routers."""

    workdir: Path
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    sshd: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _frr_tmp_before: set[str] = field(default_factory=set)
    _made_privsep: bool = False
    _made_frr_tmp: bool = False
    up: bool = False

    @property
    def inventories_path(self) -> Path:
        return self.workdir / "inventories"

    @property
    def secrets_file(self) -> Path:
        return self.workdir / "secrets.yaml"

    @property
    def client_key(self) -> Path:
        """netwave's SSH key for the key credential (KEY_CREDENTIAL), beside the secrets."""
        return self.workdir / "netwave_ed25519"

    @property
    def names(self) -> list[str]:
        return [r.name for r in ROUTERS]

    def device(self, name: str) -> Device:
        """The router's inventory entry with its host key recorded (read on the router, as
        `netwave devices trust` would find it), for tests that open sessions directly."""
        device = load_tenant(self.inventories_path, TENANT).device(name)
        return device.model_copy(update={"trust": DeviceTrust(device=self.host_key(name))})

    # -- bring-up ---------------------------------------------------------------------------

    def start(self, bgp_timeout: float = 90.0) -> None:
        """Build the whole topology; on any failure tear down what was built and re-raise."""
        try:
            self._start(bgp_timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, bgp_timeout: float) -> None:
        write_inventory(self.inventories_path)
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.client_key))
        write_secrets(self.secrets_file, self.password, key_file=self.client_key)
        self._made_frr_tmp = not FRR_TMP.exists()
        self._frr_tmp_before = set(os.listdir(FRR_TMP)) if FRR_TMP.exists() else set()
        if not SSHD_PRIVSEP.exists():
            SSHD_PRIVSEP.mkdir(mode=0o755)
            self._made_privsep = True
        self.up = True
        for r in ROUTERS:
            self._namespace(r)
        for link in LINKS:
            self._link(link.a, link.a_interface, link.b, link.b_interface)
        for r in ROUTERS:
            self._frr(r)
            self._sshd(r)
        for r in ROUTERS:
            self._wait_ssh(r)
        self.wait_bgp(bgp_timeout)

    def _namespace(self, r: Router) -> None:
        ns = r.netns
        run("ip", "netns", "add", ns)
        run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        run("ip", "link", "add", r.mgmt_root_veth, "type", "veth", "peer", "name", "mgmt0",
            "netns", ns)  # fmt: skip
        run("ip", "addr", "add", f"{r.mgmt_root_address}/30", "dev", r.mgmt_root_veth)
        run("ip", "link", "set", r.mgmt_root_veth, "up")
        run("ip", "-n", ns, "addr", "add", f"{r.mgmt_address}/30", "dev", "mgmt0")
        run("ip", "-n", ns, "link", "set", "mgmt0", "up")
        # The LAN: a veth pair inside the namespace, so lan0 has carrier without a neighbour.
        run("ip", "-n", ns, "link", "add", "lan0", "type", "veth", "peer", "name", "lan0p")
        run("ip", "-n", ns, "link", "set", "lan0p", "up")
        run("ip", "-n", ns, "link", "set", "lan0", "up")

    def _link(self, a: str, a_if: str, b: str, b_if: str) -> None:
        ns_a, ns_b = f"{PREFIX}{a}", f"{PREFIX}{b}"
        run("ip", "-n", ns_a, "link", "add", a_if, "type", "veth", "peer", "name", b_if,
            "netns", ns_b)  # fmt: skip
        run("ip", "-n", ns_a, "link", "set", a_if, "up")
        run("ip", "-n", ns_b, "link", "set", b_if, "up")

    def _frr(self, r: Router) -> None:
        """FRR instance `-N nwrt-<name>` in the namespace, started from netwave's intent."""
        etc = FRR_ETC / r.netns
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "daemons").write_text(DAEMONS)
        (etc / "vtysh.conf").write_text("service integrated-vtysh-config\n")
        intended = renderer_for(TEMPLATES).render_device(
            load_tenant(self.inventories_path, TENANT).device(r.name)
        )
        (etc / "frr.conf").write_text(intended)
        for path in (etc, *etc.iterdir()):
            shutil.chown(path, "frr", "frr")
        (etc / "frr.conf").chmod(0o640)
        script = 'hostname "$1" && exec ' + FRRINIT + ' start "$2"'
        run("unshare", "--uts", "sh", "-c", script, "sh", r.name, r.netns, timeout=60)

    def _sshd(self, r: Router) -> None:
        home = SshdHome(self.workdir / r.name)
        self.sshd[r.name] = start_sshd(home, r, self.password, self.client_key)

    def ensure_logins(self) -> list[str]:
        """Restart the sshd of each router that lost its login files; the routers restarted.

        The files are bind-mounted over /etc/passwd and /etc/shadow in sshd's own mount
        namespace. A package install that adds a system user (chromium's avahi-daemon, when a
        browser test installs it beside a running realnet) writes a new /etc/passwd and renames
        it into place, and Linux detaches a mount whose file is renamed over from every other
        namespace: that sshd then knows no test login and refuses every password.
        """
        lost = [name for name, proc in self.sshd.items() if not sees_logins(proc)]
        for name in lost:
            self._restart_sshd(name)
        return lost

    def _restart_sshd(self, name: str) -> None:
        """The router's own sshd, (re)started in place of whatever serves its address."""
        r = router(name)
        self._stop_sshd(name)
        self._sshd(r)
        self._wait_ssh(r)

    def _wait_ssh(self, r: Router, timeout: float = 20.0) -> None:
        wait_listening(self.sshd[r.name], r, SshdHome(self.workdir / r.name).log, timeout)

    def host_key(self, name: str) -> HostKey:
        """The router's SSH host key, as read on the router itself (out of band)."""
        return SshdHome(self.workdir / name).host_key()

    @contextlib.contextmanager
    def impersonated(self, name: str) -> Iterator[SshdHome]:
        """A rogue sshd in place of the router's (same address, another host key, every
        authentication step logged at DEBUG3); the router's own sshd is back afterwards."""
        r = router(name)
        self._stop_sshd(name)
        rogue = SshdHome(self.workdir / name / "rogue")
        self.sshd[name] = start_sshd(rogue, r, self.password, self.client_key, "DEBUG3")
        try:
            wait_listening(self.sshd[name], r, rogue.log)
            yield rogue
        finally:
            self._restart_sshd(name)

    def _stop_sshd(self, name: str) -> None:
        proc = self.sshd.pop(name, None)
        if proc is not None and proc.poll() is None:
            kill_pids([proc.pid])
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)

    # -- operating the routers directly (as an engineer at the console would) ----------------

    def vtysh(self, name: str, *commands: str) -> str:
        """Run vtysh commands on a router (`-c` each), in its namespaces, and return the output."""
        ns = f"{PREFIX}{name}"
        script = 'hostname "$1" && shift && exec vtysh "$@"'
        args = ["ip", "netns", "exec", ns, "unshare", "--uts", "sh", "-c", script, "sh", name]
        args += ["-N", ns]
        for command in commands:
            args += ["-c", command]
        return run(*args).stdout

    def configure(self, name: str, *lines: str) -> str:
        """Config lines through vtysh, as drift made by hand."""
        return self.vtysh(name, "configure terminal", *lines, "end")

    def bgp_states(self, name: str) -> dict[str, str]:
        data = json.loads(self.vtysh(name, "show ip bgp summary json") or "{}")
        peers = (data.get("ipv4Unicast") or {}).get("peers") or {}
        return {ip: str(p.get("state")) for ip, p in peers.items()}

    def wait_bgp(self, timeout: float = 90.0) -> None:
        """Until every router has every eBGP session Established."""
        deadline = time.monotonic() + timeout
        while True:
            states = {r.name: self.bgp_states(r.name) for r in ROUTERS}
            if all(s and set(s.values()) == {"Established"} for s in states.values()):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"BGP not Established after {timeout}s: {states}")
            time.sleep(0.5)

    def set_link(self, name: str, interface: str, up: bool) -> None:
        run("ip", "-n", f"{PREFIX}{name}", "link", "set", interface, "up" if up else "down")

    # -- teardown -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Tear everything down; safe to call twice and after a half-finished start."""
        for name in list(self.sshd):
            self._stop_sshd(name)
        clean_stale([self.workdir])
        # FRR's per-process log folders of our daemons (watchfrr writes its own as it exits).
        for path in self._own_frr_tmp():
            shutil.rmtree(path, ignore_errors=True)
        if self._made_privsep:
            shutil.rmtree(SSHD_PRIVSEP, ignore_errors=True)
        if self._made_frr_tmp and FRR_TMP.exists() and not any(FRR_TMP.iterdir()):
            FRR_TMP.rmdir()
        self.up = False

    def _own_frr_tmp(self) -> list[Path]:
        if not FRR_TMP.exists():
            return []
        return sorted(FRR_TMP / n for n in os.listdir(FRR_TMP) if n not in self._frr_tmp_before)

    def leftovers(self) -> list[str]:
        """What this realnet left: ours by prefix, plus FRR log folders and sshd's privsep dir."""
        found = leftovers() + [f"path {p}" for p in self._own_frr_tmp()]
        if self.workdir.exists():
            found.append(f"path {self.workdir}")
        if self._made_privsep and SSHD_PRIVSEP.exists():
            found.append(f"path {SSHD_PRIVSEP}")
        return found


def new_realnet() -> RealNet:
    """A RealNet over a fresh temp folder named with our prefix (so teardown finds it)."""
    return RealNet(Path(tempfile.mkdtemp(prefix=f"{PREFIX}work-")))
