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

    def ensure_key(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        if not self.key.exists():
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.key))

    def login_files(self, user: str, password: str) -> tuple[Path, Path]:
        """A passwd (the system's plus `user`, uid 0) and a shadow holding its password."""
        passwd = self.path / "passwd"
        passwd.write_text(Path("/etc/passwd").read_text() + f"{user}:x:0:0::/root:/bin/sh\n")
        hashed = subprocess.run(
            ["openssl", "passwd", "-6", "-stdin"],
            input=password,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        shadow = self.path / "shadow"
        shadow.write_text(f"{user}:{hashed}:19000:0:99999:7:::\n")
        shadow.chmod(0o600)
        return passwd, shadow

    def spawn(
        self, config: Path, passwd: Path, shadow: Path, r: Router | None = None
    ) -> subprocess.Popen[bytes]:
        """`sshd -D -f config` in its own mount namespace (the login files bound over /etc),
        inside the router's network namespace and a UTS namespace named after it when given;
        its output goes to the log."""
        script = 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/shadow && '
        if r is not None:
            script += f"hostname {r.name} && "
        script += f'exec {SSHD} -D -e -f "$3"'
        argv = ["unshare", "--mount", "--propagation", "private"]
        if r is not None:
            argv = ["ip", "netns", "exec", r.netns, *argv, "--uts"]
        argv += ["sh", "-c", script, "sh", str(passwd), str(shadow), str(config)]
        with self.log.open("ab") as log:
            return subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

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
    home.ensure_key()
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
    passwd, shadow = home.login_files(USERNAME, password)
    return home.spawn(config, passwd, shadow, r)


def sees_logins(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the sshd still has its login files bound over /etc/passwd and /etc/shadow
    (`spawn` execs it in place, so its pid is the Popen's)."""
    try:
        mounts = Path(f"/proc/{proc.pid}/mountinfo").read_text().splitlines()
    except OSError:
        return False
    points = {fields[4] for fields in map(str.split, mounts) if len(fields) > 4}
    return {"/etc/passwd", "/etc/shadow"} <= points


def wait_listening(
    proc: subprocess.Popen[bytes], r: Router, log: Path, timeout: float = 20.0
) -> None:
    wait_port(proc, r.mgmt_address, 22, log, timeout)


def wait_port(
    proc: subprocess.Popen[bytes], host: str, port: int, log: Path, timeout: float = 20.0
) -> None:
    """Until the sshd answers on host:port; its log in the error when it died or never did."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            text = log.read_text(errors="replace")
            raise RuntimeError(f"sshd for {host}:{port} exited {proc.returncode}: {text[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), 1):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"no sshd listening on {host}:{port} after {timeout} s")
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


BASTION_CONFIG = """\
ListenAddress 127.0.0.1:{port}
HostKey {key}
PidFile none
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
UsePAM no
StrictModes no
AllowUsers {user}
AllowTcpForwarding yes
PermitOpen {permit_open}
X11Forwarding no
PermitTTY no
ForceCommand /bin/false
LogLevel DEBUG1
"""


def start_bastion(
    home: SshdHome, port: int, user: str, password: str, targets: list[str]
) -> subprocess.Popen[bytes]:
    """An OpenSSH jump host on 127.0.0.1:`port` in the root network namespace (its own mount
    namespace holds its login): password login, tunnels (`direct-tcpip`) to `targets` only
    ("host:port"), no shell. It logs every tunnel it opens."""
    home.ensure_key()
    config = home.path / "sshd_config"
    config.write_text(
        BASTION_CONFIG.format(port=port, key=home.key, user=user, permit_open=" ".join(targets))
    )
    passwd, shadow = home.login_files(user, password)
    return home.spawn(config, passwd, shadow)
