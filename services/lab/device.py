"""One simulated device: configuration, OS version, flash, faults, records and reloads.

Lab-only settings come from the device's entry in the tenant's lab.yaml, read into its
`data.lab` mapping (all optional):

- `faults`: faults in force at start (see faults.py).
- `privilege`: 15 (default) lands logins in privileged exec (`#`); 1 in user exec (`>`), so
  `enable` with the credential's enable secret is needed.
- `reload_seconds`, `copy_seconds`, `bgp_establish_seconds`, `confirm_minute_seconds`: override
  the fleet's timings.
- `flash_total_mb`: flash size (default 4096 MB, Junos /var/tmp 8192 MB).
- `bgp_prefixes`: prefixes received per neighbour, a number or `{ip: number}`.
- `extra_config`: lines appended to the initial config (drift for compliance audits).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from services.core.secrets import Credential
from services.lab.config_tree import ConfigTree, SetConfig
from services.lab.faults import Faults
from services.lab.flash import Flash
from services.lab.records import DeviceRecord, ReloadRecord, SafetyNetRecord, now
from services.lab.safety import CommitEntry, ConfigSession, ConfirmTimers, PendingConfirm

Config = ConfigTree | SetConfig
Status = Literal["up", "reloading"]


class LabTimings(BaseModel):
    """How long slow things take in the lab (seconds); inventories may override per device."""

    reload_seconds: float = Field(default=8.0, ge=0)
    copy_seconds: float = Field(default=3.0, ge=0)
    bgp_establish_seconds: float = Field(default=5.0, ge=0)
    # How long a minute of a confirm timer (`commit confirmed 10`, `commit timer 00:10:00`)
    # lasts: minutes are minutes unless a fleet or an inventory shortens them.
    confirm_minute_seconds: float = Field(default=60.0, gt=0)

    def for_device(self, lab_data: dict[str, Any]) -> LabTimings:
        keys = (
            "reload_seconds",
            "copy_seconds",
            "bgp_establish_seconds",
            "confirm_minute_seconds",
        )
        return self.model_copy(update={k: float(lab_data[k]) for k in keys if k in lab_data})


@dataclass(frozen=True)
class DeviceSpec:
    """What the lab needs to serve one inventory device."""

    name: str
    tenant: str
    platform: str
    host: str
    port: int
    credential: Credential
    data: dict[str, Any]
    intended: str | None = None  # rendered golden config + seeded drift (see intended.py)

    @property
    def lab(self) -> dict[str, Any]:
        lab = self.data.get("lab") or {}
        return lab if isinstance(lab, dict) else {}


class Platform(Protocol):
    """What a device needs from its platform's behaviour (see platforms/base.py)."""

    name: str

    def initial_config(self, spec: DeviceSpec) -> Config: ...

    def initial_flash(self, spec: DeviceSpec, version: str) -> Flash: ...

    def boot_version(self, device: LabDevice) -> str | None: ...

    def confirm_expired(self, device: LabDevice, pending: PendingConfirm) -> None: ...


@dataclass
class DeviceState:
    """Everything a reload or a reset may change."""

    version: str
    running: Config
    startup: Config
    flash: Flash
    candidate: SetConfig | None = None
    commits: list[CommitEntry] = field(default_factory=list)  # Junos, newest first
    config_sessions: dict[str, ConfigSession] = field(default_factory=dict)  # EOS
    boot_image: str | None = None
    pending_version: str | None = None
    booted_at: float = field(default_factory=time.monotonic)
    booted_wall: datetime = field(default_factory=now)
    link_down: set[str] = field(default_factory=set)
    counters_cleared_at: float | None = None
    changed_at: datetime = field(default_factory=now)
    saved_at: datetime | None = None
    neighbor_seen: dict[str, tuple[str, float]] = field(default_factory=dict)

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.booted_at


class LabDevice:
    """A device the lab serves: state, faults, records, and the reload life cycle."""

    def __init__(self, spec: DeviceSpec, platform: Platform, timings: LabTimings) -> None:
        self.spec = spec
        self.platform = platform
        self.timings = timings.for_device(spec.lab)
        self.faults = Faults.model_validate(spec.lab.get("faults") or {})
        self.record = DeviceRecord(name=spec.name)
        self.status: Status = "up"
        self.state = self._initial_state()
        self.sessions: set[Disconnectable] = set()
        self.on_reachability: Callable[[LabDevice], Awaitable[None]] | None = None
        self._reboot: asyncio.Task[None] | None = None
        self._faults_changed = asyncio.Event()
        self.confirms = ConfirmTimers(self._confirm_expired)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def reachable(self) -> bool:
        return self.status == "up" and not self.faults.unreachable

    @property
    def privilege(self) -> int:
        return int(self.spec.lab.get("privilege", 15))

    def _initial_state(self) -> DeviceState:
        version = str(self.spec.data.get("version") or "")
        running = self.platform.initial_config(self.spec)
        # A commit-model device starts with one commit in its history: the config it boots.
        history: list[CommitEntry] = []
        if isinstance(running, SetConfig):
            history.append(CommitEntry(running.copy(), via="other"))
        return DeviceState(
            version=version,
            running=running,
            startup=running.copy(),
            flash=self.platform.initial_flash(self.spec, version),
            commits=history,
        )

    # --- configuration ---------------------------------------------------------------------

    def config_changed(self) -> None:
        self.state.changed_at = now()

    def save(self) -> None:
        self.state.startup = self.state.running.copy()
        self.state.saved_at = now()
        self.record.saves.append(self.state.saved_at)

    @property
    def unsaved(self) -> bool:
        return self.state.running != self.state.startup

    # --- confirm timers (see safety.py) ------------------------------------------------------

    def arm_confirm(self, key: str, checkpoint: Config, minutes: float) -> PendingConfirm:
        """Keep `checkpoint` and take the change back after `minutes` unless confirmed."""
        scale = self.timings.confirm_minute_seconds / 60
        pending = PendingConfirm(key, checkpoint.copy(), minutes * 60, scale)
        self.confirms.arm(pending)
        return pending

    def stop_confirm(self, key: str) -> PendingConfirm | None:
        """Stop a confirm timer; the caller keeps the change or restores the checkpoint."""
        return self.confirms.stop(key)

    def expire_confirm_timers(self) -> list[str]:
        """Every pending change goes back now, as when its timer runs out; returns their keys."""
        return self.confirms.expire()

    def _confirm_expired(self, pending: PendingConfirm) -> None:
        self.platform.confirm_expired(self, pending)
        self.record.safety_nets.append(SafetyNetRecord(action="expire", target=pending.key))

    # --- faults and reachability -----------------------------------------------------------

    async def set_faults(self, faults: Faults) -> None:
        was = self.reachable
        self.faults = faults
        self._faults_changed.set()
        if not self.reachable:
            self.drop_sessions()
        if was != self.reachable:
            await self._notify()

    async def _notify(self) -> None:
        if self.on_reachability is not None:
            await self.on_reachability(self)

    def drop_sessions(self) -> None:
        for session in list(self.sessions):
            session.drop()
        self.sessions.clear()

    # --- reload ----------------------------------------------------------------------------

    async def reload(self, via: str = "cli") -> ReloadRecord:
        """Drop every session, stay unreachable for reload_seconds, boot the selected image."""
        entry = ReloadRecord(via=via, from_version=self.state.version)
        self.record.reloads.append(entry)
        self.expire_confirm_timers()  # an unconfirmed change does not survive a reboot
        self.status = "reloading"
        # Start the boot first: the caller may be the session the reload is about to drop.
        self._reboot = asyncio.get_running_loop().create_task(self._boot(entry))
        self.drop_sessions()
        await self._notify()
        return entry

    async def _boot(self, entry: ReloadRecord) -> None:
        await asyncio.sleep(self.timings.reload_seconds)
        while self.faults.reload_hangs:
            self._faults_changed.clear()
            await self._faults_changed.wait()
        previous = self.state.version
        version = self.platform.boot_version(self) or previous
        wrong = self.faults.wrong_version_after_reload
        if wrong:
            version = previous if wrong == "previous" else wrong
        self._come_up(version)
        entry.to_version = version
        entry.up_at = now()
        self.status = "up"
        self._reboot = None
        await self._notify()

    def _come_up(self, version: str) -> None:
        state = self.state
        state.version = version
        state.running = state.startup.copy()
        state.candidate = None
        state.config_sessions.clear()
        state.pending_version = None
        state.booted_at = time.monotonic()
        state.booted_wall = now()
        state.counters_cleared_at = None
        state.neighbor_seen.clear()
        state.link_down = set()
        down = self.faults.interface_down_after_reload
        if down:
            wan = (self.spec.data.get("wan") or {}).get("interface")
            state.link_down.add(str(wan) if down == "wan" and wan else down)

    # --- reset -----------------------------------------------------------------------------

    async def reset(self) -> None:
        """Back to the inventory's initial state: config, version, flash, faults and records."""
        if self._reboot is not None:
            self._reboot.cancel()
            self._reboot = None
        was = self.reachable
        self.drop_sessions()
        self.confirms.cancel_all()
        self.state = self._initial_state()
        self.faults = Faults.model_validate(self.spec.lab.get("faults") or {})
        self.record = DeviceRecord(name=self.name)
        self.status = "up"
        if was != self.reachable or not was:
            await self._notify()

    async def close(self) -> None:
        self.confirms.cancel_all()
        if self._reboot is not None:
            self._reboot.cancel()
            self._reboot = None
        self.drop_sessions()


class Disconnectable(Protocol):
    def drop(self) -> None: ...
