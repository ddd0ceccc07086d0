"""IOS and EOS configuration safety nets through the lab's SSH server with Netmiko: a
checkpoint in flash + `configure replace`, configuration sessions with `commit timer`."""

from __future__ import annotations

import re
import time

import pytest
from netmiko import BaseConnection
from netmiko.exceptions import ConfigInvalidException

from tests.unit.lab.conftest import ERRORS, EXEC, connect, send, timing
from tests.utils.lab import ThreadedLab

IOS, EOS = "acme-hq-r1", "acme-hq-r2"
# Lines of `show running-config` that change with the clock, not with the config.
VOLATILE = re.compile(
    r"^(Building configuration|Current configuration|! Last configuration|! NVRAM)"
)


def config_of(lab: ThreadedLab, name: str) -> list[str]:
    return [line for line in lab.running_config(name).splitlines() if not VOLATILE.match(line)]


# --- Cisco IOS: checkpoint in flash, configure replace ------------------------------------------


def test_ios_checkpoint_then_configure_replace_restores_exactly(lab: ThreadedLab) -> None:
    before = config_of(lab, IOS)
    with connect(lab, IOS) as conn:
        asked = timing(conn, "copy running-config flash:netwave-cp.cfg")
        assert "Destination filename [netwave-cp.cfg]?" in asked
        copied = timing(conn, "")
        assert re.search(r"^\d+ bytes copied in [\d.]+ secs \(\d+ bytes/sec\)", copied, re.M)
        assert "netwave-cp.cfg" in send(conn, "dir flash:netwave-cp.cfg")
        assert "netwave-cp.cfg" in send(conn, "dir flash:")
        conn.send_config_set(
            [
                "interface GigabitEthernet0/1",
                "description changed by the change",
                "no ip address",
                "ntp server 192.0.2.77",
                "no logging buffered",
            ],
            error_pattern=ERRORS,
        )
        assert config_of(lab, IOS) != before
        out = send(conn, "configure replace flash:netwave-cp.cfg force")
        assert "Total number of passes: 1" in out and "Rollback Done" in out
        assert "%" not in out
        assert config_of(lab, IOS) == before
        again = send(conn, "configure replace flash:netwave-cp.cfg force")
        assert "Total number of passes: 0" in again and "Rollback Done" in again
        assert send(conn, "delete /force flash:netwave-cp.cfg").strip() == ""
        assert "No such file" in send(conn, "dir flash:netwave-cp.cfg")
    record = lab.record(IOS)
    assert record.safety_net_count("checkpoint", "flash:netwave-cp.cfg") == 1
    assert record.safety_net_count("replace") == 2
    assert config_of(lab, IOS) == before


def test_ios_copy_answered_with_expect_string_and_overwrite_confirm(lab: ThreadedLab) -> None:
    with connect(lab, IOS) as conn:
        out = send(conn, "copy running-config flash:cp2.cfg", r"Destination filename")
        out += send(conn, "", EXEC)
        assert "bytes copied" in out
        size = int(re.findall(r"(\d+) bytes copied", out)[0])
        listing = send(conn, "dir flash:cp2.cfg")
        assert re.search(rf"-rw-\s+{size}\s+.*cp2\.cfg", listing)
        again = timing(conn, "copy running-config flash:cp2.cfg")
        again += timing(conn, "")
        assert "Do you want to over write? [confirm]" in again
        again += timing(conn, "")
        assert again.count("bytes copied") == 1
        shown = send(conn, "more flash:cp2.cfg")
        assert "hostname acme-hq-r1" in shown and shown.rstrip().endswith("end")


def test_ios_configure_replace_without_force_asks(lab: ThreadedLab) -> None:
    with connect(lab, IOS) as conn:
        timing(conn, "copy running-config flash:cp3.cfg")
        timing(conn, "")
        conn.send_config_set(["ntp server 192.0.2.78"])
        question = timing(conn, "configure replace flash:cp3.cfg")
        assert "Enter Y if you are sure you want to proceed. ? [no]:" in question
        assert "This will apply all necessary additions and deletions" in question
        timing(conn, "no")
        assert "ntp server 192.0.2.78" in lab.running_config(IOS)
        timing(conn, "configure replace flash:cp3.cfg")
        done = timing(conn, "y")
        assert "Rollback Done" in done
    assert "ntp server 192.0.2.78" not in lab.running_config(IOS)
    assert lab.record(IOS).safety_net_count("replace") == 1


def test_ios_configure_replace_of_a_missing_file_changes_nothing(lab: ThreadedLab) -> None:
    with connect(lab, IOS) as conn:
        conn.send_config_set(["ntp server 192.0.2.79"])
        before = config_of(lab, IOS)
        out = send(conn, "configure replace flash:nowhere.cfg force")
        image = send(conn, "configure replace flash:pnp-tech-time force")
    assert out.strip() == "%Error opening flash:nowhere.cfg (No such file or directory)"
    assert "not a valid config file" in image
    assert config_of(lab, IOS) == before
    steps = lab.record(IOS).safety_nets
    assert [(s.action, s.ok) for s in steps] == [("replace", False), ("replace", False)]


# --- Arista EOS: configuration sessions with a commit timer -------------------------------------


def _session(conn: BaseConnection, name: str, lines: list[str]) -> str:
    out = send(conn, f"configure session {name}", r"\)#\s*$")
    return out + conn.send_config_set(lines, exit_config_mode=False, error_pattern=ERRORS)


def test_eos_commit_timer_then_abort_restores(lab: ThreadedLab) -> None:
    before = lab.running_config(EOS)
    with connect(lab, EOS) as conn:
        out = _session(conn, "netwave-c1", ["interface Ethernet2", "description via session"])
        assert "acme-hq-r2(config-s-netwav-if-Et2)#" in out
        assert lab.running_config(EOS) == before  # nothing applied while typing
        diffs = send(conn, "show session-config diffs", r"\)#\s*$")
        assert "--- system:/running-config" in diffs
        assert "+   description via session" in diffs
        committed = send(conn, "commit timer 00:05:00", EXEC)
        assert "%" not in committed
        assert conn.find_prompt() == "acme-hq-r2#"
        assert "description via session" in lab.running_config(EOS)
        assert 290 < lab.pending_confirms(EOS)["netwave-c1"] <= 300
        sessions = send(conn, "show configuration sessions")
        assert re.search(r"^\s+netwave-c1\s+pending-commit-timer\s+netwave", sessions, re.M)
        assert "Session with pending commit timer: netwave-c1" in send(
            conn, "show configuration sessions detail"
        )
        aborted = send(conn, "configure session netwave-c1 abort", EXEC)
        assert aborted.strip() == ""
        assert "netwave-c1" not in send(conn, "show configuration sessions")
    assert lab.running_config(EOS) == before
    assert lab.pending_confirms(EOS) == {}
    record = lab.record(EOS)
    assert record.safety_net_count("commit_timer", "netwave-c1") == 1
    assert record.safety_net_count("abort", "netwave-c1") == 1
    assert record.config_sessions[0].name == "netwave-c1"


def test_eos_commit_timer_confirmed_keeps_and_expiry_restores(lab: ThreadedLab) -> None:
    with connect(lab, EOS) as conn:
        _session(conn, "keep", ["ntp server 192.0.2.81"])
        send(conn, "commit timer 00:10:00", EXEC)
        confirmed = send(conn, "configure session keep commit", EXEC)
        assert confirmed.strip() == ""
        assert lab.pending_confirms(EOS) == {}
        assert re.search(r"^\s+keep\s+completed", send(conn, "show configuration sessions"), re.M)
        kept = lab.running_config(EOS)
        assert "ntp server 192.0.2.81" in kept
        _session(conn, "lost", ["ntp server 192.0.2.82"])
        send(conn, "commit timer 01:00:00", EXEC)
        assert "ntp server 192.0.2.82" in lab.running_config(EOS)
        assert lab.expire_confirm_timers(EOS) == ["lost"]
        assert lab.running_config(EOS) == kept
        late = send(conn, "configure session lost commit", EXEC)
        assert late.strip() == "% Session lost does not exist"
    assert lab.expire_confirm_timers(EOS) == []
    record = lab.record(EOS)
    assert record.safety_net_count("confirm", "keep") == 1
    assert record.safety_net_count("expire", "lost") == 1


def test_eos_plain_commit_and_a_session_left_pending(lab: ThreadedLab) -> None:
    with connect(lab, EOS) as conn:
        _session(conn, "plain", ["ntp server 192.0.2.83"])
        assert send(conn, "commit", EXEC).strip() == ""
        assert "ntp server 192.0.2.83" in lab.running_config(EOS)
        _session(conn, "later", ["ntp server 192.0.2.84"])
        send(conn, "end", EXEC)
        listing = send(conn, "show configuration sessions")
        assert re.search(r"^\s+later\s+pending\s", listing, re.M)
        assert "ntp server 192.0.2.84" not in lab.running_config(EOS)
        send(conn, "configure session later commit", EXEC)
    assert "ntp server 192.0.2.84" in lab.running_config(EOS)
    assert lab.record(EOS).safety_net_count("session_commit") == 2


def test_eos_session_refused_half_way_then_abort_leaves_running(lab: ThreadedLab) -> None:
    before = lab.running_config(EOS)
    lines = ["interface Ethernet2", "description half way", "frobnicate now", "mtu 9000"]
    with connect(lab, EOS) as conn:
        with pytest.raises(ConfigInvalidException, match="Invalid input"):
            _session(conn, "netwave-bad", lines)
        assert "(config-s-netwav-if-Et2)#" in conn.find_prompt()
        assert send(conn, "abort", EXEC).strip() == ""
        assert conn.find_prompt() == "acme-hq-r2#"
        assert "netwave-bad" not in send(conn, "show configuration sessions")
    assert lab.running_config(EOS) == before
    record = lab.record(EOS)
    assert record.rejected_lines == ["frobnicate now"]
    assert record.safety_net_count("abort", "netwave-bad") == 1


def test_eos_unknown_session_is_refused(lab: ThreadedLab) -> None:
    with connect(lab, EOS) as conn:
        commit = send(conn, "configure session ghost commit", EXEC)
        abort = send(conn, "configure session ghost abort", EXEC)
        outside = conn.send_config_set(["commit"])
    assert commit.strip() == "% Session ghost does not exist"
    assert abort.strip() == "% Session ghost does not exist"
    assert "% Invalid input" in outside  # `commit` means nothing in configure terminal
    assert [(s.action, s.ok) for s in lab.record(EOS).safety_nets] == [
        ("confirm", False),
        ("abort", False),
    ]


def test_eos_commit_timer_runs_out_by_itself(lab: ThreadedLab) -> None:
    """A one-second timer is one second of real time at the default timings."""
    before = lab.running_config(EOS)
    with connect(lab, EOS) as conn:
        _session(conn, "short", ["ntp server 192.0.2.85"])
        send(conn, "commit timer 00:00:01", EXEC)
        assert "ntp server 192.0.2.85" in lab.running_config(EOS)
    deadline = time.monotonic() + 10
    while lab.running_config(EOS) != before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lab.running_config(EOS) == before
    assert lab.record(EOS).safety_net_count("expire", "short") == 1
