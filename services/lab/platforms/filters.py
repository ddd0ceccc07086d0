"""Output filters after `|`: include, exclude, begin, section, count (IOS and EOS)."""

from __future__ import annotations

import re
from collections.abc import Callable

from services.lab.platforms.base import words


def _pattern(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error:
        return re.compile(re.escape(text))


def _include(lines: list[str], rx: re.Pattern[str]) -> list[str]:
    return [line for line in lines if rx.search(line)]


def _exclude(lines: list[str], rx: re.Pattern[str]) -> list[str]:
    return [line for line in lines if not rx.search(line)]


def _begin(lines: list[str], rx: re.Pattern[str]) -> list[str]:
    for i, line in enumerate(lines):
        if rx.search(line):
            return lines[i:]
    return []


def _section(lines: list[str], rx: re.Pattern[str]) -> list[str]:
    out: list[str] = []
    keep = False
    for line in lines:
        if line and not line[0].isspace():
            keep = bool(rx.search(line))
        if keep and line.strip() != "!":
            out.append(line)
    return out


def _count(lines: list[str], rx: re.Pattern[str]) -> list[str]:
    return [f"Number of lines which match regexp = {len(_include(lines, rx))}"]


FILTERS: list[tuple[re.Pattern[str], Callable[[list[str], re.Pattern[str]], list[str]]]] = [
    (re.compile(words(spec) + r"\s+(?P<rx>.+)", re.IGNORECASE), fn)
    for spec, fn in (
        ("i|nclude", _include),
        ("e|xclude", _exclude),
        ("b|egin", _begin),
        ("s|ection", _section),
        ("c|ount", _count),
    )
]


def apply(output: str, pipe: str) -> str | None:
    """Filter command output; None when the filter itself is not valid."""
    for rx, fn in FILTERS:
        m = rx.fullmatch(pipe.strip())
        if m:
            lines = output.split("\n")
            kept = fn(lines, _pattern(m.group("rx").strip()))
            text = "\n".join(kept)
            return text + "\n" if text and not text.endswith("\n") else text
    return None


def section_of(text: str, regex: str) -> str:
    kept = _section(text.split("\n"), _pattern(regex))
    return "\n".join(kept) + "\n" if kept else ""
