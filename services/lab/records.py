"""Observation: what happened on each lab device, so tests can assert on it."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

NAVIGATION = {"exit", "end", "top", "up", "quit", "edit"}


def now() -> datetime:
    return datetime.now(UTC)


class LoginRecord(BaseModel):
    at: datetime = Field(default_factory=now)
    username: str
    success: bool
    method: str = "password"  # or "publickey"


class ConfigLineRecord(BaseModel):
    text: str
    accepted: bool
    error: str | None = None


class ConfigSessionRecord(BaseModel):
    """One stay in configuration mode, from `configure` to leaving it (or the drop)."""

    started_at: datetime = Field(default_factory=now)
    ended_at: datetime | None = None
    lines: list[ConfigLineRecord] = Field(default_factory=list)
    dropped: bool = False
    name: str | None = None  # EOS `configure session` name: lines went to its candidate

    @property
    def pushed(self) -> list[str]:
        return [line.text for line in self.lines if line.accepted and not _navigation(line.text)]


class ReloadRecord(BaseModel):
    requested_at: datetime = Field(default_factory=now)
    via: str = "cli"
    from_version: str
    to_version: str | None = None
    up_at: datetime | None = None


class CommitRecord(BaseModel):
    at: datetime = Field(default_factory=now)
    check: bool = False
    comment: str | None = None
    confirm_minutes: int | None = None  # `commit confirmed N`


class SafetyNetRecord(BaseModel):
    """One step of a configuration safety net (see `DeviceRecord.safety_nets`)."""

    at: datetime = Field(default_factory=now)
    action: str
    target: str = ""  # the flash file, the EOS session, the Junos commit comment
    ok: bool = True  # False: the device refused the step (the reason is in `detail`)
    detail: str | None = None


class DeviceRecord(BaseModel):
    """Everything recorded for one device since the last reset."""

    name: str
    logins: list[LoginRecord] = Field(default_factory=list)
    commands: list[str] = Field(default_factory=list)
    config_sessions: list[ConfigSessionRecord] = Field(default_factory=list)
    saves: list[datetime] = Field(default_factory=list)
    commits: list[CommitRecord] = Field(default_factory=list)
    reloads: list[ReloadRecord] = Field(default_factory=list)
    copies: list[str] = Field(default_factory=list)
    # IOS: checkpoint (copy running-config flash:), replace (configure replace).
    # EOS: session_commit, commit_timer, confirm, abort. Junos: commit_confirmed, confirm.
    # Any platform: expire (a confirm timer ran out and the config went back).
    safety_nets: list[SafetyNetRecord] = Field(default_factory=list)

    @property
    def pushed_lines(self) -> list[str]:
        """Accepted configuration lines across all sessions, without exit/end/top/up."""
        return [text for session in self.config_sessions for text in session.pushed]

    @property
    def rejected_lines(self) -> list[str]:
        return [line.text for s in self.config_sessions for line in s.lines if not line.accepted]

    @property
    def successful_logins(self) -> int:
        return sum(1 for login in self.logins if login.success)

    def pushed_count(self, text: str) -> int:
        """How many times exactly this line was pushed (accepted)."""
        return sum(1 for line in self.pushed_lines if line == text)

    def safety_net_count(self, action: str, target: str | None = None) -> int:
        """How many times a safety-net step succeeded (for one file/session if `target`)."""
        return sum(
            1
            for step in self.safety_nets
            if step.ok and step.action == action and (target is None or step.target == target)
        )

    def summary(self) -> dict[str, int]:
        return {
            "logins": len(self.logins),
            "config_sessions": len(self.config_sessions),
            "pushed_lines": len(self.pushed_lines),
            "rejected_lines": len(self.rejected_lines),
            "saves": len(self.saves),
            "commits": len(self.commits),
            "reloads": len(self.reloads),
            "safety_nets": len(self.safety_nets),
        }


def _navigation(text: str) -> bool:
    word = text.strip().split(" ", 1)[0] if text.strip() else ""
    return word in NAVIGATION or word.startswith("exit-") or word == "commit"
