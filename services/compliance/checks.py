"""The regex rules (required, forbidden) that every platform evaluates the same way."""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.compliance.rules import Forbidden, Required


def forbidden_pattern(line: str, rules: Sequence[Forbidden]) -> str | None:
    """The first forbidden regex a line matches, if any."""
    for rule in rules:
        for pattern in rule.lines:
            if re.search(pattern, line):
                return pattern
    return None


def forbidden_violations(lines: Sequence[str], rules: Sequence[Forbidden]) -> list[str]:
    """One message per device line that a forbidden regex matches."""
    found = []
    for line in lines:
        pattern = forbidden_pattern(line, rules)
        if pattern is not None:
            found.append(f"forbidden /{pattern}/ matches: {line}")
    return found


def required_violations(lines: Sequence[str], rules: Sequence[Required]) -> list[str]:
    """Messages for required regexes no device line matches, or matched out of order."""
    found = []
    for rule in rules:
        positions: list[int] = []
        for pattern in rule.lines:
            index = next((i for i, line in enumerate(lines) if re.search(pattern, line)), None)
            if index is None:
                found.append(f"required /{pattern}/ matches no line")
            else:
                positions.append(index)
        if rule.ordered and len(positions) == len(rule.lines) and positions != sorted(positions):
            found.append("required lines out of order: " + ", ".join(f"/{p}/" for p in rule.lines))
    return found
