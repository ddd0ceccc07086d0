"""What every platform's CLI is made of: a command table (regex -> handler) and a few hooks.

Command words are written with their shortest accepted abbreviation marked by `|`:
`sh|ow ru|nning-config` accepts `sh run`, `show running`, `show running-config`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.lab.device import Config, DeviceSpec, LabDevice
from services.lab.flash import Flash
from services.lab.opstate import OpModel, OpSnapshot, snapshot
from services.lab.safety import PendingConfirm

if TYPE_CHECKING:
    from services.lab.session import Shell

Handler = Callable[["Shell", re.Match[str]], Awaitable[None]]


def _word(spec: str) -> str:
    if "|" not in spec:
        return re.escape(spec)
    required, optional = spec.split("|", 1)
    tail = ""
    for ch in reversed(optional):
        tail = f"(?:{re.escape(ch)}{tail})?"
    return re.escape(required) + tail


def words(spec: str) -> str:
    """Regex for a command's keywords, honouring the `|` abbreviation marks."""
    return r"\s+".join(_word(w) for w in spec.split())


@dataclass(frozen=True)
class Command:
    pattern: re.Pattern[str]
    handler: Handler
    level: int = 1  # 0: available in user exec; 1: privileged exec only


def command(spec: str, handler: Handler, args: str = "", level: int = 1) -> Command:
    """A command-table entry: keywords (abbreviable) plus a regex for the arguments."""
    return Command(re.compile(words(spec) + args, re.IGNORECASE), handler, level)


def find(table: Sequence[Command], line: str, level: int) -> tuple[Command, re.Match[str]] | None:
    for entry in table:
        if entry.level > level:
            continue
        match = entry.pattern.fullmatch(line)
        if match is not None:
            return entry, match
    return None


def first_word_known(table: Sequence[Command], line: str) -> bool:
    """Whether some command starts with this line's first word (decides where the caret goes)."""
    first = line.split(" ", 1)[0]
    return any(
        entry.pattern.match(first + " ") or entry.pattern.fullmatch(first) for entry in table
    )


class PlatformCli(ABC):
    """One platform's behaviour; subclasses fill in prompts, tables and output formats."""

    name: str

    @abstractmethod
    def initial_config(self, spec: DeviceSpec) -> Config: ...

    @abstractmethod
    def initial_flash(self, spec: DeviceSpec, version: str) -> Flash: ...

    @abstractmethod
    def boot_version(self, device: LabDevice) -> str | None:
        """The version the device boots on its next reload (None: keep the current one)."""

    @abstractmethod
    def op_model(self, device: LabDevice) -> OpModel: ...

    @abstractmethod
    def running_config(self, device: LabDevice) -> str:
        """The running config as the platform's show command prints it."""

    @abstractmethod
    def banner(self, shell: Shell) -> str: ...

    @abstractmethod
    def prompt(self, shell: Shell) -> str: ...

    @abstractmethod
    async def handle(self, shell: Shell, line: str) -> None:
        """Execute one line typed at the prompt (output goes to shell.out)."""

    def snapshot(self, device: LabDevice) -> OpSnapshot:
        return snapshot(device, self.op_model(device))

    def confirm_expired(self, device: LabDevice, pending: PendingConfirm) -> None:
        """A confirm timer ran out: the running config goes back to the checkpoint."""
        device.state.running = pending.checkpoint.copy()
        device.config_changed()
