"""Configs as `set` lines (`show configuration | display set`): compare and apply."""

from __future__ import annotations

from collections.abc import Iterable

from services.compliance.checks import forbidden_pattern, forbidden_violations, required_violations
from services.compliance.report import FeatureResult, FeatureStatus
from services.compliance.rules import FeatureCheck


def set_lines(text: str) -> list[str]:
    """The `set` statements of a config, in order, without duplicates."""
    found: dict[str, None] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("set "):
            found.setdefault(line, None)
    return list(found)


def under(line: str, path: str) -> bool:
    """Whether a statement is `path` or lies below it (whole words)."""
    return line == path or line.startswith(path + " ")


def _common_words(a: list[str], b: list[str]) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def place(lines: list[str], statement: str) -> None:
    """Add a statement after its closest relative, where `display set` would show it."""
    if statement in lines:
        return
    words = statement.split()
    best, at = 1, len(lines)  # sharing only `set` is no relation: append
    for index, line in enumerate(lines):
        shared = _common_words(line.split(), words)
        if shared >= best and shared > 1:
            best, at = shared, index + 1
    lines.insert(at, statement)


def apply_commands(lines: Iterable[str], commands: Iterable[str]) -> list[str]:
    """Apply `set ...` / `delete ...` commands to set lines, as a commit would."""
    result = list(lines)
    for command in commands:
        command = command.strip()
        if command.startswith("delete "):
            path = "set " + command.removeprefix("delete ")
            result = [line for line in result if not under(line, path)]
        elif command.startswith("set "):
            place(result, command)
    return result


def _first_difference(a: list[str], b: list[str]) -> int:
    return next(i for i, (left, right) in enumerate(zip(a, b, strict=True)) if left != right)


def delete_of(line: str) -> str:
    """The `delete` command that removes one set line."""
    return "delete " + line.removeprefix("set ")


class SetLineComparison:
    """Running vs intended config of one set-line device, compared feature by feature."""

    def __init__(self, platform: str, running: str, intended: str) -> None:
        self.platform = platform
        self.running = set_lines(running)
        self.intended = set_lines(intended)

    def feature(self, check: FeatureCheck) -> FeatureResult:
        running = [line for line in self.running if check.owns(line)]
        intended = [line for line in self.intended if check.owns(line)]
        base = intended if check.match_intended else running
        target = [line for line in base if forbidden_pattern(line, check.forbidden) is None]
        running_set, target_set = set(running), set(target)
        missing = [line for line in target if line not in running_set]
        extra = [line for line in running if line not in target_set]
        remediation = [delete_of(line) for line in extra] + missing
        if check.match_intended is not None and check.match_intended.ordered:
            kept = [line for line in running if line in target_set]
            predicted = kept + missing
            if predicted != target:
                # Re-push everything from the first line out of place, so the order holds.
                first = _first_difference(predicted, target)
                moved = [line for line in target[first:] if line in running_set]
                missing += moved
                extra += moved
                remediation = [delete_of(line) for line in extra] + target[first:]
        violations = forbidden_violations(running, check.forbidden)
        violations += required_violations(running, check.required)
        status: FeatureStatus = "drift" if missing or extra or violations else "compliant"
        return FeatureResult(
            feature=check.feature,
            status=status,
            missing=missing,
            extra=extra,
            violations=violations,
            remediation=remediation,
        )
