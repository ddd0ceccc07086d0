"""IOS's configuration safety net: a checkpoint of the running config in flash
(`copy running-config flash:<file>`) and `configure replace flash:<file> [force]`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from services.lab.config_tree import ConfigTree
from services.lab.platforms import files
from services.lab.records import SafetyNetRecord

if TYPE_CHECKING:
    from services.lab.session import Shell

COPY_SECONDS = 0.052  # what a config-sized copy into flash takes, for the rate line
REPLACE_QUESTION = (
    "This will apply all necessary additions and deletions\n"
    "to replace the current running configuration with the\n"
    "contents of the specified configuration file, which is\n"
    "assumed to be a complete configuration, not a partial\n"
    "configuration. Enter Y if you are sure you want to proceed. ? [no]: "
)
OVERWRITE_QUESTION = (
    "%Warning:There is a file already existing with this name\nDo you want to over write? [confirm]"
)


def _record(shell: Shell, action: str, target: str, error: str | None = None) -> None:
    step = SafetyNetRecord(action=action, target=target, ok=error is None, detail=error)
    shell.device.record.safety_nets.append(step)


async def checkpoint(shell: Shell, dst: str, text: str, *, quiet: bool) -> None:
    """`copy running-config flash:<file>`: the running config as a text file in flash."""
    flash = shell.device.state.flash
    name = files.flash_name(dst) or "running-config"
    if not quiet:
        name = await shell.ask(f"Destination filename [{name}]? ") or name
        if name in flash.files:
            answer = await shell.ask(OVERWRITE_QUESTION)
            if answer.lower() not in ("", "y", "yes"):
                return
    size = len(text.encode())
    existing = flash.files.get(name)
    if flash.free + (existing.size if existing else 0) < size:
        error = f"%Error writing flash:{name} (No space left on device)"
        shell.out(error + "\n")
        _record(shell, "checkpoint", f"flash:{name}", error)
        return
    flash.add_text(name, text)
    shell.out(files.copy_rate(size, COPY_SECONDS) + "\n")
    _record(shell, "checkpoint", f"flash:{name}")


async def configure_replace(
    shell: Shell, path: str, *, force: bool, parse: Callable[[str], ConfigTree]
) -> None:
    """`configure replace flash:<file> [force]`: running becomes exactly the file's config."""
    device = shell.device
    name = files.flash_name(path)
    entry = device.state.flash.files.get(name or "") if name else None
    if entry is None:
        error = f"%Error opening {path} (No such file or directory)"
        shell.out(error + "\n")
        _record(shell, "replace", path, error)
        return
    if entry.content is None:
        error = f"%Error: {path} is not a valid config file"
        shell.out(error + "\n")
        _record(shell, "replace", path, error)
        return
    if not force:
        answer = await shell.ask(REPLACE_QUESTION)
        if answer.lower() not in ("y", "yes"):
            return
    replacement = parse(entry.content)
    # A line the device refuses when typed is refused by the replace too: IOS tries again up
    # to five passes, lists what it could not apply and gives up (modelled as all-or-nothing).
    running = device.state.running
    current = set(running.flat()) if isinstance(running, ConfigTree) else set()
    refused = [
        line.rsplit(" / ", 1)[-1]
        for line in replacement.flat()
        if line not in current and device.faults.rejects(line.rsplit(" / ", 1)[-1])
    ]
    if refused:
        listed = "".join(f"  {line}\n" for line in refused)
        shell.out(
            "Total number of passes: 5\n"
            "%The following commands are failed to apply to the IOS image.\n"
            f"{listed}Rollback aborted after 5 passes\n\n"
        )
        _record(shell, "replace", f"flash:{entry.name}", f"refused: {', '.join(refused)}")
        return
    passes = 0 if replacement == device.state.running else 1
    device.state.running = replacement
    if passes:
        device.config_changed()
    shell.out(f"Total number of passes: {passes}\nRollback Done\n\n")
    _record(shell, "replace", f"flash:{entry.name}")


async def more(shell: Shell, path: str) -> None:
    """`more flash:<file>`: a text file's content."""
    name = files.flash_name(path)
    entry = shell.device.state.flash.files.get(name or "") if name else None
    if entry is None or entry.content is None:
        shell.out(f"%Error opening {path} (No such file or directory)\n")
        return
    shell.out(entry.content)
