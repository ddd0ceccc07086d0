"""Seeded drift: turn a device's intended config into a drifted running config.

Inventories seed drift per device under `data.lab.drift: {add: [...], remove: [...]}`, lines in
the platform's syntax. An IOS/EOS entry may be an indented snippet (`interface Ethernet1\\n
shape rate 100000`): parents are matched exactly, the last line removes every line it starts
(whole words). An added line takes the place of the line removed beside it, else goes last.
Junos entries are `set` lines: remove deletes the statement and all below it. The lab and the
tests share this one implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.compliance.junos_set import apply_commands, set_lines
from services.core.errors import InventoryError
from services.network.inventory import Device
from services.network.platforms import get_platform


class Drift(BaseModel):
    """Lines to add to and remove from the intended config."""

    model_config = ConfigDict(extra="forbid")

    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


def device_drift(device: Device) -> Drift:
    """The drift seeded for a device in its inventory (`data.lab.drift`), empty if none."""
    lab = device.data.get("lab") or {}
    raw = lab.get("drift") if isinstance(lab, dict) else None
    try:
        return Drift.model_validate(raw or {})
    except ValidationError as exc:
        raise InventoryError(f"{device.tenant}/{device.name}: data.lab.drift: {exc}") from None


@dataclass
class Block:
    """A config line with the lines under it; a banner is one block of several lines."""

    lines: list[str]
    indent: int
    children: list[Block] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.lines[0].strip()


def _banner_end(first: str) -> Callable[[str], bool]:
    words = first.split(maxsplit=2)
    if len(words) < 3:  # EOS: `banner motd`, text, `EOF`
        return lambda line: line.strip() == "EOF"
    delimiter = words[2][:2] if words[2].startswith("^") else words[2][:1]
    return lambda line: delimiter in line


def parse_blocks(text: str) -> Block:
    """Indented config text as a tree of blocks (banners kept whole)."""
    root = Block([""], -1)
    stack = [root]
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip()
        i += 1
        indent = len(raw) - len(raw.lstrip(" "))
        block = Block([raw], indent)
        stripped = raw.strip()
        if indent == 0 and stripped.startswith("banner "):
            ends = _banner_end(stripped)
            words = stripped.split(maxsplit=2)
            closed = len(words) == 3 and words[2].count(words[2][:2]) >= 2
            while not closed and i < len(lines):
                block.lines.append(lines[i].rstrip())
                i += 1
                closed = ends(block.lines[-1])
        while stack[-1].indent >= indent:
            stack.pop()
        stack[-1].children.append(block)
        stack.append(block)
    return root


def render_blocks(root: Block) -> str:
    out: list[str] = []

    def visit(block: Block) -> None:
        out.extend(block.lines)
        for child in block.children:
            visit(child)

    for child in root.children:
        visit(child)
    return "\n".join(out) + "\n"


def _starts(line: str, prefix: str) -> bool:
    return line == prefix or line.startswith(prefix + " ")


def _indent_unit(root: Block) -> int:
    units = [c.indent for top in root.children for c in top.children if c.indent > 0]
    return min(units, default=1)


def _leaf_paths(block: Block, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not block.children:
        return [path]
    return [p for child in block.children for p in _leaf_paths(child, (*path, child.key))]


class _Editor:
    """Removes and adds snippet lines, remembering where removed lines were."""

    def __init__(self, root: Block) -> None:
        self.root = root
        self.unit = _indent_unit(root)
        self.holes: dict[int, int] = {}  # id(parent) -> index of the last removed line

    def _find(self, path: tuple[str, ...]) -> Block | None:
        node = self.root
        for key in path:
            found = next((c for c in node.children if c.key == key), None)
            if found is None:
                return None
            node = found
        return node

    def remove(self, snippet: Block) -> None:
        for path in _leaf_paths(snippet):
            parent = self._find(path[:-1])
            if parent is None:
                continue
            for index in range(len(parent.children) - 1, -1, -1):
                if _starts(parent.children[index].key, path[-1]):
                    del parent.children[index]
                    self.holes[id(parent)] = index

    def add(self, snippet: Block, parent: Block | None = None, depth: int = 0) -> None:
        parent = parent or self.root
        for node in snippet.children:
            existing = next((c for c in parent.children if c.key == node.key), None)
            if existing is not None:
                self.add(node, existing, depth + 1)
                continue
            new = self._reindent(node, depth)
            index = self.holes.get(id(parent))
            if index is None:
                index = len(parent.children)
                if parent is self.root and parent.children and parent.children[-1].key == "end":
                    index -= 1
            parent.children.insert(index, new)
            if id(parent) in self.holes:
                self.holes[id(parent)] = index + 1

    def _reindent(self, node: Block, depth: int) -> Block:
        indent = depth * self.unit
        head = " " * indent + node.key
        lines = [head, *node.lines[1:]]
        return Block(lines, indent, [self._reindent(c, depth + 1) for c in node.children])


def _apply_ios_style(text: str, drift: Drift) -> str:
    editor = _Editor(parse_blocks(text))
    for entry in drift.remove:
        editor.remove(parse_blocks(entry))
    for entry in drift.add:
        editor.add(parse_blocks(entry))
    return render_blocks(editor.root)


def _apply_junos(text: str, drift: Drift) -> str:
    commands = ["delete " + line.strip().removeprefix("set ") for line in drift.remove]
    commands += ["set " + line.strip().removeprefix("set ") for line in drift.add]
    return "\n".join(apply_commands(set_lines(text), commands)) + "\n"


APPLY_BY_SYNTAX: dict[str, Callable[[str, Drift], str]] = {
    "ios": _apply_ios_style,
    "junos": _apply_junos,
}


def apply_drift(platform: str, intended: str, drift: Drift | Mapping[str, Any] | None) -> str:
    """The running config a device has when `drift` is applied to its intended config."""
    if drift is None:
        return intended
    if not isinstance(drift, Drift):
        drift = Drift.model_validate(dict(drift))
    return APPLY_BY_SYNTAX[get_platform(platform).syntax](intended, drift)
