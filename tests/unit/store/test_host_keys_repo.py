"""Recorded host keys: a first key is recorded, a different one is kept out unless replaced,
every write is in the audit log, and a tenant's keys reach only its own devices."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from services.network.host_keys import HostKey
from services.network.inventory import Device, JumpHost, TenantInventory
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import host_keys as host_key_repo
from services.store.repos.host_keys import TrustOutcome


def _key(seed: int) -> HostKey:
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes([seed]) * 32
    return HostKey(key_type="ssh-ed25519", data=base64.b64encode(blob).decode())


def _record(
    session: Session, key: HostKey, replace: bool = False
) -> tuple[TrustOutcome, str | None]:
    return host_key_repo.record_key(
        session,
        tenant="acme",
        role="device",
        host="r1",
        address="[127.0.0.1]:2201",
        key=key,
        actor="ops",
        replace=replace,
    )


@pytest.mark.usefixtures("tenants")
def test_first_key_then_unchanged_mismatch_kept_and_replaced(session: Session) -> None:
    first, second = _key(1), _key(2)
    assert _record(session, first) == (TrustOutcome.new, None)
    assert _record(session, first) == (TrustOutcome.unchanged, first.fingerprint)
    assert _record(session, second) == (TrustOutcome.mismatch, first.fingerprint)
    assert host_key_repo.recorded(session, tenant="acme") == {("device", "r1"): first}
    assert _record(session, second, replace=True) == (TrustOutcome.replaced, first.fingerprint)
    [row] = host_key_repo.list_keys(session, tenant="acme")
    assert (row.fingerprint, row.trusted_by, row.public_key) == (
        second.fingerprint,
        "ops",
        second.line,
    )
    actions = [
        (e.action, e.detail.get("fingerprint"), e.detail.get("previous"))
        for e in audit_log_repo.list_entries(session, tenant="acme")
    ]
    assert actions == [
        ("host_key.replace", second.fingerprint, first.fingerprint),
        ("host_key.trust", first.fingerprint, None),
    ]


@pytest.mark.usefixtures("tenants")
def test_keys_reach_only_the_tenants_own_devices_and_their_jump_host(session: Session) -> None:
    _record(session, _key(1))
    host_key_repo.record_key(
        session,
        tenant="acme",
        role="jump_host",
        host="[192.0.2.9]:2222",
        address="[192.0.2.9]:2222",
        key=_key(3),
        actor="ops",
        replace=False,
    )
    bastion = JumpHost(hostname="192.0.2.9", port=2222, credential="jump")
    device = Device(
        name="r1",
        tenant="acme",
        hostname="127.0.0.1",
        port=2201,
        platform="cisco_ios",
        credential="c",
        jump_host=bastion,
    )
    acme = host_key_repo.with_trust(session, TenantInventory("acme", Path("."), {"r1": device}))
    trust = acme.devices["r1"].trust
    assert trust is not None and trust.device == _key(1) and trust.jump_host == _key(3)
    globex = TenantInventory(
        "globex", Path("."), {"r1": device.model_copy(update={"tenant": "globex"})}
    )
    foreign = host_key_repo.with_trust(session, globex).devices["r1"].trust
    assert foreign is not None and foreign.device is None and foreign.jump_host is None
