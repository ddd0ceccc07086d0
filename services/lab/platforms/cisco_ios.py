"""Cisco IOS / IOS-XE: prompts, command table, config rendering and file handling."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from services.lab import images
from services.lab.config_tree import ConfigTree, RenderStyle
from services.lab.device import DeviceSpec, LabDevice
from services.lab.flash import Flash, default_flash
from services.lab.opstate import OpModel
from services.lab.platforms import cisco_ios_replace as replace
from services.lab.platforms import cisco_ios_show as show
from services.lab.platforms import files, initial
from services.lab.platforms.base import Command, command
from services.lab.platforms.cisco_ios_grammar import IOS_GRAMMAR, expand_interface
from services.lab.platforms.ios_like import IosLikeCli, tree_of, tree_op_model
from services.lab.platforms.seed import seed_of
from services.lab.records import now

if TYPE_CHECKING:
    from services.lab.session import Shell

FILE = r"\s+(?P<path>\S+)"


class CiscoIosCli(IosLikeCli):
    name = "cisco_ios"
    grammar = IOS_GRAMMAR
    style = RenderStyle(" ", (("address-family", "exit-address-family"),))
    outputs = show
    dir_error = "%Error opening {path} ({reason})\n"

    def exec_commands(self) -> list[Command]:
        return [
            *self.login_commands(),
            command("te|rminal", self.terminal, r"\s+.+", level=0),
            command("conf|igure rep|lace", self.configure_replace, FILE + r"(?P<force>\s+force)?"),
            command("conf|igure t|erminal", self.configure),
            command("conf|igure", self.configure_ask),
            command("sh|ow ve|rsion", self.show_version, level=0),
            command("sh|ow cl|ock", self.show_clock, level=0),
            command("sh|ow ru|nning-config", self.show_running, r"(?:\s+(?P<section>.+))?"),
            command("wr|ite t|erminal", self.show_running),
            command("sh|ow star|tup-config", self.show_startup),
            command("sh|ow ip int|erface br|ief", self.show_ip_brief, level=0),
            command("sh|ow int|erfaces", self.show_interfaces, r"(?:\s+(?P<name>\S+))?", level=0),
            command("sh|ow ip b|gp su|mmary", self.show_bgp, level=0),
            command("sh|ow b|gp ipv4 u|nicast su|mmary", self.show_bgp, level=0),
            command("sh|ow ip ro|ute su|mmary", self.show_routes, level=0),
            command("sh|ow boot", self.show_boot),
            command("sh|ow fla|sh:", self.dir, level=0),
            command("dir", self.dir, r"(?:\s+(?P<path>\S+))?"),
            command("wr|ite", self.write, r"(?:\s+mem(?:o(?:r(?:y)?)?)?)?"),
            command("cop|y", self.copy, r"\s+(?P<src>\S+)\s+(?P<dst>\S+)"),
            command("verify", self.verify, r"\s+/md5" + FILE + r"(?:\s+(?P<md5>[0-9a-fA-F]+))?"),
            command("del|ete", self.delete, r"(?P<force>\s+/force)?" + FILE),
            command("more", self.more, FILE),
            command("rel|oad", self.reload),
            command("cle|ar cou|nters", self.clear_counters),
        ]

    def config_commands(self) -> list[Command]:
        return [
            *super().config_commands(),
            command("exit-address-family", self.exit_section),
            command("banner", self.banner_cmd, r"\s+(?P<kind>\S+)\s+(?P<rest>.+)"),
        ]

    # --- device life cycle -------------------------------------------------------------------

    def initial_config(self, spec: DeviceSpec) -> ConfigTree:
        managed = self.config_from_text(spec.intended or initial.ios_managed(spec))
        return initial.merge(managed, self.config_from_text(initial.ios_base(spec)))

    def initial_flash(self, spec: DeviceSpec, version: str) -> Flash:
        image = images.for_version(self.name, version)
        total = int(spec.lab.get("flash_total_mb", 4096))
        return default_flash(image, total, {"pnp-tech-time": 8, "throughput_monitor_params": 30})

    def boot_version(self, device: LabDevice) -> str | None:
        """First bootable `boot system` file of the startup config."""
        for path in boot_files(tree_of(device.state.startup)):
            entry = device.state.flash.bootable(files.flash_name(path) or path)
            if entry is not None:
                return entry.version
        return None

    def op_model(self, device: LabDevice) -> OpModel:
        return tree_op_model(tree_of(device.state.running))

    def banner(self, shell: Shell) -> str:
        for node in tree_of(shell.device.state.running).root.children:
            if node.line.startswith("banner motd"):
                return "\n" + "\n".join(node.line.split("\n")[1:-1]) + "\n\n"
        return "\n"

    # --- output formats ----------------------------------------------------------------------

    def invalid_input(self, shell: Shell, line: str, caret: int, word: int) -> str:
        pad = " " * (len(self.prompt(shell)) + caret)
        return f"{pad}^\n% Invalid input detected at '^' marker.\n\n"

    def incomplete(self) -> str:
        return "% Incomplete command.\n\n"

    def config_text(self, device: LabDevice, config: ConfigTree) -> str:
        """The config as IOS writes it to a file (`show running-config` without its header)."""
        state = device.state
        major_minor = ".".join(state.version.split(".")[:2])
        stamp = state.changed_at.strftime("%H:%M:%S UTC %a %b %d %Y")
        head = ["!", f"! Last configuration change at {stamp} by {device.spec.credential.username}"]
        if state.saved_at is not None:
            head.append(
                f"! NVRAM config last updated at "
                f"{state.saved_at.strftime('%H:%M:%S UTC %a %b %d %Y')}"
            )
        lines = [*head, "!", f"version {major_minor}", *self.render_body(config), "end"]
        return "\n".join(lines) + "\n"

    def render(self, device: LabDevice, config: ConfigTree, *, startup: bool) -> str:
        body = self.config_text(device, config).removesuffix("\n")
        size = len(body) + 1
        if startup:
            return f"Using {size} out of 33554432 bytes\n{body}\n\n"
        return f"Building configuration...\n\nCurrent configuration : {size} bytes\n{body}\n\n"

    # --- handlers ----------------------------------------------------------------------------

    async def terminal(self, shell: Shell, m: re.Match[str]) -> None:
        return None

    async def configure(self, shell: Shell, m: re.Match[str] | None) -> None:
        shell.out("Enter configuration commands, one per line.  End with CNTL/Z.\n")
        self.enter_config(shell)

    async def configure_replace(self, shell: Shell, m: re.Match[str]) -> None:
        force = bool(m.group("force"))
        await replace.configure_replace(
            shell, m.group("path"), force=force, parse=self.config_from_text
        )

    async def more(self, shell: Shell, m: re.Match[str]) -> None:
        await replace.more(shell, m.group("path"))

    async def configure_ask(self, shell: Shell, m: re.Match[str]) -> None:
        answer = await shell.ask("Configuring from terminal, memory, or network [terminal]? ")
        if answer.lower() in ("", "t", "terminal"):
            await self.configure(shell, None)
        else:
            shell.out('?Must be "terminal", "memory" or "network"\n')

    async def show_version(self, shell: Shell, m: re.Match[str]) -> None:
        image = images.for_version(self.name, shell.device.state.version)
        shell.out(show.version(shell.device, self.hostname(shell.device), image.filename))

    async def show_clock(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(show.clock(now()))

    async def show_interfaces(self, shell: Shell, m: re.Match[str]) -> None:
        name = m.group("name")
        only = expand_interface(name) if name else None
        text = show.interfaces(self.snapshot(shell.device), seed_of(shell.device.spec).mac, only)
        shell.out(text or self.invalid_input(shell, m.group(0), len(m.group(0).split()[0]) + 1, 1))

    def directory(self, flash: Flash, name: str | None) -> str:
        return show.directory(flash, name)

    async def show_boot(self, shell: Shell, m: re.Match[str]) -> None:
        boot = ";".join(f"{p},12" for p in boot_files(tree_of(shell.device.state.startup)))
        shell.out(
            f"BOOT variable = {boot + ';' if boot else ''}\nCONFIG_FILE variable = \n"
            "BAUD variable = 9600\nENABLE_BREAK variable does not exist\n"
            "Manual Boot = no\nEnable Break = yes\n"
        )

    async def save(self, shell: Shell) -> None:
        shell.out("Building configuration...\n[OK]\n")
        shell.device.save()

    async def write(self, shell: Shell, m: re.Match[str]) -> None:
        await self.save(shell)

    async def reload(self, shell: Shell, m: re.Match[str]) -> None:
        question = "\nSystem configuration has been modified. Save? [yes/no]: "
        if await self.confirm_reload(shell, question):
            await self.do_reload(shell)

    async def clear_counters(self, shell: Shell, m: re.Match[str]) -> None:
        answer = await shell.ask('Clear "show interface" counters on all interfaces [confirm]')
        if answer.lower() in ("", "y", "yes"):
            shell.device.state.counters_cleared_at = time.monotonic()

    async def banner_cmd(self, shell: Shell, m: re.Match[str]) -> None:
        kind, rest = m.group("kind"), m.group("rest")
        delim = "^C" if rest.startswith("^C") else rest[0]
        body = rest[len(delim) :]
        if delim in body:
            text = body[: body.index(delim)]
        else:
            shell.out(f"Enter TEXT message.  End with the character '{delim}'.\n")
            collected = [body] if body else []
            while True:
                line = await shell.ask("")
                if delim in line:
                    collected.append(line[: line.index(delim)])
                    break
                collected.append(line)
            text = "\n".join(x for x in collected if x)
        tree = tree_of(shell.device.state.running)
        tree.set_line([], f"banner {kind} ^C\n{text}\n^C", f"banner {kind}", rank=75)
        shell.device.config_changed()
        shell.record_line(m.group(0), True)

    async def copy(self, shell: Shell, m: re.Match[str]) -> None:
        src, dst = m.group("src"), m.group("dst")
        device = shell.device
        quiet = _quiet(device)
        if src.startswith("run") and dst.startswith("start"):
            if not quiet:
                await shell.ask("Destination filename [startup-config]? ")
            await self.save(shell)
            return
        if src.startswith(("run", "system:run")) and files.flash_name(dst) is not None:
            text = self.config_text(device, tree_of(device.state.running))
            await replace.checkpoint(shell, dst, text, quiet=quiet)
            return
        if src.startswith("start") and dst.startswith("run"):
            device.state.running = device.state.startup.copy()
            device.config_changed()
            shell.out(f"{len(self.running_config(device))} bytes copied in 0.021 secs\n")
            return
        dest = files.flash_name(dst)
        if not files.URL.match(src) or dest is None:
            shell.out(f"%Error opening {src} (No such file or directory)\n")
            return
        dest = dest or files.url_filename(src)
        if not quiet:
            answer = await shell.ask(f"Destination filename [{dest}]? ")
            dest = answer or dest
            if dest in device.state.flash.files:
                answer = await shell.ask(
                    "%Warning:There is a file already existing with this name\n"
                    "Do you want to over write? [confirm]"
                )
                if answer.lower() not in ("", "y", "yes"):
                    return
        plan = files.plan_copy(device, src, dest)
        if plan.error or plan.image is None:
            shell.out(f"{plan.error}\n")
            return
        shell.out(f"Accessing {src}...\n")
        await shell.pause(device.timings.copy_seconds)
        files.finish_copy(device, plan)
        shell.out(
            f"Loading {src} !!!!!!!!!!!!!!!!!!!!\n[OK - {plan.image.size}/4096 bytes]\n\n"
            f"{files.copy_rate(plan.image.size, device.timings.copy_seconds)}\n"
        )

    async def verify(self, shell: Shell, m: re.Match[str]) -> None:
        path, expected = m.group("path"), m.group("md5")
        name = files.flash_name(path)
        entry = shell.device.state.flash.files.get(name or "")
        if entry is None:
            shell.out(f"%Error opening {path} (No such file or directory)\n")
            return
        label = f"flash:{entry.name}"
        shell.out("." * 40 + "Done!\n")
        if expected is None:
            shell.out(f"verify /md5 ({label}) = {entry.md5}\n\n")
        elif expected.lower() == entry.md5:
            shell.out(f"Verified ({label}) = {entry.md5}\n\n")
        else:
            shell.out(
                f"%Error verifying {label}\nComputed signature = {entry.md5}\n"
                f"Submitted signature = {expected.lower()}\n\n"
            )

    async def delete(self, shell: Shell, m: re.Match[str]) -> None:
        path = m.group("path")
        name = files.flash_name(path)
        flash = shell.device.state.flash
        if not m.group("force") and not _quiet(shell.device):
            await shell.ask(f"Delete filename [{name}]? ")
            answer = await shell.ask(f"Delete flash:/{name}? [confirm]")
            if answer.lower() not in ("", "y", "yes"):
                return
        if name is None or flash.files.pop(name, None) is None:
            shell.out(f"%Error deleting {path} (No such file or directory)\n")


def _quiet(device: LabDevice) -> bool:
    return tree_of(device.state.running).root.child("file prompt quiet") is not None


def boot_files(tree: ConfigTree) -> list[str]:
    return [n.line.split()[-1] for n in tree.root.children if n.line.startswith("boot system ")]


CLI = CiscoIosCli()
