"""Data paths into a device's inventory data: `wan.bandwidth_mbps`, `vlan_handoffs[vlan_id=300]`.

A path is dotted keys; a key may select one element of a list of mappings by the value of one
of its fields (`[field=value]`, the value an integer or a bare word). Absent values are None:
setting None removes the key or the list element.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

_SEGMENT = re.compile(
    r"^(?P<key>[A-Za-z_][A-Za-z0-9_-]*)(?:\[(?P<field>[A-Za-z_]\w*)=(?P<value>[\w.:/-]+)\])?$"
)

# A dot between segments, not one inside a selector value (`bgp_neighbors[ip=192.0.2.1]`).
_DOT = re.compile(r"\.(?![^\[\]]*\])")


@dataclass(frozen=True)
class Segment:
    key: str
    field: str | None = None
    value: int | str | None = None

    def matches(self, item: object) -> bool:
        return (
            isinstance(item, dict) and self.field is not None and item.get(self.field) == self.value
        )


def parse_path(path: str) -> list[Segment]:
    """The segments of a path; ValueError names the bad part."""
    segments = []
    for part in _DOT.split(path):
        found = _SEGMENT.match(part)
        if found is None:
            raise ValueError(f"bad data path {path!r} at {part!r}")
        raw = found.group("value")
        value: int | str | None = None
        if raw is not None:
            value = int(raw) if raw.lstrip("-").isdigit() else raw
        segments.append(Segment(found.group("key"), found.group("field"), value))
    return segments


def element_path(key: str, field: str, value: int | str) -> str:
    """The path of the list element of `key` whose `field` is `value`."""
    return f"{key}[{field}={value}]"


def get_value(data: dict[str, Any], path: str) -> Any:
    """The value at `path`, or None when any part of it is absent."""
    node: Any = data
    for segment in parse_path(path):
        if not isinstance(node, dict):
            return None
        node = node.get(segment.key)
        if segment.field is not None:
            if not isinstance(node, list):
                return None
            node = next((item for item in node if segment.matches(item)), None)
        if node is None:
            return None
    return node


def set_value(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `data` with `path` set to `value` (None removes it); `data` is not changed."""
    result = dict(data)
    *parents, leaf = parse_path(path)
    node = result
    for segment in parents:
        child = _child(node, segment, create=value is not None)
        if child is None:
            return result  # nothing to remove: add no empty parent or stub element
        node = child
    _set_leaf(node, leaf, value)
    return result


def _child(node: dict[str, Any], segment: Segment, create: bool) -> dict[str, Any] | None:
    """The mapping at `segment` below `node`, copied into it (made when `create`), or None."""
    if segment.field is None:
        child = node.get(segment.key)
        if not create and not isinstance(child, dict):
            return None
        node[segment.key] = dict(child) if isinstance(child, dict) else {}
        return node[segment.key]  # type: ignore[no-any-return]
    items = _copied_list(node, segment.key, create)
    if items is None:
        return None
    position = _position(items, segment)
    if position is None:
        if not create:
            return None
        items.append({segment.field: segment.value})
        position = len(items) - 1
    return items[position]  # type: ignore[no-any-return]


def _set_leaf(node: dict[str, Any], segment: Segment, value: Any) -> None:
    """Set (or with None remove) the key or list element `segment` names in `node`."""
    if segment.field is None:
        if value is None:
            node.pop(segment.key, None)
        else:
            node[segment.key] = copy.deepcopy(value)
        return
    items = _copied_list(node, segment.key, create=value is not None)
    if items is None:
        return
    position = _position(items, segment)
    if value is None:
        if position is not None:
            del items[position]
    elif position is None:
        items.append(copy.deepcopy(value))
    else:
        items[position] = copy.deepcopy(value)


def _copied_list(node: dict[str, Any], key: str, create: bool) -> list[Any] | None:
    """node[key] as a fresh list of copied mappings (empty when `create`), or None when absent."""
    items = node.get(key)
    if not create and not isinstance(items, list):
        return None
    copied = (
        [dict(i) if isinstance(i, dict) else i for i in items] if isinstance(items, list) else []
    )
    node[key] = copied
    return copied


def _position(items: list[Any], segment: Segment) -> int | None:
    """The index of the element `segment` selects, or None."""
    return next((i for i, item in enumerate(items) if segment.matches(item)), None)


def leaf_paths(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every scalar of `value` with its display path (`wan.bandwidth_mbps`, `ntp_servers[0]`)."""
    if isinstance(value, dict):
        found: list[tuple[str, Any]] = []
        for key, item in value.items():
            found += leaf_paths(item, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(value, list):
        found = []
        for position, item in enumerate(value):
            found += leaf_paths(item, f"{prefix}[{position}]")
        return found
    return [(prefix, value)]
