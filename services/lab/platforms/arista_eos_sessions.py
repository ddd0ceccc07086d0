"""EOS configuration sessions: `configure session NAME`, then `commit`, `commit timer
hh:mm:ss` or `abort` in the session; `configure session NAME commit|abort` and
`show configuration sessions` in exec mode.

A session's candidate starts as a copy of running; its lines are checked by the same grammar
as `configure terminal` and applied to the candidate only. `commit` makes running the
candidate. `commit timer` does too, but keeps a checkpoint of running and leaves the session
`pending-commit-timer`: `configure session NAME commit` keeps the change, `... abort` (or the
timer running out) puts the checkpoint back. Sessions are the device's, not the terminal's:
another connection can commit or abort them.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
from typing import TYPE_CHECKING

from services.lab.device import LabDevice
from services.lab.platforms.base import Command, command
from services.lab.platforms.ios_like import tree_of
from services.lab.records import SafetyNetRecord
from services.lab.safety import ConfigSession, PendingConfirm

if TYPE_CHECKING:
    from services.lab.platforms.arista_eos import AristaEosCli
    from services.lab.session import Shell

MAX_COMPLETED = 1
MAX_PENDING = 5
TIMER = re.compile(r"(\d{1,2}):(\d{1,2}):(\d{1,2})")
_auto_names = itertools.count()


def _record(
    device: LabDevice, action: str, name: str, error: str | None = None, detail: str | None = None
) -> None:
    step = SafetyNetRecord(action=action, target=name, ok=error is None, detail=error or detail)
    device.record.safety_nets.append(step)


class EosSessions:
    """The session commands of the EOS CLI (exec and session-config mode)."""

    def __init__(self, cli: AristaEosCli) -> None:
        self.cli = cli

    def exec_commands(self) -> list[Command]:
        return [
            command(
                "conf|igure s|ession",
                self.configure_session,
                r"(?:\s+(?P<name>\S+)(?:\s+(?P<action>commit|abort))?)?",
            ),
            command(
                "sh|ow conf|iguration ses|sions", self.show_sessions, r"(?P<detail>\s+det\w*)?"
            ),
        ]

    def config_commands(self) -> list[Command]:
        return [
            command("commit timer", self.commit_timer, r"\s+(?P<timer>\S+)"),
            command("commit", self.commit),
            command("abort", self.abort),
            command("sh|ow session-config", self.show_session_config, r"(?P<diffs>\s+diffs?)?"),
        ]

    # --- exec mode ---------------------------------------------------------------------------

    async def configure_session(self, shell: Shell, m: re.Match[str]) -> None:
        device = shell.device
        name = m.group("name") or f"sess-{os.getpid()}-{next(_auto_names)}"
        session = device.state.config_sessions.get(name)
        action = m.group("action")
        if action == "commit":
            self.exec_commit(shell, name, session)
        elif action == "abort":
            self.exec_abort(shell, name, session)
        elif session is None:
            sessions = device.state.config_sessions.values()
            if sum(1 for s in sessions if s.state == "pending") >= MAX_PENDING:
                shell.out("% Maximum number of pending sessions has been reached\n")
                return
            session = ConfigSession(name, tree_of(device.state.running).copy(), shell.username)
            device.state.config_sessions[name] = session
            self.cli.enter_config(shell, session)
        elif session.state != "pending":
            shell.out(f"% Cannot enter session {name} (session is {session.state})\n")
        else:
            self.cli.enter_config(shell, session)

    def exec_commit(self, shell: Shell, name: str, session: ConfigSession | None) -> None:
        device = shell.device
        if session is None:
            self._refuse(shell, "confirm", name, f"% Session {name} does not exist")
        elif session.state == "pending-commit-timer":
            device.stop_confirm(name)
            self._completed(device, session)
            _record(device, "confirm", name)
        elif session.state == "pending":
            self._apply(device, session)
            _record(device, "session_commit", name)
        else:
            error = f"% Cannot commit session {name}: session has already been committed"
            self._refuse(shell, "confirm", name, error)

    def exec_abort(self, shell: Shell, name: str, session: ConfigSession | None) -> None:
        device = shell.device
        if session is None:
            self._refuse(shell, "abort", name, f"% Session {name} does not exist")
            return
        if session.state == "completed":
            error = f"% Cannot abort session {name}: session has already been committed"
            self._refuse(shell, "abort", name, error)
            return
        pending = device.stop_confirm(name)
        if pending is not None:
            self.restore(device, pending)
        del device.state.config_sessions[name]
        _record(device, "abort", name)

    async def show_sessions(self, shell: Shell, m: re.Match[str]) -> None:
        sessions = list(shell.device.state.config_sessions.values())
        lines = [
            f"Maximum number of completed sessions: {MAX_COMPLETED}",
            f"Maximum number of pending sessions: {MAX_PENDING}",
        ]
        if m.group("detail"):
            lines += [
                f"Session with pending commit timer: {s.name}"
                for s in sessions
                if s.state == "pending-commit-timer"
            ]
        width = max([4, *(len(s.name) for s in sessions)])
        users = max([4, *(len(s.user) for s in sessions)])
        lines += [
            "",
            f"  {'Name':<{width}} {'State':<26} {'User':<{users}} Terminal",
            f"  {'-' * width} {'-' * 26} {'-' * users} --------",
        ]
        for s in sessions:
            mark = "*" if shell.config_session is s else " "
            lines.append(f"{mark} {s.name:<{width}} {s.state:<26} {s.user:<{users}}".rstrip())
        shell.out("\n".join(lines) + "\n")

    # --- session-config mode -----------------------------------------------------------------

    def _current(self, shell: Shell, text: str) -> ConfigSession | None:
        """The session this terminal edits, or None (the error is printed)."""
        session = shell.config_session
        if session is None:
            shell.out(self.cli.invalid_input(shell, text, 0, 0))
            return None
        if shell.device.state.config_sessions.get(session.name) is not session:
            shell.out(f"% Session {session.name} does not exist\n")
            shell.leave_config()
            return None
        return session

    async def commit(self, shell: Shell, m: re.Match[str]) -> None:
        session = self._current(shell, m.group(0))
        if session is None:
            return
        self._apply(shell.device, session)
        _record(shell.device, "session_commit", session.name)
        shell.leave_config()

    async def commit_timer(self, shell: Shell, m: re.Match[str]) -> None:
        session = self._current(shell, m.group(0))
        if session is None:
            return
        device = shell.device
        found = TIMER.fullmatch(m.group("timer"))
        hours, minutes, seconds = (int(g) for g in found.groups()) if found else (0, 0, 0)
        if found is None or minutes > 59 or seconds > 59 or hours + minutes + seconds == 0:
            shell.out(self.cli.invalid_input(shell, m.group(0), 0, 2))
            return
        for other in device.state.config_sessions.values():
            if other.state == "pending-commit-timer":
                error = f"% Session {other.name} is already pending commit timer"
                self._refuse(shell, "commit_timer", session.name, error)
                return
        total = hours * 3600 + minutes * 60 + seconds
        device.arm_confirm(session.name, device.state.running, total / 60)
        self._set_running(device, session)
        session.state = "pending-commit-timer"
        _record(device, "commit_timer", session.name, detail=m.group("timer"))
        shell.leave_config()

    async def abort(self, shell: Shell, m: re.Match[str]) -> None:
        session = self._current(shell, m.group(0))
        if session is None:
            return
        del shell.device.state.config_sessions[session.name]
        _record(shell.device, "abort", session.name)
        shell.leave_config()

    async def show_session_config(self, shell: Shell, m: re.Match[str]) -> None:
        session = self._current(shell, m.group(0))
        if session is None:
            return
        device = shell.device
        candidate = self.cli.render(device, session.candidate, startup=False)
        if not m.group("diffs"):
            shell.out(candidate)
            return
        running = self.cli.render(device, tree_of(device.state.running), startup=False)
        diff = difflib.unified_diff(
            running.splitlines(),
            candidate.splitlines(),
            "system:/running-config",
            f"session:/{session.name}-session-config",
            lineterm="",
        )
        text = "\n".join(diff)
        shell.out(text + "\n" if text else "")

    # --- helpers -----------------------------------------------------------------------------

    def _refuse(self, shell: Shell, action: str, name: str, error: str) -> None:
        shell.out(error + "\n")
        _record(shell.device, action, name, error)

    def _set_running(self, device: LabDevice, session: ConfigSession) -> None:
        if session.candidate != device.state.running:
            device.state.running = session.candidate.copy()
            device.config_changed()

    def _apply(self, device: LabDevice, session: ConfigSession) -> None:
        self._set_running(device, session)
        self._completed(device, session)

    def _completed(self, device: LabDevice, session: ConfigSession) -> None:
        """Only the last MAX_COMPLETED (1) completed sessions are kept."""
        session.state = "completed"
        sessions = device.state.config_sessions
        for name in [n for n, s in sessions.items() if s.state == "completed" and s is not session]:
            del sessions[name]

    def restore(self, device: LabDevice, pending: PendingConfirm) -> None:
        """Running goes back to the checkpoint a `commit timer` kept."""
        if pending.checkpoint != device.state.running:
            device.state.running = pending.checkpoint.copy()
            device.config_changed()

    def expired(self, device: LabDevice, pending: PendingConfirm) -> None:
        """The commit timer ran out: back to the checkpoint, and the session is gone."""
        self.restore(device, pending)
        session = device.state.config_sessions.get(pending.key)
        if session is not None and session.state == "pending-commit-timer":
            del device.state.config_sessions[pending.key]
