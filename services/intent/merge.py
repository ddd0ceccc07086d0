"""The one function that says what a device should be: inventory data plus intent revisions.

The rule for people who edit inventory files: a revision's edit applies only while the data
still holds the value that the edit replaced (for the first revision of a path, the file's
value). Once a person changes that value in the file, the file wins and the edit is shown as
superseded. Folded revisions (written back to the files by `netwave intent export`) are kept
for history and apply nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.intent.model import EditState, IntentRevision, RevisionView
from services.intent.paths import get_value, parse_path, set_value
from services.network.inventory import Device, TenantInventory


@dataclass(frozen=True)
class Intended:
    """A device as it should be, and where each revision stands."""

    device: Device
    base: Device
    revisions: list[RevisionView] = field(default_factory=list)

    def source_of(self, path: str) -> IntentRevision | None:
        """The revision whose applied edit set `path` last (None: the inventory file)."""
        found = None
        for view in self.revisions:
            for edit in view.edits:
                if edit.applied and _covers(edit.path, path):
                    found = view.revision
        return found

    @property
    def applied(self) -> list[IntentRevision]:
        return [v.revision for v in self.revisions if v.state == "applied"]


def _covers(edit_path: str, path: str) -> bool:
    return path == edit_path or path.startswith((edit_path + ".", edit_path + "["))


def merge(device: Device, revisions: Sequence[IntentRevision]) -> Intended:
    """`device` (from the inventory files) with its revisions applied in order."""
    data: dict[str, Any] = dict(device.data)
    views = []
    for revision in sorted(revisions, key=lambda r: r.seq):
        if revision.folded_at is not None:
            views.append(
                RevisionView(
                    revision=revision,
                    state="folded",
                    edits=[EditState(**e.model_dump(), applied=False) for e in revision.edits],
                )
            )
            continue
        states = []
        for edit in revision.edits:
            found = get_value(data, edit.path)
            if found == edit.before:
                data = set_value(data, edit.path, edit.after)
                states.append(EditState(**edit.model_dump(), applied=True))
            else:
                states.append(EditState(**edit.model_dump(), applied=False, found=found))
        applied = any(s.applied for s in states)
        views.append(
            RevisionView(
                revision=revision, state="applied" if applied else "superseded", edits=states
            )
        )
    merged = device if data == device.data else device.model_copy(update={"data": data})
    return Intended(device=merged, base=device, revisions=views)


def apply_edits(device: Device, edits: Iterable[Any]) -> Device:
    """The device with `edits` (IntentEdit) set, as a change plans it."""
    data = dict(device.data)
    for edit in edits:
        data = set_value(data, edit.path, edit.after)
    return device.model_copy(update={"data": data})


def merge_inventory(
    inventory: TenantInventory, revisions: Iterable[IntentRevision]
) -> TenantInventory:
    """A copy of the tenant's inventory whose devices are their intended versions."""
    by_device: dict[str, list[IntentRevision]] = {}
    for revision in revisions:
        by_device.setdefault(revision.device, []).append(revision)
    if not by_device:
        return inventory
    devices = dict(inventory.devices)
    for name, own in by_device.items():
        if name in devices:
            devices[name] = merge(devices[name], own).device
    return TenantInventory(
        tenant=inventory.tenant,
        path=inventory.path,
        devices=devices,
        groups=inventory.groups,
        defaults=inventory.defaults,
    )


def check_path(path: str) -> str:
    """`path` if it parses; ValueError otherwise."""
    parse_path(path)
    return path
