"""Junos configuration mode: set/delete/edit on the candidate, commit, rollback, compare."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from services.lab.config_tree import SetConfig, split_junos
from services.lab.platforms import junos_commit
from services.lab.platforms.base import Command, command, find
from services.lab.platforms.grammar import Outcome
from services.lab.platforms.juniper_junos_grammar import match_statement, valid_path
from services.lab.platforms.junos_commit import CommitSyntaxError, parse_commit

if TYPE_CHECKING:
    from services.lab.platforms.juniper_junos import JuniperJunosCli
    from services.lab.session import Shell


def set_of(config: object) -> SetConfig:
    assert isinstance(config, SetConfig)
    return config


def candidate(shell: Shell) -> SetConfig:
    state = shell.device.state
    if state.candidate is None:
        state.candidate = set_of(state.running).copy()
    return state.candidate


def check_errors(config: SetConfig) -> list[str]:
    """What `commit check` refuses: external BGP neighbours without a peer AS."""
    errors = []
    groups: dict[str, dict[str, str]] = {}
    for statement in config.under("protocols bgp group"):
        w = split_junos(statement)
        if len(w) >= 6:
            group = groups.setdefault(w[3], {})
            if w[4] == "neighbor":
                group.setdefault("neighbors", "")
                group["neighbors"] += " " + w[5]
                if len(w) >= 8 and w[6] == "peer-as":
                    group["peer-as:" + w[5]] = w[7]
            else:
                group[w[4]] = w[5]
    for name, group in groups.items():
        if group.get("type") == "internal" or "peer-as" in group:
            continue
        for ip in group.get("neighbors", "").split():
            if "peer-as:" + ip not in group:
                errors.append(
                    f"[edit protocols bgp group {name}]\n  'neighbor {ip}'\n"
                    "    Peer AS must be configured for an external peer"
                )
    return errors


class JunosConfigMode:
    def __init__(self, cli: JuniperJunosCli) -> None:
        self.cli = cli
        self.table: list[Command] = [
            command("set", self.set_statement, r"\s+(?P<rest>.+)"),
            command("del|ete", self.delete, r"\s+(?P<rest>.+)"),
            command("ed|it", self.edit, r"(?:\s+(?P<rest>.+))?"),
            command("up", self.up, r"(?:\s+(?P<n>\d+))?"),
            command("top", self.top),
            command("exit configuration-mode", self.exit_config),
            command("ex|it", self.exit),
            command("quit", self.exit),
            command("com|mit", self.commit, r"(?P<opts>(?:\s+.*)?)"),
            command("rollback", self.rollback, r"(?:\s+(?P<n>\d+))?"),
            command("sh|ow", self.show, r"(?P<rest>(?:\s+.*)?)"),
            command("run", self.run, r"\s+(?P<rest>.+)"),
        ]

    async def handle(self, shell: Shell, line: str) -> None:
        text = line.strip()
        if not text:
            return
        hit = find(self.table, text, 1)
        if hit is None:
            self._reject(shell, text, 0, "unknown command.")
            return
        await hit[0].handler(shell, hit[1])

    def _reject(self, shell: Shell, text: str, word: int, message: str) -> None:
        error = self.cli.error(shell, text, word, message)
        shell.out(error)
        shell.record_line(text, False, message)

    async def set_statement(self, shell: Shell, m: re.Match[str]) -> None:
        text = m.group(0).strip()
        if not shell.config_line_allowed():
            return
        if shell.device.faults.rejects(text):
            self._reject(shell, text, 1, "syntax error.")
            return
        path = shell.edit or []
        full = [*path, *split_junos(m.group("rest"))]
        spec, outcome, index = match_statement(full)
        if spec is None:
            word = max(1, index - len(path) + 1)
            message = "missing argument." if outcome is Outcome.INCOMPLETE else "syntax error."
            self._reject(shell, text, word, message)
            return
        if candidate(shell).set(" ".join(full), spec.identity(full)):
            shell.device.config_changed()
        shell.record_line(text, True)

    async def delete(self, shell: Shell, m: re.Match[str]) -> None:
        text = m.group(0).strip()
        if not shell.config_line_allowed():
            return
        full = [*(shell.edit or []), *split_junos(m.group("rest"))]
        if shell.device.faults.rejects(text) or not valid_path(full):
            self._reject(shell, text, 1, "syntax error.")
            return
        if candidate(shell).delete(" ".join(full)) == 0:
            shell.out("warning: statement not found\n")
        shell.record_line(text, True)

    async def edit(self, shell: Shell, m: re.Match[str]) -> None:
        full = [*(shell.edit or []), *split_junos(m.group("rest") or "")]
        if not valid_path(full):
            shell.out(self.cli.error(shell, m.group(0), 1, "syntax error."))
            return
        shell.edit = full
        shell.record_line(m.group(0).strip(), True)

    async def up(self, shell: Shell, m: re.Match[str]) -> None:
        levels = int(m.group("n") or 1)
        shell.edit = (shell.edit or [])[: max(0, len(shell.edit or []) - levels)]

    async def top(self, shell: Shell, m: re.Match[str]) -> None:
        shell.edit = []

    async def exit(self, shell: Shell, m: re.Match[str]) -> None:
        if shell.edit:
            shell.edit = []
            return
        await self.exit_config(shell, m)

    async def exit_config(self, shell: Shell, m: re.Match[str]) -> None:
        state = shell.device.state
        if state.candidate is not None and state.candidate != state.running:
            shell.out("The configuration has been changed but not committed\n")
            answer = await shell.ask("Exit with uncommitted changes? [yes,no] (yes) ")
            if answer.lower() not in ("", "y", "yes"):
                return
        shell.record_line("exit", True)
        shell.out("Exiting configuration mode\n")
        shell.leave_config()

    async def commit(self, shell: Shell, m: re.Match[str]) -> None:
        opts = parse_commit(m.group("opts"))
        if isinstance(opts, CommitSyntaxError):
            shell.out(self.cli.error(shell, m.group(0).strip(), opts.word, opts.message))
            return
        cand = candidate(shell)
        errors = check_errors(cand)
        if errors:
            shell.out("\n".join(errors) + "\nerror: configuration check-out failed\n")
            return
        shell.out(junos_commit.commit(shell.device, cand, shell.username, opts))
        if opts.and_quit:
            shell.out("Exiting configuration mode\n")
            shell.leave_config()

    async def rollback(self, shell: Shell, m: re.Match[str]) -> None:
        n = int(m.group("n") or 0)
        state = shell.device.state
        if n == 0:
            state.candidate = set_of(state.running).copy()
        elif n < len(state.commits):
            state.candidate = state.commits[n].config.copy()
        else:
            shell.out(f"error: Cannot rollback, file /config/juniper.conf.{n}.gz does not exist\n")
            return
        shell.record_line(m.group(0).strip(), True)
        shell.out("load complete\n")

    async def show(self, shell: Shell, m: re.Match[str]) -> None:
        parts = [p.strip() for p in m.group("rest").split("|")]
        path = " ".join([*(shell.edit or []), *split_junos(parts[0])])
        cand = candidate(shell)
        if "compare" in parts[1:]:
            running = set_of(shell.device.state.running).statements
            removed = [s for s in running if s not in cand.statements]
            added = [s for s in cand.statements if s not in running]
            if removed or added:
                shell.out(
                    "[edit]\n"
                    + "".join(f"-  set {s}\n" for s in removed)
                    + "".join(f"+  set {s}\n" for s in added)
                )
            return
        shell.display_set = "display set" in parts[1:]
        await self.cli.print_config(shell, cand, path, shell.device.state.version)

    async def run(self, shell: Shell, m: re.Match[str]) -> None:
        await self.cli.op_line(shell, m.group("rest"), from_config=True)
