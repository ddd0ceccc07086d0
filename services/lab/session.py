"""One interactive SSH session on a lab device: line reading with echo, prompts and dispatch.

Input is echoed when a line is processed (as a busy device does), then the line's output and
the next prompt go out in a single write, so Netmiko's echo and prompt matching see whole
answers and never wait on the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncssh

from services.lab.device import LabDevice
from services.lab.platforms.base import PlatformCli
from services.lab.platforms.grammar import Frame
from services.lab.records import ConfigLineRecord, ConfigSessionRecord, now
from services.lab.safety import ConfigSession

log = logging.getLogger(__name__)

MAX_COMMANDS = 2000
CTRL_Z = "\x1a"
CTRL_C = "\x03"


class SessionClosed(Exception):
    """The client went away while the CLI was waiting for an answer."""


class Shell(asyncssh.SSHServerSession):  # type: ignore[type-arg]
    """The CLI state of one session, and the I/O primitives platform handlers use."""

    def __init__(
        self,
        device: LabDevice,
        cli: PlatformCli,
        username: str,
        conn: asyncssh.SSHServerConnection,
    ) -> None:
        self.device = device
        self.cli = cli
        self.username = username
        self.privileged = device.privilege >= 15
        self.frames: list[Frame] = []  # IOS-like config mode stack; empty in exec mode
        self.edit: list[str] | None = None  # Junos [edit ...] path; None outside config mode
        self.config_record: ConfigSessionRecord | None = None
        self.config_session: ConfigSession | None = None  # EOS `configure session` being edited
        self.display_set = False  # Junos: the current command was piped to `display set`
        self._conn = conn
        self._chan: asyncssh.SSHServerChannel[str] | None = None
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._partial = ""
        self._skip_lf = False
        self._out: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self._exec_command: str | None = None
        self._closing = False

    # --- asyncssh callbacks ----------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:
        self._chan = chan

    def pty_requested(self, term_type: str, term_size: object, term_modes: object) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self._exec_command = command
        return True

    def session_started(self) -> None:
        self.device.sessions.add(self)
        self._task = asyncio.get_running_loop().create_task(self._run())

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        for ch in data:
            if self._skip_lf:
                self._skip_lf = False
                if ch == "\n":
                    continue
            if ch in "\r\n":
                self._skip_lf = ch == "\r"
                self._lines.put_nowait(self._partial)
                self._partial = ""
            elif ch in (CTRL_Z, CTRL_C):
                self._lines.put_nowait(self._partial + ch)
                self._partial = ""
            elif ch in "\x08\x7f":
                self._partial = self._partial[:-1]
            elif ch >= " " or ch == "\t":
                self._partial += ch

    def eof_received(self) -> bool:
        self._lines.put_nowait(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        self._lines.put_nowait(None)
        self.leave_config(dropped=exc is not None)
        self.device.sessions.discard(self)

    # --- the read-eval-print loop ----------------------------------------------------------

    async def _run(self) -> None:
        try:
            if self._exec_command is not None:
                await self.cli.handle(self, self._exec_command)
                self.flush()
                self.close()
                return
            self.out(self.cli.banner(self))
            self.out(self.cli.prompt(self))
            self.flush()
            while not self._closing:
                line = await self._lines.get()
                if line is None:
                    break
                await self._process(line)
        except SessionClosed:
            pass
        except Exception:  # a bug in a handler must not kill the lab
            log.exception("lab session on %s failed", self.device.name)
            self.drop()

    async def _process(self, line: str) -> None:
        latency = self.device.faults.slow
        if latency:
            await asyncio.sleep(latency)
        self.out(line.rstrip(CTRL_Z + CTRL_C) + "\n")
        mark = len(self._out)
        await self.cli.handle(self, line)
        if self._closing:
            self.flush()
            return
        if len(self._out) > mark and not self._out[-1].endswith("\n"):
            self.out("\n")
        self.out(self.cli.prompt(self))
        self.flush()

    # --- primitives for handlers -----------------------------------------------------------

    def out(self, text: str) -> None:
        self._out.append(text)

    def mark(self) -> int:
        return len(self._out)

    def take_since(self, mark: int) -> str:
        text = "".join(self._out[mark:])
        del self._out[mark:]
        return text

    def flush(self) -> None:
        if self._out and self._chan is not None and not self._chan.is_closing():
            self._chan.write("".join(self._out).replace("\n", "\r\n"))
        self._out.clear()

    async def ask(self, prompt: str, *, echo: bool = True) -> str:
        """Print a question (no newline) and wait for the answer line."""
        self.out(prompt)
        self.flush()
        line = await self._lines.get()
        if line is None:
            raise SessionClosed
        self.out((line if echo else "") + "\n")
        return line.strip()

    async def pause(self, seconds: float) -> None:
        """Send what is pending, then wait (copies, commits)."""
        self.flush()
        await asyncio.sleep(seconds)
        if self._closing:
            raise SessionClosed

    def record_command(self, line: str) -> None:
        commands = self.device.record.commands
        commands.append(line)
        if len(commands) > MAX_COMMANDS:
            del commands[: len(commands) - MAX_COMMANDS]

    # --- configuration sessions ------------------------------------------------------------

    @property
    def in_config(self) -> bool:
        return bool(self.frames) or self.edit is not None

    def enter_config(self, session: ConfigSession | None = None) -> None:
        self.config_session = session
        self.config_record = ConfigSessionRecord(name=session.name if session else None)
        self.device.record.config_sessions.append(self.config_record)

    def leave_config(self, dropped: bool = False) -> None:
        self.frames = []
        self.edit = None
        self.config_session = None
        if self.config_record is not None:
            self.config_record.ended_at = now()
            self.config_record.dropped = dropped
            self.config_record = None

    def config_line_allowed(self) -> bool:
        """False (and the session dropped) when the drop_mid_config fault triggers."""
        limit = self.device.faults.drop_mid_config
        if limit is None or self.config_record is None:
            return True
        applied = sum(1 for line in self.config_record.lines if line.accepted)
        if applied < limit:
            return True
        self.leave_config(dropped=True)
        self.drop()
        return False

    def record_line(self, text: str, accepted: bool, error: str | None = None) -> None:
        if self.config_record is not None:
            self.config_record.lines.append(
                ConfigLineRecord(text=text, accepted=accepted, error=error)
            )

    # --- ending the session ----------------------------------------------------------------

    def close(self) -> None:
        """Log out: flush and close the channel."""
        self._closing = True
        self.flush()
        if self._chan is not None:
            with contextlib.suppress(Exception):
                self._chan.exit(0)

    def drop(self) -> None:
        """The device goes away: the TCP connection is cut without goodbye."""
        self._closing = True
        self._out.clear()
        self.leave_config(dropped=True)
        self._conn.abort()
