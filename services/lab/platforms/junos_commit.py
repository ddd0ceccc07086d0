"""Junos `commit`: options, the commit history, and `commit confirmed` with its timer.

`commit confirmed [N] [comment "x"]` commits and starts an N-minute timer (default 10); a
later `commit` or `commit check` confirms it. If the timer runs out, the config from before the
confirmed commit is committed again by the system (`via other` in `show system commit`), as
Junos's automatic rollback does. While a confirm is pending, configuration-mode prompts carry
`# commit confirmed will be rolled back in N minutes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.lab.config_tree import SetConfig, split_junos
from services.lab.records import CommitRecord, SafetyNetRecord
from services.lab.safety import CommitEntry, PendingConfirm

if TYPE_CHECKING:
    from services.lab.device import DeviceState, LabDevice

CONFIRM_KEY = "commit"  # the device's pending-confirm key for `commit confirmed`
MAX_ROLLBACKS = 50  # rollback 0..49
DEFAULT_MINUTES = 10
IGNORED = {"synchronize", "no-synchronize", "force"}


@dataclass
class CommitOptions:
    check: bool = False
    confirm_minutes: int | None = None
    comment: str | None = None
    and_quit: bool = False


@dataclass
class CommitSyntaxError:
    word: int  # index of the offending word in the whole line (`commit` is word 0)
    message: str


def parse_commit(opts: str) -> CommitOptions | CommitSyntaxError:
    """`check`, `confirmed [N]`, `comment "text"`, `and-quit`, in any order."""
    tokens = split_junos(opts)
    parsed = CommitOptions()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if token == "check" and i == 0 and len(tokens) == 1:
            parsed.check = True
        elif token == "confirmed" and parsed.confirm_minutes is None:
            parsed.confirm_minutes = DEFAULT_MINUTES
            if following is not None and following.isdigit():
                minutes = int(following)
                if not 1 <= minutes <= 65535:
                    return CommitSyntaxError(i + 2, "error: minutes must be 1..65535")
                parsed.confirm_minutes = minutes
                i += 1
        elif token == "comment" and parsed.comment is None:
            if following is None:
                return CommitSyntaxError(i + 2, "missing argument.")
            parsed.comment = following.strip('"')
            i += 1
        elif token == "and-quit":
            parsed.and_quit = True
        elif token not in IGNORED:
            return CommitSyntaxError(i + 1, "syntax error.")
        i += 1
    return parsed


def add_commit(state: DeviceState, entry: CommitEntry) -> None:
    """The entry becomes active: running, startup (a commit is persistent) and rollback 0."""
    state.running = entry.config.copy()
    state.startup = entry.config.copy()
    state.commits.insert(0, entry)
    del state.commits[MAX_ROLLBACKS:]


def commit(device: LabDevice, candidate: SetConfig, user: str, opts: CommitOptions) -> str:
    """Commit (or check) a candidate that passed the checks; returns what Junos prints."""
    record = device.record
    pending = device.confirms.pending.get(CONFIRM_KEY)
    if opts.confirm_minutes is None and pending is not None:
        device.stop_confirm(CONFIRM_KEY)
        # `rollback 1` + `commit` also confirms (Junos-wise); the detail tells it apart.
        back = not opts.check and candidate == pending.checkpoint
        step = SafetyNetRecord(
            action="confirm",
            target=pending_tag(device),
            detail="back to the config before the confirmed commit" if back else None,
        )
        record.safety_nets.append(step)
    if opts.check:
        record.commits.append(CommitRecord(check=True))
        return "configuration check succeeds\n"
    out = ""
    if opts.confirm_minutes is not None:
        # A second `commit confirmed` restarts the timer; it still goes back to the config
        # from before the first one.
        checkpoint = pending.checkpoint if pending is not None else device.state.running
        device.arm_confirm(CONFIRM_KEY, checkpoint, opts.confirm_minutes)
        record.safety_nets.append(
            SafetyNetRecord(
                action="commit_confirmed",
                target=opts.comment or "",
                detail=f"{opts.confirm_minutes} minutes",
            )
        )
        out = (
            f"commit confirmed will be automatically rolled back in {opts.confirm_minutes} "
            "minutes unless confirmed\n"
        )
    entry = CommitEntry(candidate.copy(), user, "cli", opts.comment, opts.confirm_minutes)
    add_commit(device.state, entry)
    device.config_changed()
    record.commits.append(CommitRecord(comment=opts.comment, confirm_minutes=opts.confirm_minutes))
    return out + "commit complete\n"


def pending_tag(device: LabDevice) -> str:
    """The comment of the newest confirmed commit (what a confirm is about)."""
    for entry in device.state.commits:
        if entry.confirm_minutes is not None:
            return entry.comment or ""
    return ""


def confirm_expired(device: LabDevice, pending: PendingConfirm) -> None:
    """The timer ran out: the system commits the config from before the confirmed commit."""
    assert isinstance(pending.checkpoint, SetConfig)
    add_commit(device.state, CommitEntry(pending.checkpoint.copy(), "root", "other"))
    device.state.candidate = None
    device.config_changed()


def pending_note(device: LabDevice) -> str:
    """The line Junos puts above `[edit]` while a confirmed commit waits."""
    pending = device.confirms.pending.get(CONFIRM_KEY)
    if pending is None:
        return ""
    return f"\n# commit confirmed will be rolled back in {pending.minutes_left()} minutes"
