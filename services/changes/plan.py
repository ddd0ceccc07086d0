"""Plan a capacity change on one device: the commands, their rollback and the exact diff.

The device's current intent (inventory data plus the intent revisions of verified changes) is
rendered before and after the change's edits; the features whose rendering changed are the
affected ones. The change is the difference between those two renderings (hier_config
remediation on their sections; set configs: set-line comparison), applied to the running config:
lines already there are not sent again, and drift elsewhere in the same sections is not
pushed but listed as "left alone". The rollback undoes exactly what is pushed: the same
comparison from the predicted config back to the running one.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable

from hier_config import HConfig, HConfigChild
from pydantic import BaseModel, ConfigDict, Field

from services.changes.edits import edits_for
from services.changes.negation import keep_ports
from services.changes.requests import ChangeRequest, VlanHandoffChange
from services.compliance.compare import comparison_for
from services.compliance.future import future_config
from services.compliance.hier import driver_for, parse
from services.compliance.rules import FeatureCheck, MatchIntended
from services.compliance.set_lines import set_lines
from services.core.errors import ChangeValidationError
from services.intent.merge import apply_edits
from services.intent.model import IntentEdit
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.render import Renderer


class DevicePlan(BaseModel):
    """What a change does to one device, ready to review, push and undo."""

    model_config = ConfigDict(frozen=True)

    device: str
    platform: str
    features: list[str]
    # The config sections the plan may touch (indented configs: top-level lines; set configs:
    # statement paths).
    sections: list[str]
    commands: list[str]
    rollback: list[str]
    diff: str
    intended_hash: str
    running_hash: str
    future_hash: str
    # Lines of the same sections where the device differs from the intent, not pushed.
    left_alone: list[str] = Field(default_factory=list)
    # What the change sets in the device's intended data (an intent revision once verified).
    intent: list[IntentEdit] = Field(default_factory=list)
    # Remediation: each feature's commands on their own, for an approver who takes a subset.
    by_feature: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def noop(self) -> bool:
        return not self.commands


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apply_request(device: Device, request: ChangeRequest) -> Device:
    """The device as it will be after the change: its intended data with the change's edits."""
    return apply_edits(device, edits_for(request, device))


def affected_features(renderer: Renderer, before: Device, after: Device) -> list[str]:
    """Features whose rendered config differs, in base.j2 order."""
    return [
        feature
        for feature in renderer.features(before.platform)
        if renderer.render_feature(before, feature) != renderer.render_feature(after, feature)
    ]


# --- config sections of the affected features, per config syntax --------------------------


def _indented_sections(platform: str, texts: list[str]) -> set[str]:
    driver = driver_for(platform)
    return {child.text for text in texts for child in parse(driver, text).children}


def _set_parent(line: str) -> str:
    """The statement without its last value (a quoted value counts as one)."""
    if line.endswith('"') and ' "' in line:
        return line[: line.rindex(' "')]
    return line.rsplit(" ", 1)[0]


def _set_sections(platform: str, texts: list[str]) -> set[str]:
    return {_set_parent(line) for text in texts for line in set_lines(text)}


def _indented_lines(children: Iterable[HConfigChild]) -> list[str]:
    """Config lines of sections in the order given (multi-line entries such as banners split)."""
    nodes = (node for child in children for node in (child, *child.all_children()))
    return [line for node in nodes for line in node.cisco_style_text().split("\n")]


def _indented_text(platform: str, config: str) -> str:
    return "\n".join(_indented_lines(parse(driver_for(platform), config).children)) + "\n"


def _indented_future(
    platform: str, running: str, intended: str, sections: set[str], order: str | None = None
) -> str:
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
    placing = parse(driver, order) if order is not None else target
    for child in target.children:
        if child.text in sections and child.text not in present:
            kept.insert(_indented_place(kept, placing, child.text), child)
    return "\n".join(_indented_lines(kept)) + "\n"


def _indented_place(kept: list[HConfigChild], target: HConfig, text: str) -> int:
    """Where a new section goes: after the section the intent puts before it, else last."""
    order = [child.text for child in target.children]
    position = {child.text: index for index, child in enumerate(kept)}
    if text not in order:
        return len(kept)
    for previous in reversed(order[: order.index(text)]):
        if previous in position:
            return position[previous] + 1
    return len(kept)


def _indented_sections_of(platform: str, config: str) -> Counter[tuple[str, ...]]:
    """Top-level sections with their lines in order; the order of the sections themselves
    does not count (a device lists a re-created section last)."""
    tree = parse(driver_for(platform), config)
    return Counter(tuple(_indented_lines([child])) for child in tree.children)


def _indented_paths(platform: str, config: str) -> set[tuple[str, ...]]:
    return {tuple(node.path()) for node in parse(driver_for(platform), config).all_children()}


def _indented_order(commands: list[str]) -> list[str]:
    """Whole sections are removed last, once nothing refers to them any more."""
    removals = [c for c in commands if c.startswith("no ")]
    return [c for c in commands if not c.startswith("no ")] + removals


def _set_text(platform: str, config: str) -> str:
    return "\n".join(set_lines(config)) + "\n"


def _set_statements(platform: str, config: str) -> Counter[tuple[str, ...]]:
    """Set statements; their order is the device's display order, not configuration."""
    return Counter((line,) for line in set_lines(config))


def _set_paths(platform: str, config: str) -> set[tuple[str, ...]]:
    return {(line,) for line in set_lines(config)}


SECTIONS: dict[str, Callable[[str, list[str]], set[str]]] = {
    "indented": _indented_sections,
    "set": _set_sections,
}
SECTION_PATTERN: dict[str, Callable[[str], str]] = {
    "indented": lambda text: "^" + re.escape(text) + "$",
    "set": lambda path: "^" + re.escape(path) + "( |$)",
}
TEXT: dict[str, Callable[[str, str], str]] = {"indented": _indented_text, "set": _set_text}
PATHS: dict[str, Callable[[str, str], set[tuple[str, ...]]]] = {
    "indented": _indented_paths,
    "set": _set_paths,
}
CONTENT: dict[str, Callable[[str, str], Counter[tuple[str, ...]]]] = {
    "indented": _indented_sections_of,
    "set": _set_statements,
}
ORDER: dict[str, Callable[[list[str]], list[str]]] = {
    "indented": _indented_order,
    "set": lambda commands: commands,
}


def normalized(platform: str, config: str) -> str:
    """Config text as plans diff it: parsed and printed by netwave, in the device's order."""
    return TEXT[get_platform(platform).syntax](platform, config)


def config_diff(platform: str, device: str, running: str, future: str, after: str) -> str:
    """`running` to `future` as a unified diff of the normalized configs."""
    before, later = (normalized(platform, c).splitlines(keepends=True) for c in (running, future))
    return "".join(difflib.unified_diff(before, later, f"{device} running", f"{device} {after}"))


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
    commands = ORDER[get_platform(check.platform).syntax](result.remediation)
    if get_platform(check.platform).syntax == "indented":
        commands = keep_ports(check.platform, commands, running)
    return commands


def _indented_line_future(platform: str, running: str, commands: list[str]) -> str:
    """hier_config's future, without the `no ...` lines it keeps for what was already absent."""
    driver = driver_for(platform)
    current = parse(driver, running)
    future = current.future(parse(driver, "\n".join(commands)))
    present = {tuple(child.path()) for child in current.all_children()}
    for child in list(future.all_children()):
        if child.text.startswith("no ") and tuple(child.path()) not in present:
            child.delete()
    recreated = {c.removeprefix("no ") for c in commands if c.startswith("no ")}
    return "\n".join(_device_order(list(current.children), list(future.children), recreated)) + "\n"


def _value_key(text: str) -> str:
    """What a line sets, without its value: `bandwidth 200000` -> `bandwidth`."""
    return text.split(" ", 1)[0]


def _device_order(
    running: list[HConfigChild], future: list[HConfigChild], recreated: set[str]
) -> list[str]:
    """The future's lines in the device's order, for review: a kept line stays where it was,
    a new value takes the place of the one it replaced, and a new line follows its
    predecessor. A section the commands remove and create again keeps the future's order."""
    position = {child.text: index for index, child in enumerate(running)}
    kept = {child.text for child in future}
    replaced = {_value_key(c.text): index for index, c in enumerate(running) if c.text not in kept}
    ranked: list[tuple[float, int, HConfigChild]] = []
    rank = -1.0
    for order, child in enumerate(future):
        if child.text in position:
            rank = float(position[child.text])
        elif _value_key(child.text) in replaced:
            rank = replaced.pop(_value_key(child.text)) + 0.5
        else:
            rank += 0.001
        ranked.append((rank, order, child))
    lines: list[str] = []
    for _rank, _order, child in sorted(ranked, key=lambda item: (item[0], item[1])):
        was = next((c for c in running if c.text == child.text), None)
        if not child.children or was is None or child.text in recreated:
            lines += _indented_lines([child])
            continue
        lines.append(child.cisco_style_text())
        lines += _device_order(list(was.children), list(child.children), set())
    return lines


def predicted_future(
    platform: str, running: str, commands: list[str], intended: str | None = None
) -> str:
    """The running config the device shows once `commands` are pushed.

    Indented configs: each section the commands touch stays where the device lists it; a new
    one goes after the section that `intended` puts before it (a sub-interface after its port).
    """
    if get_platform(platform).syntax != "indented" or not commands:
        return future_config(platform, running, commands)
    future = _indented_line_future(platform, running, commands)
    touched = {c for c in commands if not c.startswith(" ")}
    touched |= {c.removeprefix("no ") for c in touched}
    return _indented_future(platform, running, future, touched, intended)


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
    """The commands that take `running` from the device's intent (`device`, base + revisions)
    to the intent with the change: only the lines the change itself alters."""
    platform = device.platform
    syntax = get_platform(platform).syntax
    edits = edits_for(request, device)
    changed = apply_edits(device, edits)
    features = affected_features(renderer, device, changed)
    before_intent = renderer.render_device(device)
    intended = renderer.render_device(changed)
    texts = [renderer.render_feature(d, f) for f in features for d in (device, changed)]
    sections = SECTIONS[syntax](platform, texts)
    if isinstance(request, VlanHandoffChange):
        _refuse_foreign_vlan(device, running, intended, request, renderer, changed)
    check = _check(platform, features, sections)
    delta = _remediation(check, before_intent, intended) if features else []
    future = predicted_future(platform, running, delta, intended) if delta else running
    commands = _remediation(check, running, future) if delta else []
    if not commands:
        future = running
    rollback = _remediation(check, future, running) if commands else []
    left_alone = _remediation(check, future, intended) if features else []
    return DevicePlan(
        device=device.name,
        platform=platform,
        features=features,
        sections=sorted(sections),
        commands=commands,
        rollback=rollback,
        diff=config_diff(platform, device.name, running, future, "after change"),
        intended_hash=sha256(intended),
        running_hash=sha256(get_platform(platform).strip_volatile(running)),
        future_hash=sha256(normalized(platform, future)),
        left_alone=left_alone,
        intent=edits,
    )


def restore_commands(plan: DevicePlan, running: str, backup: str) -> list[str]:
    """Commands that take the plan's sections of `running` back to `backup`.

    For a push that failed or was cut half-way: computed from what the device runs now, not
    from what the plan expected it to run.
    """
    check = _check(plan.platform, plan.features or ["restore"], set(plan.sections))
    return _remediation(check, running, backup) if plan.sections else []
