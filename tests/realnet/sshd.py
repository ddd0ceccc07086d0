"""One OpenSSH sshd per router, inside its namespace: the router's own (its host key, the test
login, `ForceCommand vtysh`), or a rogue in its place (another host key, every step logged).

sshd runs with a private /etc/passwd + /etc/shadow (bind-mounted in its own mount namespace)
that hold the test login, and its own UTS namespace named after the router, so the vtysh
prompt is `rt1#`.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from services.network.host_keys import HostKey
from tests.realnet.system import SSHD, run
from tests.realnet.topology import USERNAME, Router

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
LogLevel {log_level}
ForceCommand /usr/bin/vtysh -N {netns}
"""


@dataclass(frozen=True)
class SshdHome:
    """Where one sshd keeps its config, host key, login files and log."""

    path: Path

    @property
    def key(self) -> Path:
        return self.path / "ssh_host_ed25519_key"

    @property
    def log(self) -> Path:
        return self.path / "sshd.log"

    def host_key(self) -> HostKey:
        """The public host key, read from the router's side (as an engineer at its console)."""
        return HostKey.parse(self.key.with_suffix(".pub").read_text())


def start_sshd(
    home: SshdHome,
    r: Router,
    password: str,
    client_key: Path,
    log_level: str = "ERROR",
) -> subprocess.Popen[bytes]:
    """sshd for `r` from `home` (its host key made on first use), logging to home.log."""
    home.path.mkdir(parents=True, exist_ok=True)
    if not home.key.exists():
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home.key))
    config = home.path / "sshd_config"
    authorized = home.path / "authorized_keys"  # the key credential's public half
    authorized.write_text(client_key.with_suffix(".pub").read_text())
    config.write_text(
        SSHD_CONFIG.format(
            address=r.mgmt_address,
            key=home.key,
            user=USERNAME,
            netns=r.netns,
            authorized_keys=authorized,
            log_level=log_level,
        )
    )
    passwd = home.path / "passwd"
    passwd.write_text(Path("/etc/passwd").read_text() + f"{USERNAME}:x:0:0::/root:/bin/sh\n")
    hashed = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"],
        input=password,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shadow = home.path / "shadow"
    shadow.write_text(f"{USERNAME}:{hashed}:19000:0:99999:7:::\n")
    shadow.chmod(0o600)
    script = (
        'hostname "$1" && mount --bind "$2" /etc/passwd && mount --bind "$3" /etc/shadow'
        f' && exec {SSHD} -D -e -f "$4"'
    )
    with home.log.open("ab") as log:
        return subprocess.Popen(
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


def wait_listening(
    proc: subprocess.Popen[bytes], r: Router, log: Path, timeout: float = 20.0
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            text = log.read_text(errors="replace")
            raise RuntimeError(f"sshd of {r.name} exited {proc.returncode}: {text[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection((r.mgmt_address, 22), 1):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"sshd of {r.name} not listening on {r.mgmt_address}:22")
        time.sleep(0.1)


def auth_attempts(log: Path) -> list[str]:
    """Lines of a DEBUG3 sshd log where a client began to authenticate or offered a password
    or a key (OpenSSH logs `userauth-request for user ...` before any method runs)."""
    markers = ("userauth-request", "Failed ", "Accepted ", "Postponed ", "input_userauth")
    return [
        line
        for line in log.read_text(errors="replace").splitlines()
        if any(m in line for m in markers)
    ]
