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
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.network.inventory import Device, load_tenant
from services.network.render import renderer_for
from tests.realnet.topology import (
    LINKS,
    PREFIX,
    ROUTERS,
    TENANT,
    USERNAME,
    Router,
    write_inventory,
    write_secrets,
)

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
FRR_ETC = Path("/etc/frr")
FRR_RUN = Path("/var/run/frr")
FRR_TMP = Path("/var/tmp/frr")
SSHD_PRIVSEP = Path("/run/sshd")
FRRINIT = "/usr/lib/frr/frrinit.sh"
SSHD = "/usr/sbin/sshd"
PACKAGES = {"frr": "/usr/lib/frr/watchfrr", "openssh-server": SSHD, "iproute2": "/usr/sbin/ip"}
DAEMONS = """\
bgpd=yes
vtysh_enable=yes
zebra_options=" -A 127.0.0.1 -P 0 -s 90000000"
bgpd_options=" -A 127.0.0.1 -P 0"
staticd_options=" -A 127.0.0.1 -P 0"
watchfrr_options="--netns"
"""
SSHD_CONFIG = """\
ListenAddress {address}:22
HostKey {key}
PidFile none
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile {authorized_keys}
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
AllowUsers {user}
MaxStartups 64:30:128
LogLevel ERROR
ForceCommand /usr/bin/vtysh -N {netns}
"""


class RealnetUnavailable(Exception):
    """The machine cannot run the realnet (not root, no namespaces): a reason to skip."""


def run(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}"
        )
    return result


def check_possible() -> None:
    """Raise RealnetUnavailable saying why the realnet cannot run here."""
    if os.geteuid() != 0:
        raise RealnetUnavailable("realnet needs root (network namespaces, FRR and sshd)")
    if shutil.which("ip") is None:
        return  # iproute2 gets installed; the namespace probe runs after that
    probe = f"{PREFIX}probe-{os.getpid()}"
    added = run("ip", "netns", "add", probe, check=False)
    run("ip", "netns", "del", probe, check=False)
    if added.returncode != 0:
        raise RealnetUnavailable(f"cannot create network namespaces: {added.stderr.strip()}")


def install_packages() -> None:
    """frr, openssh-server and iproute2 from Debian, when missing; services stay stopped."""
    missing = [name for name, path in PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    policy = Path("/usr/sbin/policy-rc.d")
    own_policy = not policy.exists()
    if own_policy:  # keep the packages' system services (frr, ssh) from starting
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Another pytest-xdist worker may be installing chromium: wait for dpkg's lock, not fail.
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=600"]
    try:
        install = [*apt, "install", "-y", "-q", "--no-install-recommends", *missing]
        if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
            subprocess.run([*apt, "update", "-q"], env=env, capture_output=True, check=False)
            done = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"apt-get install {' '.join(missing)} failed: {done.stderr}")
    finally:
        if own_policy:
            policy.unlink(missing_ok=True)


# --- leftovers: what a run (or a crashed run) may leave, found by our prefix -------------------


def our_namespaces() -> list[str]:
    listed = run("ip", "netns", "list", check=False).stdout.split("\n")
    return sorted(line.split()[0] for line in listed if line.startswith(PREFIX))


def _ancestors() -> set[int]:
    """This process and its parents: never ours to kill, whatever their command line says."""
    found, pid = set(), os.getpid()
    while pid > 1:
        found.add(pid)
        try:
            pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return found


def our_processes() -> list[int]:
    """PIDs whose command line names our prefix (FRR `-N nwrt-..`, vtysh, sshd configs)."""
    found = []
    mine = _ancestors()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if PREFIX.encode() in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def our_links() -> list[str]:
    out = run("ip", "-o", "link", "show", check=False).stdout
    names = [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line]
    return sorted(n for n in names if n.startswith(PREFIX))


def our_paths() -> list[Path]:
    found: list[Path] = []
    for base in (FRR_ETC, FRR_RUN, Path(tempfile.gettempdir())):
        if base.is_dir():
            found += sorted(p for p in base.iterdir() if p.name.startswith(PREFIX))
    return found


def leftovers() -> list[str]:
    """Everything of ours still on the machine; empty after a clean teardown."""
    return [
        *(f"namespace {n}" for n in our_namespaces()),
        *(f"process {p}: {_cmdline(p)}" for p in our_processes()),
        *(f"link {n}" for n in our_links()),
        *(f"path {p}" for p in our_paths()),
    ]


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _kill(pids: Sequence[int], timeout: float = 5.0) -> None:
    """SIGTERM, wait, then SIGKILL what is left (watchfrr first, so it restarts nothing)."""
    watchers = [p for p in pids if b"watchfrr" in _cmdline(p).encode()]
    for group in (watchers, [p for p in pids if p not in watchers]):
        for pid in group:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(_alive(p) for p in group) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in group:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def clean_stale(extra_paths: Sequence[Path] = ()) -> None:
    """Remove every realnet namespace, process, veth and path (ours by prefix); idempotent."""
    pids = set(our_processes())
    for ns in our_namespaces():
        out = run("ip", "netns", "pids", ns, check=False).stdout
        pids.update(int(p) for p in out.split() if p.isdigit())
    _kill(sorted(pids))
    for ns in our_namespaces():
        run("ip", "netns", "del", ns, check=False)
    for link in our_links():
        run("ip", "link", "del", link, check=False)
    for path in [*our_paths(), *extra_paths]:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


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
        return load_tenant(self.inventories_path, TENANT).device(name)

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
        intended = renderer_for(TEMPLATES).render_device(self.device(r.name))
        (etc / "frr.conf").write_text(intended)
        for path in (etc, *etc.iterdir()):
            shutil.chown(path, "frr", "frr")
        (etc / "frr.conf").chmod(0o640)
        script = 'hostname "$1" && exec ' + FRRINIT + ' start "$2"'
        run("unshare", "--uts", "sh", "-c", script, "sh", r.name, r.netns, timeout=60)

    def _sshd(self, r: Router) -> None:
        home = self.workdir / r.name
        home.mkdir(parents=True, exist_ok=True)
        key = home / "ssh_host_ed25519_key"
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
        config = home / "sshd_config"
        authorized = home / "authorized_keys"  # the key credential's public half
        authorized.write_text(self.client_key.with_suffix(".pub").read_text())
        config.write_text(
            SSHD_CONFIG.format(
                address=r.mgmt_address,
                key=key,
                user=USERNAME,
                netns=r.netns,
                authorized_keys=authorized,
            )
        )
        passwd = home / "passwd"
        passwd.write_text(Path("/etc/passwd").read_text() + f"{USERNAME}:x:0:0::/root:/bin/sh\n")
        hashed = subprocess.run(
            ["openssl", "passwd", "-6", "-stdin"],
            input=self.password,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        shadow = home / "shadow"
        shadow.write_text(f"{USERNAME}:{hashed}:19000:0:99999:7:::\n")
        shadow.chmod(0o600)
        script = (
            'hostname "$1" && mount --bind "$2" /etc/passwd && mount --bind "$3" /etc/shadow'
            f' && exec {SSHD} -D -e -f "$4"'
        )
        log = (home / "sshd.log").open("ab")
        with log:
            self.sshd[r.name] = subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    r.netns,
                    "unshare",
                    "--uts",
                    "--mount",
                    "--propagation",
                    "private",
                    "sh",
                    "-c",
                    script,
                    "sh",
                    r.name,
                    str(passwd),
                    str(shadow),
                    str(config),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def _wait_ssh(self, r: Router, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            proc = self.sshd[r.name]
            if proc.poll() is not None:
                log = (self.workdir / r.name / "sshd.log").read_text(errors="replace")
                raise RuntimeError(f"sshd of {r.name} exited {proc.returncode}: {log[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection((r.mgmt_address, 22), 1):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"sshd of {r.name} not listening on {r.mgmt_address}:22")
            time.sleep(0.1)

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
        for proc in self.sshd.values():
            if proc.poll() is None:
                _kill([proc.pid])
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)
        self.sshd.clear()
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
