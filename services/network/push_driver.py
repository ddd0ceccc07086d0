"""What a push is made of: how a platform runs its config session (`PushDriver`), how a push
ended (`PushResult`, `PushError`), and the hooks a push calls; the pushing is `push.py`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from netmiko import BaseConnection
from pydantic import BaseModel, ConfigDict


class PushError(StrEnum):
    """Why a push did not complete."""

    auth_failed = "auth_failed"
    unreachable = "unreachable"
    timeout = "timeout"
    rejected = "rejected"  # the device refused a line
    session_dropped = "session_dropped"  # the session was cut mid-push
    commit_failed = "commit_failed"  # the device refused the candidate at commit
    save_failed = "save_failed"  # lines applied, startup config not written
    no_credential = "no_credential"
    host_key_mismatch = "host_key_mismatch"
    host_key_not_trusted = "host_key_not_trusted"
    failed = "failed"


class PushResult(BaseModel):
    """What a push did: `pushed` lines were accepted (on a candidate-config platform: into
    the candidate; `applied` says whether any of it reached the running config)."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    pushed: int
    error_kind: PushError | None = None
    error: str | None = None
    saved: bool = False
    applied: bool = True


Finish = Callable[[BaseConnection, bool, float], None]
# Called with (k, n) once line k of n was accepted: crash tests hold a process there.
LineHook = Callable[[int, int], None]


@dataclass(frozen=True)
class PushDriver:
    """How one platform runs a config session."""

    error_pattern: str
    config_command: str | None = None
    prelude: tuple[str, ...] = ()
    finish: Finish | None = None
    enable: bool = False  # needs privileged (enable) mode for config
    commit_saves: bool = False  # applying the change also makes it persistent (a commit)
    # Lines are applied as they are typed (False: into a candidate, applied at the end).
    applies_each_line: bool = True
    # The lines a session types for the commands, where the NOS needs more than the config
    # lines (a block closed by its own word); None: the commands as they are.
    frame: Callable[[list[str]], list[str]] | None = None


def exit_and_save(conn: BaseConnection, save: bool, timeout: float) -> None:
    """Leave config mode; `write memory` when asked to save."""
    conn.exit_config_mode()
    if save:
        output = conn.save_config()
        if re.search(r"^%", output, re.M):
            raise SaveFailed(output.strip())


class SaveFailed(Exception):
    pass
