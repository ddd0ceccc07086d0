"""The CLI engine IOS and EOS share: exec and config modes, pipes, saves, reloads."""

from __future__ import annotations

import contextlib
import re
from abc import abstractmethod
from ipaddress import IPv4Address, IPv4Interface
from typing import TYPE_CHECKING, Protocol

from services.lab.config_tree import ConfigNode, ConfigTree, RenderStyle, render_tree
from services.lab.device import LabDevice
from services.lab.flash import Flash
from services.lab.opstate import InterfaceConfig, NeighborConfig, OpModel, OpSnapshot
from services.lab.platforms import files, filters
from services.lab.platforms.base import Command, PlatformCli, command, find, first_word_known
from services.lab.platforms.grammar import Applied, Frame, Grammar, apply_line, word_offset
from services.lab.safety import ConfigSession

if TYPE_CHECKING:
    from services.lab.session import Shell

CTRL = "\x1a\x03"


def tree_of(config: object) -> ConfigTree:
    assert isinstance(config, ConfigTree)
    return config


class IosLikeShow(Protocol):
    """The show outputs each IOS-like platform prints its own way (its `*_show` module)."""

    def ip_interface_brief(self, snap: OpSnapshot) -> str: ...

    def bgp_summary(self, snap: OpSnapshot) -> str: ...

    def route_summary(self, snap: OpSnapshot) -> str: ...


class IosLikeCli(PlatformCli):
    """Exec/privileged/config modes with a section grammar, as on IOS and EOS."""

    grammar: Grammar
    style: RenderStyle
    outputs: IosLikeShow
    # `dir` of a path that is not there: the platform's message, given `path` and `reason`
    dir_error: str

    def __init__(self) -> None:
        self.exec_table: list[Command] = self.exec_commands()
        self.config_table: list[Command] = self.config_commands()

    # --- hooks for the platforms -----------------------------------------------------------

    @abstractmethod
    def exec_commands(self) -> list[Command]: ...

    @abstractmethod
    def invalid_input(self, shell: Shell, line: str, caret: int, word: int) -> str: ...

    @abstractmethod
    def incomplete(self) -> str: ...

    @abstractmethod
    def render(self, device: LabDevice, config: ConfigTree, *, startup: bool) -> str: ...

    def login_commands(self) -> list[Command]:
        """`enable`, `disable` and the ways to leave, alike on IOS and EOS."""
        return [
            command("en|able", self.enable, level=0),
            command("disa|ble", self.disable),
            command("exi|t", self.logout, level=0),
            command("logo|ut", self.logout, level=0),
            command("q|uit", self.logout, level=0),
        ]

    def mode_name(self, frame: Frame) -> str:
        section = self.grammar.section_named(frame.context)
        return section.prompt if section is not None else "config"

    def config_commands(self) -> list[Command]:
        return [
            command("end", self.end),
            command("ex|it", self.exit_mode),
            command("do", self.do, r"\s+(?P<rest>.+)"),
        ]

    # --- prompts and dispatch ----------------------------------------------------------------

    def hostname(self, device: LabDevice) -> str:
        for node in tree_of(device.state.running).root.children:
            if node.line.startswith("hostname "):
                return node.line.split(" ", 1)[1]
        return device.spec.name

    def prompt(self, shell: Shell) -> str:
        host = self.hostname(shell.device)
        if shell.frames:
            return f"{host}({self.mode_name(shell.frames[-1])})#"
        return host + ("#" if shell.privileged else ">")

    def running_config(self, device: LabDevice) -> str:
        return self.render(device, tree_of(device.state.running), startup=False)

    async def handle(self, shell: Shell, line: str) -> None:
        if shell.frames:
            await self.config_line(shell, line)
        else:
            await self.exec_line(shell, line)

    def caret_error(self, shell: Shell, text: str, table: list[Command]) -> str:
        word = 1 if first_word_known(table, text) else 0
        return self.invalid_input(shell, text, word_offset(text, word), word)

    async def exec_line(self, shell: Shell, line: str) -> None:
        text = line.strip().strip(CTRL)
        if not text:
            return
        parts = [p.strip() for p in text.split(" | ")]
        hit = find(self.exec_table, parts[0], 1 if shell.privileged else 0)
        if hit is None:
            shell.out(self.caret_error(shell, text, self.exec_table))
            return
        shell.record_command(text)
        mark = shell.mark()
        await hit[0].handler(shell, hit[1])
        for pipe in parts[1:]:
            output = shell.take_since(mark)
            filtered = filters.apply(output, pipe)
            if filtered is None:
                shell.out(self.caret_error(shell, text, []))
                return
            shell.out(filtered)

    async def config_line(self, shell: Shell, line: str) -> None:
        text = line.strip()
        if text.endswith("\x1a"):
            await self.end(shell, None)
            return
        text = text.strip(CTRL)
        if not text or text.startswith("!"):
            return
        hit = find(self.config_table, text, 1)
        if hit is not None:
            await hit[0].handler(shell, hit[1])
            return
        if not shell.config_line_allowed():
            return
        device = shell.device
        if device.faults.rejects(text):
            error = self.invalid_input(shell, text, 0, 0)
            shell.out(error)
            shell.record_line(text, False, error.strip())
            return
        tree = self.config_tree(shell)
        applied = apply_line(self.grammar, tree, shell.frames, text)
        if applied.ok:
            shell.frames = applied.frames
            if applied.changed and tree is device.state.running:
                device.config_changed()
            shell.record_line(text, True)
            return
        error = self.config_error(shell, text, applied)
        shell.out(error)
        shell.record_line(text, False, error.strip())

    def config_error(self, shell: Shell, text: str, applied: Applied) -> str:
        if applied.message:
            return applied.message + "\n"
        if applied.incomplete:
            return self.incomplete()
        word = len(text[: applied.caret].split())
        return self.invalid_input(shell, text, applied.caret, word)

    # --- shared exec handlers --------------------------------------------------------------

    def config_tree(self, shell: Shell) -> ConfigTree:
        """The config that config-mode lines edit: running (EOS sessions: their candidate)."""
        if shell.config_session is not None:
            return shell.config_session.candidate
        return tree_of(shell.device.state.running)

    def enter_config(self, shell: Shell, session: ConfigSession | None = None) -> None:
        shell.frames = [Frame("global")]
        shell.enter_config(session)

    async def enable(self, shell: Shell, m: re.Match[str] | None) -> None:
        if shell.privileged:
            return
        secret = shell.device.spec.credential.enable
        if secret is not None:
            answer = await shell.ask("Password: ", echo=False)
            if answer != secret.get_secret_value():
                shell.out("% Access denied\n")
                return
        shell.privileged = True

    async def disable(self, shell: Shell, m: re.Match[str] | None) -> None:
        shell.privileged = False

    async def logout(self, shell: Shell, m: re.Match[str] | None) -> None:
        shell.close()

    async def end(self, shell: Shell, m: re.Match[str] | None) -> None:
        shell.record_line("end", True)
        shell.leave_config()

    async def exit_mode(self, shell: Shell, m: re.Match[str] | None) -> None:
        shell.record_line("exit", True)
        if len(shell.frames) > 1:
            shell.frames = shell.frames[:-1]
        else:
            shell.leave_config()

    async def exit_section(self, shell: Shell, m: re.Match[str]) -> None:
        """`exit-address-family` and friends: leave the sub-mode they close."""
        word = m.group(0).strip()
        section = self.grammar.section_named(shell.frames[-1].context)
        if section is None or word not in section.exit_words:
            shell.out(self.caret_error(shell, word, []))
            return
        shell.record_line(word, True)
        shell.frames = shell.frames[:-1]

    async def do(self, shell: Shell, m: re.Match[str]) -> None:
        frames = shell.frames
        shell.frames = []
        try:
            await self.exec_line(shell, m.group("rest"))
        finally:
            shell.frames = frames

    async def show_running(self, shell: Shell, m: re.Match[str]) -> None:
        text = self.running_config(shell.device)
        section = m.groupdict().get("section")
        if section:
            text = filters.section_of(text, section)
        shell.out(text)

    async def show_startup(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(self.render(shell.device, tree_of(shell.device.state.startup), startup=True))

    async def confirm_reload(self, shell: Shell, save_question: str) -> bool:
        """The unsaved-config and confirm questions; True to go ahead."""
        device = shell.device
        if device.unsaved:
            while True:
                answer = (await shell.ask(save_question)).lower()
                if answer in ("y", "yes"):
                    await self.save(shell)
                    break
                if answer in ("n", "no"):
                    break
                if answer == "cancel":
                    return False
                shell.out("% Please answer 'yes' or 'no'.\n")
        answer = await shell.ask("Proceed with reload? [confirm]")
        return answer.lower() in ("", "y", "yes")

    async def do_reload(self, shell: Shell) -> None:
        shell.out(
            f"\nReload requested by {shell.username} on vty0. Reload Reason: Reload Command.\n"
        )
        shell.flush()
        await shell.device.reload(via="cli")

    @abstractmethod
    async def save(self, shell: Shell) -> None: ...

    @abstractmethod
    def directory(self, flash: Flash, name: str | None) -> str:
        """The `dir` listing of flash (of the file `name` alone where the platform does that)."""

    async def show_ip_brief(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(self.outputs.ip_interface_brief(self.snapshot(shell.device)))

    async def show_bgp(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(self.outputs.bgp_summary(self.snapshot(shell.device)))

    async def show_routes(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(self.outputs.route_summary(self.snapshot(shell.device)))

    async def dir(self, shell: Shell, m: re.Match[str]) -> None:
        path = m.groupdict().get("path") or "flash:"
        name = files.flash_name(path)
        if name is None:
            shell.out(self.dir_error.format(path=path, reason="No such device"))
        elif name and name not in shell.device.state.flash.files:
            shell.out(
                self.dir_error.format(path=f"flash:/{name}", reason="No such file or directory")
            )
        else:
            shell.out(self.directory(shell.device.state.flash, name or None))

    def config_from_text(self, text: str) -> ConfigTree:
        """Parse config text; `show running-config` headers and `version` are not config here."""
        skip = ("Building configuration", "Current configuration", "Using ", "version ")
        body = "\n".join(line for line in text.splitlines() if not line.startswith(skip))
        return ConfigTree.from_text(body, self.grammar.rank)

    def render_body(self, config: ConfigTree) -> list[str]:
        return render_tree(config, self.style)


def tree_op_model(tree: ConfigTree) -> OpModel:
    """Interfaces, BGP and static routes of an IOS-style config."""
    interfaces: list[InterfaceConfig] = []
    neighbors: dict[str, dict[str, str]] = {}
    local_as: int | None = None
    router_id: str | None = None
    static = 0
    for node in tree.root.children:
        words = node.line.split()
        if words[0] == "interface" and len(words) > 1:
            interfaces.append(_interface(words[1], node.children))
        elif words[:2] == ["router", "bgp"] and len(words) > 2:
            local_as = int(words[2])
            for child in node.children:
                w = child.line.split()
                if w[0] in ("router-id", "bgp") and len(w) >= 2 and w[-2] == "router-id":
                    router_id = w[-1]
                elif w[0] == "neighbor" and len(w) >= 3:
                    attrs = neighbors.setdefault(w[1], {})
                    attrs[w[2]] = " ".join(w[3:])
        elif words[:2] == ["ip", "route"]:
            static += 1
    bgp = tuple(
        NeighborConfig(
            IPv4Address(ip),
            int(attrs["remote-as"]),
            attrs.get("description") or None,
            "shutdown" not in attrs,
        )
        for ip, attrs in neighbors.items()
        if "remote-as" in attrs and attrs["remote-as"].isdigit() and _is_ip(ip)
    )
    return OpModel(tuple(interfaces), local_as, router_id, bgp, static)


def _is_ip(text: str) -> bool:
    try:
        IPv4Address(text)
    except ValueError:
        return False
    return True


def _interface(name: str, children: list[ConfigNode]) -> InterfaceConfig:
    loopback = name.lower().startswith("lo")
    fields: dict[str, object] = {
        "bandwidth_kbps": 8_000_000 if loopback else 1_000_000,
        "mtu": 65535 if loopback else 1500,
    }
    for child in children:
        w = child.line.split()
        if w[0] == "description":
            fields["description"] = child.line.split(" ", 1)[1] if len(w) > 1 else ""
        elif w[:2] == ["ip", "address"] and len(w) >= 3 and "secondary" not in w:
            with contextlib.suppress(ValueError):
                fields["address"] = IPv4Interface(w[2] if "/" in w[2] else f"{w[2]}/{w[3]}")
        elif child.line == "shutdown":
            fields["admin_up"] = False
        elif w[0] == "bandwidth" and len(w) == 2 and w[1].isdigit():
            fields["bandwidth_kbps"] = int(w[1])
        elif w[:2] == ["shape", "rate"] and len(w) >= 3 and w[2].isdigit():
            fields["bandwidth_kbps"] = int(w[2])
        elif w[0] == "mtu" and len(w) == 2 and w[1].isdigit():
            fields["mtu"] = int(w[1])
    return InterfaceConfig(name=name, **fields)  # type: ignore[arg-type]
