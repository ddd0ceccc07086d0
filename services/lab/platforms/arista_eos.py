"""Arista EOS: prompts, command table, config rendering and file handling."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from services.lab import images
from services.lab.config_tree import ConfigTree, RenderStyle
from services.lab.device import DeviceSpec, LabDevice
from services.lab.flash import Flash, default_flash
from services.lab.opstate import OpModel
from services.lab.platforms import arista_eos_show as show
from services.lab.platforms import files, initial
from services.lab.platforms.arista_eos_grammar import EOS_GRAMMAR, expand_interface, short_interface
from services.lab.platforms.arista_eos_sessions import EosSessions
from services.lab.platforms.base import Command, command, words
from services.lab.platforms.grammar import Frame
from services.lab.platforms.ios_like import IosLikeCli, tree_of, tree_op_model
from services.lab.platforms.seed import seed_of
from services.lab.safety import PendingConfirm

if TYPE_CHECKING:
    from services.lab.session import Shell

FILE = r"\s+(?P<path>\S+)"
NAMED_MODES = {
    "pmap": "config-pmap-{}",
    "pmap-c": "config-pmap-c-{}",
    "cmap": "config-cmap-{}",
    "acl": "config-acl-{}",
    "route-map": "config-route-map-{}",
    "vlan": "config-vlan-{}",
    "vrf": "config-vrf-{}",
    "bgp-vrf": "config-router-bgp-vrf-{}",
}


class AristaEosCli(IosLikeCli):
    name = "arista_eos"
    grammar = EOS_GRAMMAR
    style = RenderStyle("   ", separate_nested=True)
    outputs = show
    dir_error = "% Error listing directory {path} ({reason})\n"

    def __init__(self) -> None:
        self.sessions = EosSessions(self)
        super().__init__()

    def exec_commands(self) -> list[Command]:
        return [
            *self.sessions.exec_commands(),
            *self.login_commands(),
            command("te|rminal le|ngth", self.terminal_length, r"\s+\d+", level=0),
            command("te|rminal w|idth", self.terminal_width, r"\s+(?P<n>\d+)", level=0),
            command("te|rminal", self.terminal_other, r"\s+.+", level=0),
            command("conf|igure", self.configure, r"(?:\s+" + words("t|erminal") + ")?"),
            command("sh|ow ve|rsion", self.show_version, level=0),
            command("sh|ow ru|nning-config", self.show_running, r"(?:\s+(?P<section>.+))?"),
            command("sh|ow star|tup-config", self.show_startup),
            command("sh|ow ip int|erface br|ief", self.show_ip_brief, level=0),
            command("sh|ow int|erfaces", self.show_interfaces, r"(?:\s+(?P<name>\S+))?", level=0),
            command("sh|ow ip b|gp su|mmary", self.show_bgp, level=0),
            command("sh|ow ip ro|ute su|mmary", self.show_routes, level=0),
            command("sh|ow boot-config", self.show_boot),
            command("dir", self.dir, r"(?:\s+(?P<path>\S+))?"),
            command("wr|ite", self.write, r"(?:\s+mem(?:o(?:r(?:y)?)?)?)?"),
            command("cop|y", self.copy, r"\s+(?P<src>\S+)\s+(?P<dst>\S+)"),
            command("verify", self.verify, r"\s+/md5" + FILE),
            command("del|ete", self.delete, FILE),
            command("rel|oad", self.reload, r"(?:\s+(?P<now>now|force))?"),
            command("cle|ar cou|nters", self.clear_counters),
        ]

    def config_commands(self) -> list[Command]:
        return [
            *super().config_commands(),
            *self.sessions.config_commands(),
            command("banner", self.banner_cmd, r"\s+(?P<kind>motd|login)"),
            command("boot system", self.boot_system, FILE),
        ]

    def prompt(self, shell: Shell) -> str:
        text = super().prompt(shell)
        if shell.frames and shell.config_session is not None:
            return text.replace("(config", f"(config-s-{shell.config_session.name[:6]}", 1)
        return text

    def mode_name(self, frame: Frame) -> str:
        header = frame.header or ""
        words = header.split()
        if frame.context == "if":
            return f"config-if-{short_interface(words[1])}"
        if frame.context == "mgmt":
            return "config-mgmt-" + "-".join(words[1:]).replace("http-commands", "http-cmds")
        if frame.context in NAMED_MODES:
            return NAMED_MODES[frame.context].format(words[-1] if words else "")
        return super().mode_name(frame)

    # --- device life cycle -------------------------------------------------------------------

    def initial_config(self, spec: DeviceSpec) -> ConfigTree:
        managed = self.config_from_text(spec.intended or initial.eos_managed(spec))
        return initial.merge(managed, self.config_from_text(initial.eos_base(spec)))

    def initial_flash(self, spec: DeviceSpec, version: str) -> Flash:
        image = images.for_version(self.name, version)
        total = int(spec.lab.get("flash_total_mb", 4096))
        return default_flash(image, total, {"boot-config": 29, "startup-config": 2048})

    def boot_image(self, device: LabDevice) -> str:
        current = images.for_version(self.name, device.state.version).filename
        return device.state.boot_image or current

    def boot_version(self, device: LabDevice) -> str | None:
        entry = device.state.flash.bootable(self.boot_image(device))
        return entry.version if entry is not None else None

    def op_model(self, device: LabDevice) -> OpModel:
        return tree_op_model(tree_of(device.state.running))

    def confirm_expired(self, device: LabDevice, pending: PendingConfirm) -> None:
        self.sessions.expired(device, pending)

    def banner(self, shell: Shell) -> str:
        for node in tree_of(shell.device.state.running).root.children:
            if node.line.startswith("banner motd"):
                return "\n".join(node.line.split("\n")[1:-1]) + "\n"
        return ""

    # --- output formats ----------------------------------------------------------------------

    def invalid_input(self, shell: Shell, line: str, caret: int, word: int) -> str:
        words = line.split()
        token = words[word] if word < len(words) else ""
        return f"% Invalid input (at token {word}: '{token}')\n"

    def incomplete(self) -> str:
        return "% Incomplete command\n"

    def render(self, device: LabDevice, config: ConfigTree, *, startup: bool) -> str:
        what = "startup-config" if startup else "running-config"
        head = [
            f"! Command: show {what}",
            f"! device: {self.hostname(device)} (vEOS-lab, EOS-{device.state.version})",
            "!",
            f"! boot system flash:/{self.boot_image(device)}",
        ]
        return "\n".join([*head, *self.render_body(config), "end"]) + "\n"

    # --- handlers ----------------------------------------------------------------------------

    async def terminal_length(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out("Pagination disabled.\n")

    async def terminal_width(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(f"Width set to {m.group('n')} columns.\n")

    async def terminal_other(self, shell: Shell, m: re.Match[str]) -> None:
        return None

    async def configure(self, shell: Shell, m: re.Match[str]) -> None:
        self.enter_config(shell)

    async def show_version(self, shell: Shell, m: re.Match[str]) -> None:
        seed = seed_of(shell.device.spec)
        shell.out(show.version(shell.device, seed.serial, seed.mac))

    async def show_interfaces(self, shell: Shell, m: re.Match[str]) -> None:
        name = m.group("name")
        only = expand_interface(name) if name else None
        text = show.interfaces(self.snapshot(shell.device), seed_of(shell.device.spec).mac, only)
        shell.out(text or f"% Invalid input (at token 2: '{name}')\n")

    def directory(self, flash: Flash, name: str | None) -> str:
        return show.directory(flash)

    async def show_boot(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(
            f"Software image: flash:/{self.boot_image(shell.device)}\n"
            "Consistency check: OK\nHardware image: \n"
        )

    async def save(self, shell: Shell) -> None:
        shell.device.save()
        shell.out("Copy completed successfully.\n")

    async def write(self, shell: Shell, m: re.Match[str]) -> None:
        await self.save(shell)

    async def reload(self, shell: Shell, m: re.Match[str]) -> None:
        question = "System configuration has been modified. Save? [yes/no/cancel/diff]:"
        if m.group("now") or await self.confirm_reload(shell, question):
            await self.do_reload(shell)

    async def clear_counters(self, shell: Shell, m: re.Match[str]) -> None:
        shell.device.state.counters_cleared_at = time.monotonic()

    async def banner_cmd(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out("Enter TEXT message. Type 'EOF' on its own line to end.\n")
        collected: list[str] = []
        while True:
            line = await shell.ask("")
            if line == "EOF":
                break
            collected.append(line)
        kind = m.group("kind")
        block = "\n".join([f"banner {kind}", *collected, "EOF"])
        tree = self.config_tree(shell)
        tree.set_line([], block, f"banner {kind}", rank=60)
        if tree is shell.device.state.running:
            shell.device.config_changed()
        shell.record_line(m.group(0), True)

    async def boot_system(self, shell: Shell, m: re.Match[str]) -> None:
        name = files.flash_name(m.group("path"))
        if name is None or name not in shell.device.state.flash.files:
            shell.out(f"% Error: {m.group('path')} does not exist\n")
            shell.record_line(m.group(0), False, "file does not exist")
            return
        shell.device.state.boot_image = name
        shell.record_line(m.group(0), True)

    async def copy(self, shell: Shell, m: re.Match[str]) -> None:
        src, dst = m.group("src"), m.group("dst")
        device = shell.device
        if src.startswith("run") and dst.startswith("start"):
            await self.save(shell)
            return
        if src.startswith("start") and dst.startswith("run"):
            device.state.running = device.state.startup.copy()
            device.config_changed()
            shell.out("Copy completed successfully.\n")
            return
        dest = files.flash_name(dst)
        if not files.URL.match(src) or dest is None:
            shell.out(f"% Error copying {src} to {dst} (No such file or directory)\n")
            return
        plan = files.plan_copy(device, src, dest or files.url_filename(src))
        if plan.error:
            shell.out(f"{plan.error.replace('%Error', '% Error')}\n")
            return
        await shell.pause(device.timings.copy_seconds)
        files.finish_copy(device, plan)
        shell.out("Copy completed successfully.\n")

    async def verify(self, shell: Shell, m: re.Match[str]) -> None:
        path = m.group("path")
        entry = shell.device.state.flash.files.get(files.flash_name(path) or "")
        if entry is None:
            shell.out(f"% Error verifying {path} (No such file or directory)\n")
            return
        shell.out(f"verify /md5 ({path}) = {entry.md5}\n")

    async def delete(self, shell: Shell, m: re.Match[str]) -> None:
        name = files.flash_name(m.group("path"))
        if name is None or shell.device.state.flash.files.pop(name, None) is None:
            shell.out(f"% Error deleting {m.group('path')} (No such file or directory)\n")


CLI = AristaEosCli()
