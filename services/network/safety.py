"""A platform's safety net for a change: the NOS's own way to take a change back.

Where the NOS has one, a change runs under it: the change is applied but not yet kept, netwave
confirms it once its post-checks pass, and undoes it through the NOS otherwise. If netwave
cannot reach the device again (the change cut its own management path, the worker died), a
timer on the device takes the change back by itself.

A driver module gives its platform's net (`Platform.safety_net`); a platform without one is
restored from the pre-change backup, line by line. Each change gets a `tag` (from its change
id) that names its checkpoint, session or commit on the device, so every step can be
repeated after a crash and finds what the earlier attempt left.
"""

from __future__ import annotations

import re

from netmiko import BaseConnection

CONFIRM_MINUTES = 10  # long enough for post-checks; short enough to come back unattended


class SafetyNetError(Exception):
    """The NOS refused a step of its safety net; the message is its answer."""


class SafetyNet:
    """How one platform applies a change so that it can be taken back. The base class is
    the plain way (apply at once, nothing to confirm, nothing to undo)."""

    name = "restore from backup"

    def config_command(self, tag: str) -> str | None:
        """The command that opens the config session of the change (None: the driver's)."""
        return None

    def before(self, conn: BaseConnection, tag: str, timeout: float) -> None:
        """Prepare the take-back before the first line is sent (e.g. a checkpoint)."""

    def apply(self, conn: BaseConnection, tag: str, timeout: float) -> bool:
        """End the config session with the change live but not yet kept. False: nothing
        special to do here, the driver's own finish (without save) runs."""
        return False

    def abandon(self, conn: BaseConnection, tag: str) -> None:
        """The device refused a line mid-session: drop what the session holds, if it can."""

    def confirm(self, conn: BaseConnection, tag: str, timeout: float) -> None:
        """Keep the change (stop the device's timer, drop the checkpoint)."""

    def undo(self, conn: BaseConnection, tag: str, timeout: float) -> str | None:
        """Take the change back through the NOS. Returns what was done, None if the net
        had nothing to take back (the timer did it already, or nothing was applied)."""
        return None


def tag_for(change_id: str) -> str:
    """A name for the change's checkpoint/session on a device: letters, digits and dashes."""
    return "netwave-" + re.sub(r"[^A-Za-z0-9-]", "-", change_id)[:40]


def refusal(output: str, pattern: str) -> str | None:
    """The first line of `output` that matches the platform's error pattern, if any."""
    for line in output.splitlines():
        if re.search(pattern, line.strip()):
            return line.strip()
    return None
