"""Each platform's safety net on the lab: a tagged change is live but not kept until confirmed,
the NOS takes it back on request (or by its own timer), and a line refused half-way leaves
nothing behind that the net cannot undo."""

from __future__ import annotations

import pytest

from services.changes.plan import plan_change, same_config
from services.changes.requests import WanBandwidthChange
from services.core.secrets import Credential
from services.network.inventory import Device
from services.network.push import fetch_running, push_config, save_running, undo_change
from services.network.push_driver import PushError
from services.network.render import renderer_for
from services.network.safety import tag_for
from tests.integration.changes.conftest import EDGES, TEMPLATES, TIMEOUT, EdgeFactory
from tests.utils.lab import ThreadedLab

TAG = tag_for("ch-7f3a")
REFUSED = {
    "cisco_ios": "bandwidth fast",
    "arista_eos": "frobnicate now",
    "juniper_junos": "set protocols frobnicate",
}
UNDO = {
    "cisco_ios": f"configure replace flash:{TAG}.cfg force",
    "arista_eos": f"configure session {TAG} abort",
    "juniper_junos": "rollback 1; commit",
}


def _change(
    edge: EdgeFactory, platform: str, mbps: int = 150
) -> tuple[str, Device, Credential, str, list[str]]:
    name, device, credential = edge(platform)
    backup = fetch_running(device, credential, timeout=TIMEOUT)
    request = WanBandwidthChange(site=str(device.site), bandwidth_mbps=mbps)
    plan = plan_change(device, backup, request, renderer_for(TEMPLATES))
    assert plan.commands
    return name, device, credential, backup, plan.commands


def _checkpoints(lab: ThreadedLab, name: str) -> list[str]:
    return sorted(f for f in lab.device(name).state.flash.files if f.startswith("netwave-"))


@pytest.mark.parametrize("platform", sorted(EDGES))
def test_a_tagged_change_is_live_but_kept_only_once_confirmed(
    edge: EdgeFactory, lab: ThreadedLab, platform: str
) -> None:
    name, device, credential, backup, commands = _change(edge, platform)
    startup = lab.device(name).state.startup.copy()
    pushed = push_config(device, credential, commands, save=False, timeout=TIMEOUT, tag=TAG)
    assert pushed.ok and not pushed.saved, pushed
    assert not same_config(platform, fetch_running(device, credential, timeout=TIMEOUT), backup)
    if platform == "cisco_ios":
        assert _checkpoints(lab, name) == [f"{TAG}.cfg"]
    else:  # the device would take it back by itself
        assert lab.pending_confirms(name), lab.pending_confirms(name)
    if platform != "juniper_junos":  # a Junos commit is its save; confirmed, it stays
        assert lab.device(name).state.startup == startup

    kept = save_running(device, credential, timeout=TIMEOUT, tag=TAG)
    assert kept.ok and kept.saved, kept
    assert lab.pending_confirms(name) == {}
    assert _checkpoints(lab, name) == []
    assert not lab.device(name).unsaved
    assert not same_config(platform, fetch_running(device, credential, timeout=TIMEOUT), backup)
    assert undo_change(device, credential, TAG, timeout=TIMEOUT) is None  # nothing to take back


@pytest.mark.parametrize("platform", sorted(EDGES))
def test_the_nos_takes_the_change_back_exactly(
    edge: EdgeFactory, lab: ThreadedLab, platform: str
) -> None:
    name, device, credential, backup, commands = _change(edge, platform)
    startup = lab.device(name).state.startup.copy()
    assert push_config(device, credential, commands, save=False, timeout=TIMEOUT, tag=TAG).ok
    assert undo_change(device, credential, TAG, timeout=TIMEOUT) == UNDO[platform]
    restored = fetch_running(device, credential, timeout=TIMEOUT)
    assert same_config(platform, restored, backup)
    assert lab.pending_confirms(name) == {} and _checkpoints(lab, name) == []
    if platform != "juniper_junos":
        assert lab.device(name).state.startup == startup
    # Again (a retried rollback): nothing left to take back.
    assert undo_change(device, credential, TAG, timeout=TIMEOUT) is None


@pytest.mark.parametrize("platform", sorted(EDGES))
def test_a_line_refused_half_way_is_undone_by_the_net(
    edge: EdgeFactory, lab: ThreadedLab, platform: str
) -> None:
    name, device, credential, backup, commands = _change(edge, platform)
    lines = [*commands, REFUSED[platform]]
    result = push_config(device, credential, lines, save=False, timeout=TIMEOUT, tag=TAG)
    assert not result.ok and result.error_kind is PushError.rejected, result
    assert result.pushed == len(commands)
    running = fetch_running(device, credential, timeout=TIMEOUT)
    if platform == "cisco_ios":  # lines apply as typed: the checkpoint takes them back
        assert result.applied and not same_config(platform, running, backup)
        assert undo_change(device, credential, TAG, timeout=TIMEOUT) == UNDO[platform]
        running = fetch_running(device, credential, timeout=TIMEOUT)
        assert lab.record(name).safety_net_count("replace") == 1
    else:  # typed into a session or candidate: nothing reached the running config
        assert not result.applied
        assert undo_change(device, credential, TAG, timeout=TIMEOUT) is None
    assert same_config(platform, running, backup)
    assert lab.pending_confirms(name) == {} and _checkpoints(lab, name) == []


@pytest.mark.parametrize("platform", ["arista_eos", "juniper_junos"])
def test_an_unconfirmed_change_goes_back_by_the_device_timer(
    edge: EdgeFactory, lab: ThreadedLab, platform: str
) -> None:
    name, device, credential, backup, commands = _change(edge, platform)
    assert push_config(device, credential, commands, save=False, timeout=TIMEOUT, tag=TAG).ok
    assert lab.expire_confirm_timers(name)  # netwave never came back to confirm
    assert same_config(platform, fetch_running(device, credential, timeout=TIMEOUT), backup)
    late = save_running(device, credential, timeout=TIMEOUT, tag=TAG)
    assert not late.ok and late.error_kind is PushError.commit_failed, late
    assert late.error is not None and "could not confirm" in late.error
    assert same_config(platform, fetch_running(device, credential, timeout=TIMEOUT), backup)
    assert undo_change(device, credential, TAG, timeout=TIMEOUT) is None


def test_an_earlier_attempts_checkpoint_is_kept(edge: EdgeFactory, lab: ThreadedLab) -> None:
    """A push retried after a crash half-way must not checkpoint the half-changed config."""
    name, device, credential, backup, commands = _change(edge, "cisco_ios")
    first = push_config(
        device,
        credential,
        [*commands[:1], REFUSED["cisco_ios"]],
        save=False,
        timeout=TIMEOUT,
        tag=TAG,
    )
    assert not first.ok and first.applied
    again = push_config(device, credential, commands, save=False, timeout=TIMEOUT, tag=TAG)
    assert again.ok
    assert lab.record(name).safety_net_count("checkpoint") == 1
    assert undo_change(device, credential, TAG, timeout=TIMEOUT) == UNDO["cisco_ios"]
    assert same_config("cisco_ios", fetch_running(device, credential, timeout=TIMEOUT), backup)
