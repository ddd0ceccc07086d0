"""Host keys: fingerprints as OpenSSH shows them, the private known_hosts file a session reads,
and host-key refusals recognised through Netmiko's wrapping."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import paramiko
import pytest
from netmiko.exceptions import NetmikoTimeoutException

from services.core.errors import HostKeyError
from services.core.secrets import Credential, FileSecretsProvider
from services.network import host_keys, push
from services.network.collect import Reachability, collect
from services.network.host_keys import (
    MISMATCH,
    NOT_TRUSTED,
    DeviceTrust,
    HostKey,
    host_key_fault,
    known_hosts_file,
    known_hosts_name,
    refusal,
    untrusted,
)
from services.network.inventory import Device


def _key(path: Path) -> HostKey:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return HostKey.parse(path.with_suffix(".pub").read_text())


def _device(port: int = 22, trust: DeviceTrust | None = None) -> Device:
    return Device(
        name="r1",
        tenant="acme",
        hostname="192.0.2.1",
        port=port,
        platform="cisco_ios",
        credential="c",
        trust=trust,
    )


def test_the_fingerprint_is_what_ssh_keygen_shows(tmp_path: Path) -> None:
    key = _key(tmp_path / "k")
    shown = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(tmp_path / "k.pub")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[1]
    assert key.fingerprint == shown and shown.startswith("SHA256:")
    assert HostKey.of(key.to_paramiko()) == key


def test_a_line_that_is_not_a_key_is_refused() -> None:
    with pytest.raises(ValueError, match="not an OpenSSH public key"):
        HostKey.parse("garbage")
    with pytest.raises(ValueError):
        HostKey.parse("ssh-ed25519 not*base64")


def test_known_hosts_names_follow_openssh() -> None:
    assert known_hosts_name("192.0.2.1", 22) == "192.0.2.1"
    assert known_hosts_name("192.0.2.1", 2222) == "[192.0.2.1]:2222"


def test_the_known_hosts_file_is_private_holds_only_recorded_keys_and_goes_away(
    tmp_path: Path,
) -> None:
    key = _key(tmp_path / "k")
    devices = [
        _device(2222, DeviceTrust(device=key)),
        _device(22).model_copy(update={"name": "r2"}),
    ]
    with known_hosts_file(devices) as path:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text() == f"[192.0.2.1]:2222 {key.line}\n"
        loaded = paramiko.HostKeys(str(path))
        assert loaded.lookup("[192.0.2.1]:2222") is not None
    assert not path.exists()


def test_a_device_without_a_recorded_key_is_refused_before_connecting() -> None:
    refused = untrusted(_device())
    assert isinstance(refused, HostKeyError) and not refused.mismatch
    assert refused.message.startswith(NOT_TRUSTED)
    assert "netwave devices trust --tenant acme --device r1" in refused.message


def test_refusals_are_recognised_through_netmikos_wrapping(tmp_path: Path) -> None:
    recorded, presented = _key(tmp_path / "a"), _key(tmp_path / "b")
    bad = paramiko.BadHostKeyException(
        "[192.0.2.1]:2222", presented.to_paramiko(), recorded.to_paramiko()
    )
    try:
        try:
            raise bad
        except paramiko.SSHException as exc:  # as Netmiko does: a "timeout" with the text
            raise NetmikoTimeoutException(f"A paramiko SSHException occurred: {exc}") from None
    except NetmikoTimeoutException as wrapped:
        assert host_key_fault(wrapped) == MISMATCH
        refused = refusal("r1", "192.0.2.1", 2222, wrapped)
    assert refused is not None and refused.mismatch
    assert presented.fingerprint in refused.message and recorded.fingerprint in refused.message
    assert refused.message.startswith("host key mismatch: r1 ([192.0.2.1]:2222) presented")

    unknown = paramiko.SSHException("Server '[192.0.2.1]:2222' not found in known_hosts")
    assert host_key_fault(unknown) == NOT_TRUSTED
    assert host_key_fault(NetmikoTimeoutException("TCP connection to device failed")) is None
    assert refusal("r1", "192.0.2.1", 22, OSError("refused")) is None


def test_a_missing_credential_is_named_in_the_run_and_nothing_is_contacted(
    tmp_path: Path,
) -> None:
    """A trusted real device whose credential the provider lacks: `no_credential`, naming the
    credential, before any connection (192.0.2.1 is never reached: TEST-NET-1)."""
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("credentials: {}\n")
    secrets.chmod(0o600)
    device = _device(trust=DeviceTrust(device=_key(tmp_path / "k"))).model_copy(
        update={"credential": "branchco-edge"}
    )
    found = collect([device], FileSecretsProvider(secrets), workers=1, timeout=1)["r1"]
    assert found.status is Reachability.no_credential
    assert "branchco-edge" in (found.error or "")


def test_a_session_refused_for_a_mismatched_key_is_reported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`connect` tells the mismatch listener (staff notifications) what it refused, naming the
    tenant, device and platform; a key never recorded is refused without a report."""
    recorded, presented = _key(tmp_path / "a"), _key(tmp_path / "b")

    def handler(**_: object) -> None:
        raise paramiko.BadHostKeyException(
            "192.0.2.1", presented.to_paramiko(), recorded.to_paramiko()
        )

    monkeypatch.setattr(push, "ConnectHandler", handler)
    heard: list[tuple[str, ...]] = []
    host_keys.on_mismatch(lambda *args: heard.append(args))
    try:
        login = Credential.model_validate({"username": "u", "password": "p"})
        with pytest.raises(HostKeyError):
            push.connect(_device(trust=DeviceTrust(device=recorded)), login, 1.0)
        with pytest.raises(HostKeyError):
            push.connect(_device(), login, 1.0)  # not trusted: no report
    finally:
        host_keys.on_mismatch(None)
    ((tenant, device, platform, message),) = heard
    assert (tenant, device, platform) == ("acme", "r1", "cisco_ios")
    assert presented.fingerprint in message and recorded.fingerprint in message
