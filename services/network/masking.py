"""Secrets masked out of config text: what a tenant sees of its devices' configs.

Each platform's driver lists where its config holds secrets (`Platform.secret_patterns`:
password hashes, keys, SNMP communities). Every capture group of a pattern that matches a line
is replaced by `MASK`; the rest of the line, its line ending and every other line stay as they
were, so masked configs still diff line for line. Masking a platform's masked text again
changes nothing.

A platform netwave does not know (a backup of a device gone from the inventory) is masked with
every platform's patterns: a viewer who must not see secrets never sees one by default (at the
price of masking more than the secret, such as a hash's type).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from services.network.platforms import PLATFORMS

MASK = "<masked>"
# Where a message quotes a config line: after `: ` or `; `.
QUOTED = re.compile(r"[:;] ")
# A config line quoted in a message: `the device refused 'snmp-server community x RO'`.
IN_QUOTES = re.compile(r"'([^'\n]+)'")


class SecretMasker:
    """The compiled `secret_patterns` of one platform (or of all of them)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(re.compile(p) for p in dict.fromkeys(patterns))
        # One pass over a line that holds no secret (most lines) instead of one per pattern.
        self._any = (
            re.compile("|".join(f"(?:{p.pattern})" for p in self.patterns))
            if self.patterns
            else None
        )

    def line(self, line: str) -> str:
        """One line (without its line ending) with its secrets masked."""
        if self._any is None or not self._any.search(line):
            return line
        for pattern in self.patterns:
            line = pattern.sub(_masked, line)
        return line

    def text(self, text: str) -> str:
        """A config with its secrets masked, line endings and all other lines as they were."""
        if self._any is None:
            return text
        # Each line without its line ending (whichever it is), and with it.
        bodies, raws = text.splitlines(), text.splitlines(keepends=True)
        return "".join(
            raw if (masked := self.line(body)) == body else masked + raw[len(body) :]
            for body, raw in zip(bodies, raws, strict=True)
        )

    def lines(self, lines: Iterable[str]) -> list[str]:
        return [self.text(line) for line in lines]

    def prose(self, text: str) -> str:
        """A message that may quote config lines after a colon or a semicolon (`forbidden /re/
        matches: <line>`, `lines left over: <line>; <line>`) or in single quotes (`the device
        refused '<line>'`): each line of the text, what follows each `: ` or `; ` in it and
        what it quotes, masked as a config line."""
        out = []
        for raw in text.splitlines(keepends=True):
            body = raw.splitlines()[0]
            out.append(self._quoted(body) + raw[len(body) :])
        return "".join(out)

    def _quoted(self, line: str) -> str:
        line = IN_QUOTES.sub(lambda m: f"'{self.line(m[1])}'", line)
        line = self.line(line)
        found = QUOTED.search(line)
        return line if found is None else line[: found.end()] + self._quoted(line[found.end() :])

    def diff(self, diff: str) -> str:
        """A unified diff made without masking, its content lines masked (headers as they are).

        Better to mask both texts before diffing (`text`): a changed secret then shows as no
        change. This is for diffs stored already made, such as a change's plan.
        """
        out = []
        for raw in diff.splitlines(keepends=True):
            body = raw.splitlines()[0]
            if body.startswith(("+++", "---", "@@")) or not body:
                out.append(raw)
            else:
                out.append(body[0] + self.line(body[1:]) + raw[len(body) :])
        return "".join(out)


def _masked(match: re.Match[str]) -> str:
    """The match with every capture group that took part replaced by MASK."""
    whole, start = match.group(0), match.start(0)
    pieces, at = [], 0
    for group in range(1, (match.re.groups or 0) + 1):
        begin, end = match.span(group)
        if begin < 0 or begin - start < at:  # did not take part, or inside one masked already
            continue
        pieces += [whole[at : begin - start], MASK]
        at = end - start
    return "".join(pieces) + whole[at:]


@cache
def masker(platform: str | None) -> SecretMasker:
    """The masker of a platform; of every platform when it is None or unknown."""
    if platform is not None and platform in PLATFORMS:
        return SecretMasker(PLATFORMS[platform].secret_patterns)
    return SecretMasker(p for known in PLATFORMS.values() for p in known.secret_patterns)


def mask_config(platform: str | None, text: str) -> str:
    """`text` (a config, a diff's side, a command list joined) with its secrets masked."""
    return masker(platform).text(text)


def mask_lines(platform: str | None, lines: Iterable[str]) -> list[str]:
    """Each config line of `lines` with its secrets masked."""
    return masker(platform).lines(lines)


def mask_diff(platform: str | None, diff: str) -> str:
    """A unified diff's added, removed and context lines with their secrets masked."""
    return masker(platform).diff(diff)
