"""Device sessions trust a host only by its recorded key.

A rogue SSH server on a trusted device's address (another key) gets no user name, password or
key: backups, reads and pushes fail as "host key mismatch" with both fingerprints. A device
with no recorded key is refused before any connection, with the command that records it.
"""

from __future__ import annotations

import pytest

from services.core.errors import HostKeyError
from services.core.secrets import FileSecretsProvider
from services.network.collect import Reachability, collect
from services.network.push import fetch_running, push_config
from services.network.push_driver import PushError
from tests.utils.bastion import bastion
from tests.utils.lab import ThreadedLab

NAME = "acme-branch1-r1"


def test_a_rogue_on_a_trusted_address_gets_no_credential(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    device = lab.tenant("acme").device(NAME)
    credential = lab_provider.resolve(device.credential)
    with bastion() as rogue:
        assert rogue.host_key is not None
        impostor = device.model_copy(update={"port": rogue.port})  # same trust, other server

        found = collect([impostor], lab_provider, workers=1, timeout=10)[NAME]
        assert found.status is Reachability.host_key_mismatch, found
        assert found.error is not None and found.error.startswith("host key mismatch: ")
        assert rogue.host_key.fingerprint in found.error
        assert lab.host_key.fingerprint in found.error

        pushed = push_config(impostor, credential, ["ntp server 192.0.2.1"], timeout=10)
        assert not pushed.ok and pushed.error_kind is PushError.host_key_mismatch
        assert pushed.pushed == 0 and not pushed.applied
        with pytest.raises(HostKeyError, match="host key mismatch"):
            fetch_running(impostor, credential, timeout=10)

        # The rogue never saw a login begin: no user name, no password, no key.
        assert rogue.auth_requests == [] and rogue.offered_keys == [] and rogue.logins == []
    # The real device, on its own address, is reached with the same trust.
    assert collect([device], lab_provider, workers=1, timeout=10)[NAME].status is Reachability.ok


def test_a_device_without_a_recorded_key_is_not_contacted(
    lab: ThreadedLab, lab_provider: FileSecretsProvider
) -> None:
    assert lab.inventories_path is not None
    device = lab.tenant("acme").device(NAME).model_copy(update={"trust": None})
    found = collect([device], lab_provider, workers=1, timeout=10)[NAME]
    assert found.status is Reachability.host_key_not_trusted
    assert f"netwave devices trust --tenant acme --device {NAME}" in (found.error or "")
    credential = lab_provider.resolve(device.credential)
    pushed = push_config(device, credential, ["ntp server 192.0.2.1"], timeout=10)
    assert pushed.error_kind is PushError.host_key_not_trusted
    assert lab.record(NAME).logins == []
