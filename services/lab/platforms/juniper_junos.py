"""Juniper Junos: operational mode, the candidate configuration, commit and rollback."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from services.lab import images
from services.lab.config_tree import SetConfig
from services.lab.device import DeviceSpec, LabDevice
from services.lab.flash import Flash, default_flash
from services.lab.opstate import OpModel
from services.lab.platforms import files, initial, junos_commit
from services.lab.platforms import juniper_junos_show as show
from services.lab.platforms.base import Command, PlatformCli, command, find, first_word_known
from services.lab.platforms.grammar import word_offset
from services.lab.platforms.junos_config import JunosConfigMode, set_of
from services.lab.platforms.junos_model import junos_op_model
from services.lab.platforms.seed import seed_of
from services.lab.records import now
from services.lab.safety import PendingConfirm

if TYPE_CHECKING:
    from services.lab.session import Shell

PATH = r"\s+(?P<path>\S+)"


class JuniperJunosCli(PlatformCli):
    name = "juniper_junos"

    def __init__(self) -> None:
        self.config_mode = JunosConfigMode(self)
        self.op_table: list[Command] = [
            command("set cli screen-width", self.screen_width, r"\s+(?P<n>\d+)"),
            command("set cli screen-length", self.screen_length, r"\s+(?P<n>\d+)"),
            command("set cli complete-on-space", self.complete_on_space, r"\s+(?P<v>on|off)"),
            command("set cli", self.nothing, r"\s+.+"),
            command("conf|igure", self.configure, r"(?:\s+(?P<how>private|exclusive))?"),
            command("exit", self.logout),
            command("quit", self.logout),
            command("sh|ow ve|rsion", self.show_version),
            command("sh|ow conf|iguration", self.show_configuration, r"(?:\s+(?P<path>.+))?"),
            command("sh|ow in|terfaces te|rse", self.show_terse, r"(?:\s+(?P<name>\S+))?"),
            command(
                "sh|ow in|terfaces",
                self.show_interfaces,
                r"(?:\s+(?P<name>[a-z]\S*?))?(?:\s+(?:extensive|detail|statistics))?",
            ),
            command("sh|ow bgp su|mmary", self.show_bgp),
            command("sh|ow route su|mmary", self.show_routes),
            command("sh|ow sys|tem sto|rage", self.show_storage),
            command("sh|ow sys|tem com|mit", self.show_commits),
            command("sh|ow sys|tem up|time", self.show_uptime),
            command("file li|st", self.file_list, r"(?:\s+(?P<path>/\S*))?(?P<detail>\s+detail)?"),
            command("file co|py", self.file_copy, r"\s+(?P<src>\S+)\s+(?P<dst>\S+)"),
            command("file checksum md5", self.file_md5, PATH),
            command("file del|ete", self.file_delete, PATH),
            command(
                "req|uest sys|tem sof|tware add",
                self.software_add,
                PATH + r"(?P<opts>(?:\s+(?:no-validate|reboot|no-copy|force))*)",
            ),
            command("req|uest sys|tem reb|oot", self.reboot),
            command("cle|ar in|terfaces st|atistics", self.clear_stats, r"(?:\s+\S+)?"),
        ]

    # --- device life cycle -------------------------------------------------------------------

    def initial_config(self, spec: DeviceSpec) -> SetConfig:
        managed = spec.intended.splitlines() if spec.intended else initial.junos_managed(spec)
        return SetConfig.from_lines([*managed, *initial.junos_base(spec)])

    def initial_flash(self, spec: DeviceSpec, version: str) -> Flash:
        image = images.for_version(self.name, version)
        total = int(spec.lab.get("flash_total_mb", 8192))
        return default_flash(image, total, {"lldpd_ctl": 0, "sec-download": 512})

    def boot_version(self, device: LabDevice) -> str | None:
        return device.state.pending_version

    def op_model(self, device: LabDevice) -> OpModel:
        return junos_op_model(set_of(device.state.running))

    def confirm_expired(self, device: LabDevice, pending: PendingConfirm) -> None:
        junos_commit.confirm_expired(device, pending)

    def running_config(self, device: LabDevice) -> str:
        return "\n".join(set_of(device.state.running).render(device.state.version)) + "\n"

    def hostname(self, device: LabDevice) -> str:
        for statement in set_of(device.state.running).under("system host-name"):
            return statement.split()[-1]
        return device.spec.name

    def banner(self, shell: Shell) -> str:
        return f"--- JUNOS {shell.device.state.version} Kernel 64-bit  JNPR-12.1-20230321.2f0b6e5\n"

    def prompt(self, shell: Shell) -> str:
        base = f"{shell.username}@{self.hostname(shell.device)}"
        if shell.edit is None:
            return f"{base}> "
        where = " ".join(shell.edit)
        note = junos_commit.pending_note(shell.device)
        return f"{note}\n[edit{' ' + where if where else ''}]\n{base}# "

    # --- dispatch ----------------------------------------------------------------------------

    async def handle(self, shell: Shell, line: str) -> None:
        if shell.edit is not None:
            await self.config_mode.handle(shell, line)
        else:
            await self.op_line(shell, line)

    def error(self, shell: Shell, line: str, word: int, message: str) -> str:
        prompt = self.prompt(shell).rsplit("\n", 1)[-1]
        return " " * (len(prompt) + word_offset(line, word)) + f"^\n{message}\n"

    async def op_line(self, shell: Shell, line: str, *, from_config: bool = False) -> None:
        text = line.strip()
        if not text:
            return
        parts = [p.strip() for p in text.split(" | ")]
        display_set = "display set" in parts[1:]
        hit = find(self.op_table, parts[0], 1)
        if hit is None:
            known = first_word_known(self.op_table, text)
            message = "syntax error, expecting <command>." if known else "unknown command."
            shell.out(self.error(shell, line, 1 if known else 0, message))
            return
        shell.record_command(text)
        mark = shell.mark()
        shell.display_set = display_set  # read by show configuration
        await hit[0].handler(shell, hit[1])
        for pipe in parts[1:]:
            shell.out(junos_pipe(shell.take_since(mark), pipe))
        if not from_config and shell.edit is None and shell.mark() > mark:
            shell.out("\n")

    # --- operational handlers ----------------------------------------------------------------

    async def nothing(self, shell: Shell, m: re.Match[str]) -> None:
        return None

    async def screen_width(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(f"Screen width set to {m.group('n')}\n")

    async def screen_length(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(f"Screen length set to {m.group('n')}\n")

    async def complete_on_space(self, shell: Shell, m: re.Match[str]) -> None:
        word = "Disabling" if m.group("v") == "off" else "Enabling"
        shell.out(f"{word} complete-on-space\n")

    async def logout(self, shell: Shell, m: re.Match[str]) -> None:
        shell.close()

    async def configure(self, shell: Shell, m: re.Match[str]) -> None:
        state = shell.device.state
        if state.candidate is None:
            state.candidate = set_of(state.running).copy()
        if m.group("how") == "private":
            shell.out("warning: uncommitted changes will be discarded on exit\n")
        shell.out("Entering configuration mode\n")
        shell.edit = []
        shell.enter_config()

    async def show_version(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(show.version(shell.device, self.hostname(shell.device)))

    async def show_configuration(self, shell: Shell, m: re.Match[str]) -> None:
        config = set_of(shell.device.state.running)
        path = (m.group("path") or "").strip()
        await self.print_config(shell, config, path, shell.device.state.version)

    async def print_config(
        self, shell: Shell, config: SetConfig, path: str, version: str | None
    ) -> None:
        selected = SetConfig(config.under(path)) if path else config
        if shell.display_set:
            shell.out("\n".join(selected.render(None if path else version)) + "\n")
        else:
            shell.out(show.braces(selected, None if path else version))

    async def show_terse(self, shell: Shell, m: re.Match[str]) -> None:
        name = m.group("name")
        text = show.interfaces_terse(self.snapshot(shell.device), name)
        shell.out(f"error: device {name} not found\n" if text.count("\n") < 2 else text)

    async def show_interfaces(self, shell: Shell, m: re.Match[str]) -> None:
        text = show.interfaces(
            self.snapshot(shell.device), seed_of(shell.device.spec).mac, m.group("name")
        )
        shell.out(text or f"error: device {m.group('name')} not found\n")

    async def show_bgp(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(show.bgp_summary(self.snapshot(shell.device)))

    async def show_routes(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(show.route_summary(self.snapshot(shell.device)))

    async def show_storage(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(show.storage(shell.device.state.flash))

    async def show_commits(self, shell: Shell, m: re.Match[str]) -> None:
        lines = [entry.line(i) for i, entry in enumerate(shell.device.state.commits)]
        shell.out("\n".join(lines) + "\n" if lines else "")

    async def show_uptime(self, shell: Shell, m: re.Match[str]) -> None:
        state = shell.device.state
        shell.out(
            f"Current time: {now():%Y-%m-%d %H:%M:%S} UTC\n"
            f"System booted: {state.booted_wall:%Y-%m-%d %H:%M:%S} UTC "
            f"({time.strftime('%H:%M:%S', time.gmtime(state.uptime))} ago)\n"
        )

    async def file_list(self, shell: Shell, m: re.Match[str]) -> None:
        shell.out(show.file_list(shell.device.state.flash, bool(m.group("detail"))))

    async def file_copy(self, shell: Shell, m: re.Match[str]) -> None:
        src, dst = m.group("src"), m.group("dst")
        dest = files.flash_name(dst)
        if not files.URL.match(src) or dest is None:
            shell.out(f"error: file-fetch failed\nerror: could not fetch remote file {src}\n")
            return
        device = shell.device
        plan = files.plan_copy(device, src, dest.lstrip("/") or files.url_filename(src))
        if plan.error or plan.image is None:
            reason = "not enough space" if plan.image else "file not found"
            shell.out(f"error: file-fetch failed ({reason}): {src}\n")
            return
        await shell.pause(device.timings.copy_seconds)
        files.finish_copy(device, plan)
        mb = plan.image.size // (1024 * 1024)
        shell.out(f"/var/tmp/{plan.dest:<40} 100% of {mb} MB\n")

    async def file_md5(self, shell: Shell, m: re.Match[str]) -> None:
        path = m.group("path")
        entry = shell.device.state.flash.files.get(files.flash_name(path) or "")
        if entry is None:
            shell.out(f"error: could not resolve file: {path}\n")
            return
        shell.out(f"MD5 ({path}) = {entry.md5}\n")

    async def file_delete(self, shell: Shell, m: re.Match[str]) -> None:
        name = files.flash_name(m.group("path"))
        if name is None or shell.device.state.flash.files.pop(name, None) is None:
            shell.out(f"error: could not delete {m.group('path')}: No such file or directory\n")

    async def software_add(self, shell: Shell, m: re.Match[str]) -> None:
        path, opts = m.group("path"), m.group("opts").split()
        device = shell.device
        entry = device.state.flash.files.get(files.flash_name(path) or "")
        if entry is None:
            shell.out(f"error: File does not exist: {path}\n")
            return
        if entry.version is None or entry.corrupt:
            shell.out(f"ERROR: Package {path} failed signature validation; installation failed\n")
            return
        if "no-validate" not in opts:
            shell.out(
                f"NOTICE: Validating configuration against {entry.name}.\n"
                "NOTICE: Use the 'no-validate' option to skip this if desired.\n"
            )
        shell.out(
            f"Installing package '{path}' ...\n"
            f"Verified {entry.name} signed by PackageProductionECP256_2023 method ECDSA256+SHA256\n"
            "NOTICE: 'pending' set will be activated at next reboot...\n"
        )
        device.state.pending_version = entry.version
        if "reboot" in opts:
            await self.do_reboot(shell)

    async def reboot(self, shell: Shell, m: re.Match[str]) -> None:
        answer = await shell.ask("Reboot the system ? [yes,no] (no) ")
        if answer.lower() in ("y", "yes"):
            await self.do_reboot(shell)

    async def do_reboot(self, shell: Shell) -> None:
        shell.out("\nShutdown NOW!\n[pid 40101]\n")
        shell.flush()
        await shell.device.reload(via="cli")

    async def clear_stats(self, shell: Shell, m: re.Match[str]) -> None:
        shell.device.state.counters_cleared_at = time.monotonic()


def junos_pipe(output: str, pipe: str) -> str:
    """`| match`, `| except`, `| count`, `| no-more`, `| display set` (handled by the command)."""
    words = pipe.split(None, 1)
    if not words or words[0] in ("no-more", "display"):
        return output
    lines = output.split("\n")
    pattern = re.compile(words[1].strip('"')) if len(words) > 1 else re.compile("")
    if words[0] == "match":
        return "\n".join(line for line in lines if pattern.search(line)) + "\n"
    if words[0] == "except":
        return "\n".join(line for line in lines if not pattern.search(line)) + "\n"
    if words[0] == "count":
        return f"Count: {len([line for line in lines if line])} lines\n"
    return output


CLI = JuniperJunosCli()
