"""Plan a capacity change on one device: the commands, their rollback and the exact diff.

The change is applied to a copy of the device's inventory data and the golden templates are
rendered again; the features whose rendering changed are the affected ones. Their config
sections (IOS/EOS: the top-level sections those features render before and after; Junos: the
statements beside the rendered ones) are compared with the running config by the compliance
machinery (hier_config remediation, Junos set-line comparison). The rollback is the same
comparison in the other direction: predicted future config back to the running config.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from hier_config import HConfig, HConfigChild
from pydantic import BaseModel, ConfigDict

from services.changes.requests import (
    ChangeRequest,
    QosProfileChange,
    VlanHandoffChange,
    WanBandwidthChange,
    handoffs,
)
from services.compliance.compare import comparison_for
from services.compliance.future import future_config
from services.compliance.hier import driver_for, parse
from services.compliance.junos_set import set_lines
from services.compliance.rules import FeatureCheck, MatchIntended
from services.core.errors import ChangeValidationError
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.render import Renderer


class DevicePlan(BaseModel):
    """What a change does to one device, ready to review, push and undo."""

    model_config = ConfigDict(frozen=True)

    device: str
    platform: str
    features: list[str]
    # The config sections the plan may touch (IOS/EOS: top-level lines; Junos: statement paths).
    sections: list[str]
    commands: list[str]
    rollback: list[str]
    diff: str
    intended_hash: str
    running_hash: str
    future_hash: str

    @property
    def noop(self) -> bool:
        return not self.commands


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apply_request(device: Device, request: ChangeRequest) -> Device:
    """The device as it will be after the change: its inventory data with the change applied."""
    data: dict[str, Any] = dict(device.data)
    if isinstance(request, WanBandwidthChange):
        data["wan"] = {**(data.get("wan") or {}), "bandwidth_mbps": request.bandwidth_mbps}
    elif isinstance(request, QosProfileChange):
        data["qos_profile"] = request.profile
    elif isinstance(request, VlanHandoffChange):
        handoff: dict[str, Any] = {"vlan_id": request.vlan_id, "address": str(request.address)}
        if request.description:
            handoff["description"] = request.description
        data["vlan_handoffs"] = [*handoffs(device), handoff]
    return device.model_copy(update={"data": data})


def affected_features(renderer: Renderer, before: Device, after: Device) -> list[str]:
    """Features whose rendered config differs, in base.j2 order."""
    return [
        feature
        for feature in renderer.features(before.platform)
        if renderer.render_feature(before, feature) != renderer.render_feature(after, feature)
    ]


# --- config sections of the affected features, per config syntax --------------------------


def _ios_sections(platform: str, texts: list[str]) -> set[str]:
    driver = driver_for(platform)
    return {child.text for text in texts for child in parse(driver, text).children}


def _junos_parent(line: str) -> str:
    """The statement without its last value (a quoted value counts as one)."""
    if line.endswith('"') and ' "' in line:
        return line[: line.rindex(' "')]
    return line.rsplit(" ", 1)[0]


def _junos_sections(platform: str, texts: list[str]) -> set[str]:
    return {_junos_parent(line) for text in texts for line in set_lines(text)}


def _ios_lines(children: Iterable[HConfigChild]) -> list[str]:
    """Config lines of sections in the order given (multi-line entries such as banners split)."""
    nodes = (node for child in children for node in (child, *child.all_children()))
    return [line for node in nodes for line in node.cisco_style_text().split("\n")]


def _ios_text(platform: str, config: str) -> str:
    return "\n".join(_ios_lines(parse(driver_for(platform), config).children)) + "\n"


def _ios_future(platform: str, running: str, intended: str, sections: set[str]) -> str:
    """Running with each changed section replaced in place by its intended version.

    A new section goes after the section the intent puts before it (a sub-interface after its
    port); a section of the plan that the intent no longer has is gone.
    """
    driver = driver_for(platform)
    target = parse(driver, intended)
    kept: list[HConfigChild] = []
    for child in parse(driver, running).children:
        if child.text not in sections:
            kept.append(child)
        elif (wanted := target.get_child(equals=child.text)) is not None:
            kept.append(wanted)
    present = {child.text for child in kept}
    for child in target.children:
        if child.text in sections and child.text not in present:
            kept.insert(_ios_place(kept, target, child.text), child)
    return "\n".join(_ios_lines(kept)) + "\n"


def _ios_place(kept: list[HConfigChild], target: HConfig, text: str) -> int:
    """Where a new section goes: after the section the intent puts before it, else last."""
    order = [child.text for child in target.children]
    position = {child.text: index for index, child in enumerate(kept)}
    for previous in reversed(order[: order.index(text)]):
        if previous in position:
            return position[previous] + 1
    return len(kept)


def _ios_sections_of(platform: str, config: str) -> Counter[tuple[str, ...]]:
    """Top-level sections with their lines in order; the order of the sections themselves
    does not count (a device lists a re-created section last)."""
    tree = parse(driver_for(platform), config)
    return Counter(tuple(_ios_lines([child])) for child in tree.children)


def _ios_paths(platform: str, config: str) -> set[tuple[str, ...]]:
    return {tuple(node.path()) for node in parse(driver_for(platform), config).all_children()}


def _ios_order(commands: list[str]) -> list[str]:
    """Whole sections are removed last, once nothing refers to them any more."""
    removals = [c for c in commands if c.startswith("no ")]
    return [c for c in commands if not c.startswith("no ")] + removals


def _junos_text(platform: str, config: str) -> str:
    return "\n".join(set_lines(config)) + "\n"


def _junos_statements(platform: str, config: str) -> Counter[tuple[str, ...]]:
    """Junos statements; their order is the device's display order, not configuration."""
    return Counter((line,) for line in set_lines(config))


def _junos_paths(platform: str, config: str) -> set[tuple[str, ...]]:
    return {(line,) for line in set_lines(config)}


SECTIONS: dict[str, Callable[[str, list[str]], set[str]]] = {
    "ios": _ios_sections,
    "junos": _junos_sections,
}
SECTION_PATTERN: dict[str, Callable[[str], str]] = {
    "ios": lambda text: "^" + re.escape(text) + "$",
    "junos": lambda path: "^" + re.escape(path) + "( |$)",
}
TEXT: dict[str, Callable[[str, str], str]] = {"ios": _ios_text, "junos": _junos_text}
PATHS: dict[str, Callable[[str, str], set[tuple[str, ...]]]] = {
    "ios": _ios_paths,
    "junos": _junos_paths,
}
CONTENT: dict[str, Callable[[str, str], Counter[tuple[str, ...]]]] = {
    "ios": _ios_sections_of,
    "junos": _junos_statements,
}
# (platform, running, intended, sections, commands) -> predicted running config
FUTURE: dict[str, Callable[[str, str, str, set[str], list[str]], str]] = {
    # IOS/EOS: the changed sections as the intent has them, where the device lists them.
    "ios": lambda platform, running, intended, sections, _: _ios_future(
        platform, running, intended, sections
    ),
    # Junos: the statements after the commands, each beside its closest relative.
    "junos": lambda platform, running, _intended, _sections, commands: future_config(
        platform, running, commands
    ),
}
ORDER: dict[str, Callable[[list[str]], list[str]]] = {
    "ios": _ios_order,
    "junos": lambda commands: commands,
}


def normalized(platform: str, config: str) -> str:
    """Config text as plans diff it: parsed and printed by netwave, in the device's order."""
    return TEXT[get_platform(platform).syntax](platform, config)


def same_lines(platform: str, a: str, b: str) -> bool:
    """Same lines under the same parents, in any order (hier_config's future reorders)."""
    paths = PATHS[get_platform(platform).syntax]
    return paths(platform, a) == paths(platform, b)


def same_config(platform: str, a: str, b: str) -> bool:
    """Whether two configs say the same (volatile lines and the order of sections aside).

    Use it to check a rollback: the running config must be the backup taken before the change.
    """
    spec = get_platform(platform)
    content = CONTENT[spec.syntax]
    return content(platform, spec.strip_volatile(a)) == content(platform, spec.strip_volatile(b))


def _check(platform: str, features: list[str], sections: set[str]) -> FeatureCheck:
    pattern = SECTION_PATTERN[get_platform(platform).syntax]
    return FeatureCheck(
        feature="+".join(features),
        platform=platform,
        sections=tuple(re.compile(pattern(s)) for s in sorted(sections)),
        match_intended=MatchIntended(kind="match_intended"),
        required=(),
        forbidden=(),
    )


def _remediation(check: FeatureCheck, running: str, target: str) -> list[str]:
    result = comparison_for(check.platform, running, target).feature(check)
    return ORDER[get_platform(check.platform).syntax](result.remediation)


def predicted_future(
    platform: str, running: str, intended: str, sections: set[str], commands: list[str]
) -> str:
    """The running config the device shows once `commands` are pushed."""
    return FUTURE[get_platform(platform).syntax](platform, running, intended, sections, commands)


def _in_scope(platform: str, config: str, sections: set[str]) -> set[tuple[str, ...]]:
    pattern = SECTION_PATTERN[get_platform(platform).syntax]
    owned = [re.compile(pattern(s)) for s in sections]
    paths = PATHS[get_platform(platform).syntax](platform, config)
    return {p for p in paths if any(o.search(p[0]) for o in owned)}


def _refuse_foreign_vlan(
    device: Device,
    running: str,
    intended: str,
    request: VlanHandoffChange,
    renderer: Renderer,
    changed: Device,
) -> None:
    """A sub-interface the inventory does not know is someone else's: never take it over.

    Lines of an earlier, partial push of this same hand-off are fine (they are all wanted).
    """
    syntax = get_platform(device.platform).syntax
    own = SECTIONS[syntax](device.platform, [renderer.render_feature(changed, "vlan_handoffs")])
    before = SECTIONS[syntax](device.platform, [renderer.render_feature(device, "vlan_handoffs")])
    new = own - before
    foreign = _in_scope(device.platform, running, new) - _in_scope(device.platform, intended, new)
    if foreign:
        first = " / ".join(sorted(foreign)[0]).strip()
        raise ChangeValidationError(
            [
                (
                    "vlan_id",
                    f"VLAN {request.vlan_id} is already configured on {device.name} "
                    f"({first}) but not in the inventory",
                )
            ]
        )


def plan_change(
    device: Device, running: str, request: ChangeRequest, renderer: Renderer
) -> DevicePlan:
    """The commands that make the affected features of `running` match the changed intent."""
    platform = device.platform
    syntax = get_platform(platform).syntax
    changed = apply_request(device, request)
    features = affected_features(renderer, device, changed)
    intended = renderer.render_device(changed)
    texts = [renderer.render_feature(d, f) for f in features for d in (device, changed)]
    sections = SECTIONS[syntax](platform, texts)
    if isinstance(request, VlanHandoffChange):
        _refuse_foreign_vlan(device, running, intended, request, renderer, changed)
    check = _check(platform, features, sections)
    commands = _remediation(check, running, intended) if features else []
    future = predicted_future(platform, running, intended, sections, commands)
    rollback = _remediation(check, future, running) if commands else []
    before = normalized(platform, running)
    diff = difflib.unified_diff(
        before.splitlines(keepends=True),
        future.splitlines(keepends=True),
        fromfile=f"{device.name} running",
        tofile=f"{device.name} after change",
    )
    return DevicePlan(
        device=device.name,
        platform=platform,
        features=features,
        sections=sorted(sections),
        commands=commands,
        rollback=rollback,
        diff="".join(diff),
        intended_hash=sha256(intended),
        running_hash=sha256(get_platform(platform).strip_volatile(running)),
        future_hash=sha256(future),
    )


def restore_commands(plan: DevicePlan, running: str, backup: str) -> list[str]:
    """Commands that take the plan's sections of `running` back to `backup`.

    For a push that failed or was cut half-way: computed from what the device runs now, not
    from what the plan expected it to run.
    """
    check = _check(plan.platform, plan.features or ["restore"], set(plan.sections))
    return _remediation(check, running, backup) if plan.sections else []
