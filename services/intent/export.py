"""Write intent back into the inventory files (`netwave intent export`), then fold it.

Each device's applied revisions go into its own entry of hosts.yaml, in round-trip YAML (comments,
key order and inline mappings stay as people wrote them), and are marked folded in the caller's
session. The new text is read back as load_tenant reads it before it replaces the file: every
device must load as its intended data, or nothing is written. Lab settings kept in lab.yaml are
given like inherited data; an edit of them stays a revision (only hosts.yaml is written).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from sqlalchemy.orm import Session
from yaml.resolver import Resolver

from services.core.errors import InventoryError
from services.intent.merge import merge
from services.intent.model import IntentRevision
from services.intent.paths import parse_path
from services.network.inventory import YAML_LOADER, Device, TenantInventory, load_tenant
from services.network.inventory import _group_chain as group_chain
from services.network.inventory_files import dump_text, read_mapping, round_trip_yaml, write_atomic
from services.store.repos import intent as intent_repo

# load_tenant reads YAML 1.1 (`yes` is a boolean); round-trip YAML writes 1.2.
_RESOLVER, _YAML11_STR = Resolver(), "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]  # files written
    devices: list[str]  # devices whose data changed in the files
    folded: list[int]  # revision ids marked folded
    # Devices whose applied revisions the file cannot hold exactly (an inherited key removed,
    # or a superseded revision that would apply again): left as revisions, not folded.
    kept: list[str] = field(default_factory=list)


def export_tenant(session: Session, inventories: Path, tenant: str, actor: str) -> ExportResult:
    """Write the tenant's applied revisions into its hosts.yaml and mark them folded."""
    inventory = load_tenant(inventories, tenant)
    path = inventory.path / "hosts.yaml"
    rt = round_trip_yaml()
    hosts, plain = read_mapping(path, rt)
    by_device: dict[str, list[IntentRevision]] = {}
    for revision in intent_repo.revisions(session, tenant=tenant):
        by_device.setdefault(revision.device, []).append(revision)
    wanted = {name: device.data for name, device in inventory.devices.items()}
    devices: list[str] = []
    folded: list[int] = []
    kept: list[str] = []
    for name, revisions in sorted(by_device.items()):
        device, entry = inventory.devices.get(name), hosts.get(name)
        if device is None or not isinstance(entry, CommentedMap):
            continue  # not in hosts.yaml (any more): its revisions stay as they are
        fold = _fold(inventory, device, revisions, dict(plain[name].get("data") or {}), path)
        if fold is None:
            continue
        if not fold.exact:
            kept.append(name)
            continue
        if fold.target != fold.own:
            _write_entry(entry, fold.touched, fold.target)
            devices.append(name)
        wanted[name] = fold.data
        folded += sorted(fold.applied)
    files: list[Path] = []
    if devices:
        text = dump_text(rt, hosts)
        _check(text, path, inventory, wanted)
        write_atomic(path, text)
        files.append(path)
    if folded:  # after the write: a failed write must not leave revisions folded
        intent_repo.fold(session, tenant=tenant, ids=folded, actor=actor)
    return ExportResult(files=files, devices=devices, folded=sorted(folded), kept=kept)


@dataclass(frozen=True)
class _Fold:
    """One device's applied revisions as its hosts.yaml entry would hold them."""

    data: dict[str, Any]  # the device's merged data
    own: dict[str, Any]  # the entry's data today
    target: dict[str, Any]  # the entry's data once folded
    touched: set[str]  # top-level keys an applied edit set
    applied: set[int]  # ids of the applied revisions
    exact: bool  # the file can hold them exactly; else they stay revisions


def _fold(
    inventory: TenantInventory,
    device: Device,
    revisions: list[IntentRevision],
    own: dict[str, Any],
    path: Path,
) -> _Fold | None:
    """What folding the device's applied revisions would write; None when none is applied."""
    intended = merge(device, revisions)
    applied = {v.revision.id for v in intended.revisions if v.state == "applied"}
    if not applied:
        return None
    data = intended.device.data
    # Each top-level key an edit set is the host's own from now on, at its merged value.
    touched = {parse_path(e.path)[0].key for v in intended.revisions for e in v.edits if e.applied}
    target = {k: data[k] for k in [*own, *sorted(touched - set(own))] if k in data}
    # Lab settings live in lab.yaml, which export does not write.
    lab_edited = "lab" in touched and device.name in inventory.lab
    rest = [r for r in revisions if r.id not in applied]
    reloaded = device.model_copy(update={"data": data})
    exact = not lab_edited and (
        {**_inherited(inventory, device, path), **target} == data
        and merge(reloaded, rest).device.data == data
    )
    return _Fold(data, own, target, touched, applied, exact)


def _write_entry(entry: CommentedMap, touched: set[str], target: dict[str, Any]) -> None:
    """Set the touched keys of the entry's data to their target, removing those it lacks."""
    if not isinstance(entry.get("data"), CommentedMap):
        entry["data"] = CommentedMap()
    for key in sorted(touched):
        if key not in target:
            entry["data"].pop(key, None)
        elif key not in entry["data"] or entry["data"][key] != target[key]:
            _put(entry["data"], key, target[key])


def _inherited(inventory: TenantInventory, device: Device, path: Path) -> dict[str, Any]:
    """What defaults, groups and lab.yaml give the device, merged as load_tenant merges them."""
    data = dict(inventory.defaults.data)
    for group in reversed(group_chain(inventory, list(device.groups), str(path))):
        data.update(group.data)
    if device.name in inventory.lab:
        data["lab"] = inventory.lab[device.name]
    return data


def _put(container: Any, key: Any, value: Any) -> None:
    """Set container[key] (absent or different) to `value`, changing only what differs, so the
    rest keeps its comments and style: a list element is replaced, appended or removed."""
    old = container.get(key) if isinstance(container, dict) else container[key]
    if isinstance(old, CommentedMap) and isinstance(value, dict):
        for gone in [k for k in old if k not in value]:
            del old[gone]
        for k, item in value.items():
            if k not in old or old[k] != item:
                _put(old, k, item)
    elif isinstance(old, CommentedSeq) and isinstance(value, list):
        while len(old) > len(value):  # removed: drop the first element no longer wanted
            del old[next((i for i, item in enumerate(old) if item not in value), len(old) - 1)]
        for i, item in enumerate(value):
            if i == len(old):
                old.append(_node(item, like=old[-1] if old else None))
            elif old[i] != item:
                _put(old, i, item)
    else:
        container[key] = _node(value, like=old)


def _node(value: Any, like: Any = None) -> Any:
    """Plain data as round-trip YAML: inline like `like`, else inline when it holds scalars."""
    if isinstance(value, str):
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        return value if tag == _YAML11_STR else DoubleQuotedScalarString(value)
    node: CommentedMap | CommentedSeq
    if isinstance(value, dict):
        node, items = CommentedMap((k, _node(v)) for k, v in value.items()), list(value.values())
    elif isinstance(value, list):
        node, items = CommentedSeq(_node(v) for v in value), value
    else:
        return value
    flow = like.fa.flow_style() if isinstance(like, CommentedMap | CommentedSeq) else None
    if flow if flow is not None else not any(isinstance(v, dict | list) for v in items):
        node.fa.set_flow_style()
    else:
        node.fa.set_block_style()
    return node


def _check(text: str, path: Path, inventory: TenantInventory, wanted: dict[str, Any]) -> None:
    """Every device of the new text loads as `wanted` (read as load_tenant reads it)."""
    loaded = yaml.load(text, Loader=YAML_LOADER)
    for name, device in inventory.devices.items():
        entry = loaded.get(name) if isinstance(loaded, dict) else None
        own = (entry.get("data") if isinstance(entry, dict) else None) or {}
        if {**_inherited(inventory, device, path), **own} != wanted[name]:
            raise InventoryError(
                f"{path}: host {name!r} would not load as its intended data after the export, "
                "so nothing was written (a YAML alias shared by hosts, or an edit meanwhile)"
            )
