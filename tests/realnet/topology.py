"""The realnet topology (routers, links, addresses) and the netwave inventory that describes it.

Three FRR routers in a triangle, one eBGP session per link. Every address lives only inside
the routers' network namespaces, except the root side of each management link (10.255.N.1/30).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.compliance.rules import RULE_FILE
from tests.utils.lab import closed_window

REPO = Path(__file__).resolve().parents[2]

PREFIX = "nwrt-"  # every namespace, veth and FRR pathspace of the realnet starts with it
TENANT = "realnet"
CREDENTIAL = "realnet-frr"
KEY_CREDENTIAL = "realnet-frr-key"  # the same login by SSH key alone
USERNAME = "netwave"
SITE_OF_CHANGE = "site1"


@dataclass(frozen=True)
class Router:
    name: str  # device name, host name (the vtysh prompt) and inventory key
    index: int
    asn: int

    @property
    def netns(self) -> str:
        """Network namespace and FRR pathspace (`-N`) of the router."""
        return f"{PREFIX}{self.name}"

    @property
    def mgmt_address(self) -> str:
        """Where sshd listens, inside the router's namespace."""
        return f"10.255.{self.index}.2"

    @property
    def mgmt_root_address(self) -> str:
        return f"10.255.{self.index}.1"

    @property
    def mgmt_root_veth(self) -> str:
        return f"{PREFIX}{self.name}m"  # at most 15 characters: a Linux interface name

    @property
    def lan(self) -> str:
        return f"172.16.{self.index}.1/24"


@dataclass(frozen=True)
class Link:
    """A routed /30 between two routers: `a` gets .1, `b` gets .2."""

    index: int
    a: str
    a_interface: str
    b: str
    b_interface: str

    def address(self, router: str) -> str:
        return f"10.0.{self.index}.{1 if router == self.a else 2}/30"

    def interface(self, router: str) -> str:
        return self.a_interface if router == self.a else self.b_interface

    def peer(self, router: str) -> str:
        return self.b if router == self.a else self.a


ROUTERS = (Router("rt1", 1, 65101), Router("rt2", 2, 65102), Router("rt3", 3, 65103))
# eth1 of every router is its WAN (the link a capacity change re-rates); eth2 a second link.
LINKS = (
    Link(1, "rt1", "eth1", "rt2", "eth1"),
    Link(2, "rt2", "eth2", "rt3", "eth1"),
    Link(3, "rt3", "eth2", "rt1", "eth2"),
)
WAN_INTERFACE = "eth1"
WAN_MBPS = 100


def router(name: str) -> Router:
    return next(r for r in ROUTERS if r.name == name)


def links_of(name: str) -> list[Link]:
    return sorted(
        (link for link in LINKS if name in (link.a, link.b)), key=lambda k: k.interface(name)
    )


def host_data(r: Router) -> dict[str, Any]:
    """The inventory data of one router: what templates/frr renders its config from."""
    wan, *others = links_of(r.name)

    def described(link: Link) -> dict[str, Any]:
        return {
            "interface": link.interface(r.name),
            "address": link.address(r.name),
            "description": f"link to {link.peer(r.name)}",
        }

    neighbors = [
        {
            "ip": link.address(link.peer(r.name)).split("/")[0],
            "remote_as": router(link.peer(r.name)).asn,
            "description": link.peer(r.name),
        }
        for link in (wan, *others)
    ]
    return {
        "site": f"site{r.index}",
        "asn": r.asn,
        "router_id": f"192.168.255.{r.index}",
        "wan": {**described(wan), "bandwidth_mbps": WAN_MBPS},
        "links": [described(link) for link in others],
        "lan": {"interface": "lan0", "address": r.lan, "description": f"LAN site{r.index}"},
        "bgp_neighbors": neighbors,
        "static_routes": [{"prefix": f"203.0.113.{16 * r.index}/28", "next_hop": "Null0"}],
    }


CONTRACT = {
    "contract": {"default_max_wan_mbps": 10_000, "qos_profiles": ["standard"]},
    "approval": {"auto_approve_within_contract": True, "expire_after_hours": 72},
    "windows": [closed_window()],  # never open during a test: changes wait for an override
}


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def write_inventory(root: Path) -> Path:
    """inventories/realnet/ (hosts, groups, defaults, contract); returns the inventories root."""
    tenant = root / TENANT
    tenant.mkdir(parents=True, exist_ok=True)
    hosts = {
        r.name: {
            "hostname": r.mgmt_address,
            "port": 22,
            "platform": "frr",
            "groups": ["edge"],
            "data": host_data(r),
        }
        for r in ROUTERS
    }
    _dump(tenant / "hosts.yaml", hosts)
    _dump(tenant / "groups.yaml", {"edge": {"data": {"role": "edge"}}})
    # FRR has no QoS templates; the contract still names the profile every site uses.
    qos = {"qos_profile": "standard", "qos_profiles": {"standard": {"classes": []}}}
    _dump(tenant / "defaults.yaml", {"data": {"credential": CREDENTIAL, **qos}})
    _dump(tenant / "tenant.yaml", CONTRACT)
    # The fleet's default compliance rules sit beside the tenant folders, as in inventories/.
    shutil.copyfile(REPO / "inventories" / RULE_FILE, root / RULE_FILE)
    return root


def write_secrets(path: Path, password: str, key_file: Path | None = None) -> Path:
    """The file provider's credentials file (mode 600) with the routers' login: by password
    (CREDENTIAL) and, given a key file, by SSH key alone (KEY_CREDENTIAL)."""
    credentials: dict[str, dict[str, str]] = {
        CREDENTIAL: {"username": USERNAME, "password": password}
    }
    if key_file is not None:
        credentials[KEY_CREDENTIAL] = {"username": USERNAME, "private_key_file": str(key_file)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump({"credentials": credentials}, fh)
    return path
