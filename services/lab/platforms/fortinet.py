"""Fortinet FortiOS: `config` / `edit` / `set` / `unset` / `delete` / `next` / `end`, `show`,
`get`, `diagnose sys flash list`, firmware to the secondary partition and `execute reboot`.

An `edit` object applies at `next` (or `end`), a table at `end`; FortiOS saves what it applies
(`cfg-save automatic`). `abort` and a dropped session lose what was not applied yet.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from services.lab import images
from services.lab.config_tree import ConfigTree
from services.lab.device import Config, DeviceSpec, LabDevice
from services.lab.flash import Flash
from services.lab.opstate import OpModel, OpSnapshot
from services.lab.platforms import fortinet_show as show
from services.lab.platforms.base import PlatformCli
from services.lab.platforms.seed import fake_hash, seed_of

if TYPE_CHECKING:
    from services.lab.session import Shell

FAIL = "Command fail. Return code -61\n"
TABLES = frozenset(
    {
        "system global",
        "system interface",
        "system console",
        "system admin",
        "system ntp",
        "ntpserver",
        "firewall shaper traffic-shaper",
        "log syslogd setting",
        "router bgp",
        "neighbor",
        "network",
        "router static",
    }
)
NUMBERS = re.compile(
    r"^set (estimated-(?:up|down)stream-bandwidth|(?:guaranteed|maximum)-bandwidth)"
)
MAX_KBPS = 80_000_000
# `get` commands that print the operational state
SNAPSHOT_VIEWS: dict[str, Callable[[OpSnapshot], str]] = {
    "get system interface physical": show.interface_physical,
    "get router info bgp summary": show.bgp_summary,
    "get router info routing-table all": show.routing_table,
}


def _tree(config: Config) -> ConfigTree:
    assert isinstance(config, ConfigTree)
    return config


def _quoted(name: str) -> str:
    name = name.strip('"')
    return name if name.isdigit() else f'"{name}"'


class FortinetCli(PlatformCli):
    name = "fortinet"

    def __init__(self) -> None:
        # A session's working copy of the config: what `next`/`end` will apply.
        self.working: weakref.WeakKeyDictionary[Shell, ConfigTree] = weakref.WeakKeyDictionary()

    # --- device life cycle -------------------------------------------------------------------

    def initial_config(self, spec: DeviceSpec) -> ConfigTree:
        s = seed_of(spec)
        base = [
            "config system console",
            "    set output standard",
            "end",
            "config system admin",
            f'    edit "{s.username}"',
            '        set accprofile "super_admin"',
            f"        set password ENC SH2{fake_hash(s, s.username)}",
            "    next",
            "end",
            *s.extra_config,
        ]
        managed = spec.intended or "\n".join(
            [
                "config system global",
                f'    set hostname "{s.hostname}"',
                "end",
                "config router bgp",
                f"    set as {s.asn}",
                "end",
            ]
        )
        return show.parse("\n".join(base) + "\n" + managed)

    def initial_flash(self, spec: DeviceSpec, version: str) -> Flash:
        flash = Flash(total=int(spec.lab.get("flash_total_mb", 512)) * images.MB)
        entry = flash.add_image(show.image(version))
        flash.files[show.partition_name(entry.name)] = flash.files.pop(entry.name)
        flash.files[show.partition_name(entry.name)].name = show.partition_name(entry.name)
        return flash

    def boot_version(self, device: LabDevice) -> str | None:
        return device.state.pending_version

    def op_model(self, device: LabDevice) -> OpModel:
        return show.op_model(_tree(device.state.running))

    def running_config(self, device: LabDevice) -> str:
        tree = _tree(device.state.running)
        return show.header(device, "admin", tree) + show.render(tree.root.children)

    def hostname(self, device: LabDevice) -> str:
        found = _tree(device.state.running).section(["config system global"])
        for node in found.children if found is not None else []:
            if node.line.startswith("set hostname "):
                return node.line.split(" ", 2)[2].strip('"')
        return device.spec.name

    def banner(self, shell: Shell) -> str:
        return ""

    def prompt(self, shell: Shell) -> str:
        host = self.hostname(shell.device)
        if not shell.edit:
            return f"{host} # "
        last = shell.edit[-1]
        where = last.split()[-1].strip('"')
        return f"{host} ({where}) # "

    # --- dispatch ----------------------------------------------------------------------------

    async def handle(self, shell: Shell, line: str) -> None:
        text = " ".join(line.strip().split())
        if not text:
            return
        if shell.edit is not None:
            self.config_line(shell, text)
            return
        shell.record_command(text)
        command, _, grep = text.partition(" | grep ")
        mark = shell.mark()
        await self.exec_line(shell, command)
        if grep:
            kept = [ln for ln in shell.take_since(mark).splitlines() if grep.strip() in ln]
            shell.out("".join(ln + "\n" for ln in kept))

    async def exec_line(self, shell: Shell, text: str) -> None:
        """One command outside config mode."""
        if text.startswith("config "):
            self.config_line(shell, text)
        elif text in ("exit", "quit"):
            shell.close()
        elif (report := self.report(shell.device, text)) is not None:
            shell.out(report)
        elif text.startswith("show"):
            self.show(shell, text)
        elif m := re.fullmatch(r"execute restore secondary-image tftp (\S+) (\S+)", text):
            await self.restore_image(shell, m.group(1), m.group(2))
        elif re.fullmatch(r"execute set-next-reboot (primary|secondary)", text):
            self.next_reboot(shell)
        elif text == "execute reboot":
            await self.reboot(shell)
        else:
            shell.out(f"command parse error before '{text.split()[0]}'\n{FAIL}")

    def report(self, device: LabDevice, text: str) -> str | None:
        """What a `get` or `diagnose` command that only reads the device prints, else None."""
        if text in SNAPSHOT_VIEWS:
            return SNAPSHOT_VIEWS[text](self.snapshot(device))
        if text == "get system status":
            return show.status(device, self.hostname(device), seed_of(device.spec).serial)
        if text == "get system console":
            output = self._value(device, "config system console", "output") or "more"
            return f"mode                : line\noutput              : {output}\n"
        if text == "diagnose sys flash list":
            return show.flash_list(device)
        return None

    def _value(self, device: LabDevice, section: str, key: str) -> str | None:
        node = _tree(device.state.running).section([section])
        for child in node.children if node is not None else []:
            if child.line.startswith(f"set {key} "):
                return child.line.split(" ", 2)[2]
        return None

    def show(self, shell: Shell, text: str) -> None:
        words = text.split()[1:]
        if words and words[0] == "full-configuration":
            words = words[1:]
        tree = _tree(shell.device.state.running)
        if not words:
            shell.out(self.running_config(shell.device))
            return
        path = "config " + " ".join(words)
        node = tree.section([path])
        if node is None:
            shell.out(f"command parse error before '{words[0]}'\n{FAIL}")
            return
        shell.out(show.render([node]))

    # --- firmware ----------------------------------------------------------------------------

    async def restore_image(self, shell: Shell, filename: str, server: str) -> None:
        device = shell.device
        answer = await shell.ask(
            "This operation will replace the current secondary firmware version!\n"
            "Do you want to continue? (y/n)"
        )
        if answer.lower() != "y":
            return
        found = images.by_filename(self.name, filename)
        shell.out(f"Please wait...\n\nConnect to tftp server {server} ...\n")
        if found is None:
            shell.out(f"Error: cannot get image {filename} from tftp server.\n{FAIL}")
            return
        await shell.pause(device.timings.copy_seconds)
        flash = device.state.flash
        running = show.partition_name(show.image(device.state.version).filename)
        for name in [n for n in flash.files if n != running]:
            del flash.files[name]
        entry = flash.add_image(found, corrupt=device.faults.corrupt_copy)
        if entry.corrupt:
            del flash.files[entry.name]
            shell.out("Get image from tftp server OK.\nError: image signature check failed.\n")
            return
        name = show.partition_name(entry.name)
        flash.files[name] = flash.files.pop(entry.name)
        flash.files[name].name = name
        device.record.copies.append(f"tftp://{server}/{filename} -> secondary")
        shell.out(
            "#" * 40 + "\nGet image from tftp server OK.\nVerifying the integrity of the "
            "firmware image.\nSecondary firmware image is written.\n"
        )

    async def reboot(self, shell: Shell) -> None:
        answer = await shell.ask(
            "This operation will reboot the system !\nDo you want to continue? (y/n)"
        )
        if answer.lower() == "y":
            shell.out("\nSystem is rebooting...\n")
            shell.flush()
            await shell.device.reload(via="cli")

    def next_reboot(self, shell: Shell) -> None:
        device = shell.device
        running = show.partition_name(show.image(device.state.version).filename)
        other = [f for n, f in device.state.flash.files.items() if n != running and f.version]
        if not other:
            shell.out(f"Secondary image is not valid.\n{FAIL}")
            return
        device.state.pending_version = other[0].version
        shell.out("Default image is changed to image# 2.\n")

    # --- configuration -----------------------------------------------------------------------

    def refuse(self, shell: Shell, text: str, word: str, kind: str = "command") -> None:
        shell.out(f"{kind} parse error before '{word}'\n{FAIL}")
        shell.record_line(text, False, f"{kind} parse error before '{word}'")

    def config_line(self, shell: Shell, text: str) -> None:
        """One line in config mode (or the `config` that enters it)."""
        if shell.edit is None:
            shell.edit = []
            shell.enter_config()
            self.working[shell] = _tree(shell.device.state.running).copy()
        if not shell.config_line_allowed():
            return
        if shell.device.faults.rejects(text):
            self.refuse(shell, text, text.split()[-1], "value")
            return
        path = shell.edit
        word, _, rest = text.partition(" ")
        step = CONFIG_STEPS.get(word, FortinetCli.unknown)
        if not step(self, shell, path, _Line(text, word, rest)):
            return
        shell.record_line(text, True)
        if not path:
            shell.leave_config()
            self.working.pop(shell, None)

    # Each step takes one config line; False when it refused the line (and said so).

    def unknown(self, shell: Shell, path: list[str], line: _Line) -> bool:
        word, rest = line.word, line.rest
        self.refuse(shell, line.text, word if word not in ("config", "edit") else rest or word)
        return False

    def enter_table(self, shell: Shell, path: list[str], line: _Line) -> bool:
        if line.rest not in TABLES:
            return self.unknown(shell, path, line)
        self.working[shell].ensure_section([*path, line.text])
        path.append(line.text)
        return True

    def edit_entry(self, shell: Shell, path: list[str], line: _Line) -> bool:
        if not (line.rest and path and path[-1].startswith("config ")):
            return self.unknown(shell, path, line)
        edit = f"edit {_quoted(line.rest)}"
        self.working[shell].ensure_section([*path, edit])
        path.append(edit)
        return True

    def set_value(self, shell: Shell, path: list[str], line: _Line) -> bool:
        if line.rest.count(" ") < 1 or not path:
            return self.unknown(shell, path, line)
        if NUMBERS.match(line.text) and not self._in_range(line.text.split()[-1]):
            self.refuse(shell, line.text, line.text.split()[-1], "value")
            return False
        self.working[shell].set_line(path, line.text, key=f"set {line.rest.split()[0]}")
        return True

    def unset_value(self, shell: Shell, path: list[str], line: _Line) -> bool:
        if not (line.rest and path):
            return self.unknown(shell, path, line)
        self.working[shell].remove(path, f"set {line.rest.split()[0]}")
        return True

    def delete_entry(self, shell: Shell, path: list[str], line: _Line) -> bool:
        if not (line.rest and path and path[-1].startswith("config ")):
            return self.unknown(shell, path, line)
        self.working[shell].remove(path, f"edit {_quoted(line.rest)}")
        return True

    def close_level(self, shell: Shell, path: list[str], line: _Line) -> bool:
        """`next` closes an entry, `end` a table; either applies."""
        if not path:
            return self.unknown(shell, path, line)
        if not path[-1].startswith("edit " if line.word == "next" else "config "):
            self.refuse(shell, line.text, line.word)
            return False
        path.pop()
        self.apply(shell)
        return True

    def abort(self, shell: Shell, path: list[str], line: _Line) -> bool:
        if not path:
            return self.unknown(shell, path, line)
        self.working[shell] = _tree(shell.device.state.running).copy()
        path.pop()
        return True

    @staticmethod
    def _in_range(value: str) -> bool:
        return value.isdigit() and int(value) <= MAX_KBPS

    def apply(self, shell: Shell) -> None:
        """`next`/`end`: the working copy is applied, and FortiOS saves it."""
        device = shell.device
        working = self.working[shell]
        if working != device.state.running:
            device.state.running = working.copy()
            device.config_changed()
            device.save()


class _Line(NamedTuple):
    text: str
    word: str  # the first word
    rest: str  # after the first word


CONFIG_STEPS: dict[str, Callable[[FortinetCli, Shell, list[str], _Line], bool]] = {
    "config": FortinetCli.enter_table,
    "edit": FortinetCli.edit_entry,
    "set": FortinetCli.set_value,
    "unset": FortinetCli.unset_value,
    "delete": FortinetCli.delete_entry,
    "next": FortinetCli.close_level,
    "end": FortinetCli.close_level,
    "abort": FortinetCli.abort,
}
CLI = FortinetCli()
