"""Operational state follows the documented rules: shut interfaces, reloads, counters, routes."""

from __future__ import annotations

import re
import time

from services.lab.device import LabTimings
from tests.conftest import REPO
from tests.integration.lab.conftest import DEVICES, connect
from tests.utils.lab import ThreadedLab
from tests.utils.lab_fixtures import LabFactory

IOS = DEVICES["cisco_ios"]


def _bgp_state(output: str, neighbor: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith(neighbor))
    return line.split()[-1]


def test_shutting_the_wan_interface_drops_its_bgp_neighbour(lab: ThreadedLab) -> None:
    time.sleep(lab.device(IOS).timings.bgp_establish_seconds)
    with connect(lab, IOS) as conn:
        assert _bgp_state(conn.send_command("show ip bgp summary"), "198.51.100.2").isdigit()
        conn.send_config_set(["interface GigabitEthernet0/0", "shutdown"])
        brief = conn.send_command("show ip interface brief")
        assert re.search(r"GigabitEthernet0/0 .* administratively down\s+down", brief)
        assert _bgp_state(conn.send_command("show ip bgp summary"), "198.51.100.2") == "Active"
        routes = conn.send_command("show ip route summary")
        assert re.search(r"^bgp 65001\s+0\s", routes, re.M)
        conn.send_config_set(["interface GigabitEthernet0/0", "no shutdown"])
        assert _bgp_state(conn.send_command("show ip bgp summary"), "198.51.100.2").isdigit()


def test_neighbour_shutdown_is_idle_admin(lab: ThreadedLab) -> None:
    time.sleep(lab.device(IOS).timings.bgp_establish_seconds)
    with connect(lab, IOS) as conn:
        conn.send_config_set(["router bgp 65001", "neighbor 198.51.100.2 shutdown"])
        line = next(
            x
            for x in conn.send_command("show ip bgp summary").splitlines()
            if x.startswith("198.51.100.2")
        )
        assert line.endswith("Idle (Admin)")


def test_reload_brings_neighbours_back_after_a_delay(lab_factory: LabFactory) -> None:
    # Its own lab, whose BGP takes 3 s after a boot: the session shows Active first however
    # slow the login is under load (the shared lab's 0.3 s left tens of ms of margin).
    slow_bgp = LabTimings(reload_seconds=1.0, copy_seconds=0.2, bgp_establish_seconds=3.0)
    lab = lab_factory(inventories=REPO / "inventories", timings=slow_bgp)
    name = DEVICES["juniper_junos"]
    lab.reload(name)
    lab.wait_until_up(name)
    with connect(lab, name) as conn:
        assert "Active" in conn.send_command("show bgp summary")
        time.sleep(lab.device(name).timings.bgp_establish_seconds)
        summary = conn.send_command("show bgp summary")
        assert "Establ" in summary
        assert re.search(r"inet\.0: (\d+)/\1/\1/0", summary)


def test_counters_grow_and_clear(lab: ThreadedLab) -> None:
    name = DEVICES["arista_eos"]

    def packets(text: str) -> int:
        return int(re.search(r"(\d+) packets input", text).group(1))  # type: ignore[union-attr]

    with connect(lab, name) as conn:
        first = packets(conn.send_command("show interfaces Ethernet1"))
        time.sleep(0.3)
        second = packets(conn.send_command("show interfaces Ethernet1"))
        assert second > first
        conn.send_command("clear counters")
        assert packets(conn.send_command("show interfaces Ethernet1")) < second


def test_snapshot_matches_what_the_cli_shows(lab: ThreadedLab) -> None:
    time.sleep(lab.device(IOS).timings.bgp_establish_seconds)
    snap = lab.snapshot(IOS)
    assert snap.routes.bgp == sum(n.prefixes for n in snap.neighbors)
    with connect(lab, IOS) as conn:
        summary = conn.send_command("show ip bgp summary")
    assert _bgp_state(summary, "198.51.100.2") == str(snap.neighbors[0].prefixes)
