"""Point a validation error at its YAML source line, using the marks of yaml.compose nodes."""

from __future__ import annotations

from collections.abc import Sequence

import yaml

Loc = Sequence[str | int]


def locate(root: yaml.Node | None, loc: Loc) -> tuple[int, str]:
    """The 1-based line and the dotted field name (`features.ntp.rules[0].lines`) of a loc.

    Parts of a pydantic loc that name no YAML node are union tags (skipped) or, at the end,
    a missing field (kept in the name, reported on its parent's line).
    """
    node = root
    line = root.start_mark.line + 1 if root is not None else 1
    name = ""
    for index, part in enumerate(loc):
        child, child_line = _child(node, part)
        if child is None:
            if index == len(loc) - 1 and not str(part).startswith("["):
                name = _join(name, part)
            continue
        node, line, name = child, child_line, _join(name, part)
    return line, name or "(file)"


def _child(node: yaml.Node | None, part: str | int) -> tuple[yaml.Node | None, int]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == str(part):
                return value, key.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item.start_mark.line + 1
    return None, 0


def _join(name: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{name}[{part}]"
    return f"{name}.{part}" if name else str(part)
