"""The machine side of the realnet: running commands, whether it can run here, installing
FRR and sshd, and finding and removing whatever a run (or a crashed run) left, by our prefix.

Only our own processes are killed, by PID; only paths named with our prefix are removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.realnet.topology import PREFIX

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


def install_packages(packages: dict[str, str] = PACKAGES, *, recommends: bool = False) -> None:
    """Debian packages (name: a file it installs) when that file is missing: by default frr,
    openssh-server and iproute2; their system services stay stopped."""
    missing = [name for name, path in packages.items() if not Path(path).exists()]
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
        lean = [] if recommends else ["--no-install-recommends"]
        install = [*apt, "install", "-y", "-q", *lean, *missing]
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


def kill_pids(pids: Sequence[int], timeout: float = 5.0) -> None:
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
    kill_pids(sorted(pids))
    for ns in our_namespaces():
        run("ip", "netns", "del", ns, check=False)
    for link in our_links():
        run("ip", "link", "del", link, check=False)
    for path in [*our_paths(), *extra_paths]:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
