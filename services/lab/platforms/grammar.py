"""Config-mode grammar for IOS-like platforms, as data: sections, leaves and how lines apply.

A spec is a line pattern made of tokens: a literal (`ip`, alternatives `input|output`),
`<word>`, `<int>`, `<ip>`, `<mask>`, `<prefix>`, `<addr>` (ip or prefix), `<rest>` (one or more
words) or `...` (anything after). A leaf's `key` is how many leading words identify it: a new
line with the same key replaces the old one (`description`, `ip address`); `None` means lines
are distinct (`ntp server 1.1.1.1`, `ntp server 2.2.2.2`).

Lines apply like IOS: a line invalid in the current sub-mode is tried in the parent modes, and
if valid there, the session moves to that mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from ipaddress import IPv4Address, IPv4Network

from services.lab.config_tree import ConfigTree


class Outcome(Enum):
    OK = "ok"
    INCOMPLETE = "incomplete"
    INVALID = "invalid"


def _is_ip(word: str) -> bool:
    try:
        IPv4Address(word)
    except ValueError:
        return False
    return True


def _is_prefix(word: str) -> bool:
    if "/" not in word:
        return False
    try:
        IPv4Network(word, strict=False)
    except ValueError:
        return False
    return True


TOKEN_CHECKS: dict[str, Callable[[str], bool]] = {
    "<word>": lambda w: True,
    "<int>": str.isdigit,
    "<ip>": _is_ip,
    "<mask>": _is_ip,
    "<prefix>": _is_prefix,
    "<addr>": lambda w: _is_ip(w) or _is_prefix(w),
}


@dataclass(frozen=True)
class Spec:
    tokens: tuple[str, ...]
    key: int | None = None

    @classmethod
    def of(cls, text: str, key: int | None = None) -> Spec:
        return cls(tuple(text.split()), key)

    def match(self, words: list[str]) -> tuple[Outcome, int]:
        """OK, or where the line stops matching (the word index IOS puts its caret under)."""
        for i, token in enumerate(self.tokens):
            if token == "...":
                return Outcome.OK, -1
            if i >= len(words):
                return Outcome.INCOMPLETE, len(words)
            if token == "<rest>":
                return Outcome.OK, -1
            check = TOKEN_CHECKS.get(token)
            if check is not None:
                if not check(words[i]):
                    return Outcome.INVALID, i
            elif words[i].lower() not in token.split("|"):
                return Outcome.INVALID, i
        if len(words) > len(self.tokens):
            return Outcome.INVALID, len(self.tokens)
        return Outcome.OK, -1

    def identity(self, words: list[str]) -> str | None:
        return " ".join(words[: self.key]) if self.key is not None else None


def specs(*lines: str | tuple[str, int]) -> tuple[Spec, ...]:
    """Build specs from `"text"` (distinct lines) or `("text", key)` entries."""
    return tuple(Spec.of(x) if isinstance(x, str) else Spec.of(x[0], x[1]) for x in lines)


# Global leaves IOS and EOS write alike (as `specs` takes them).
LOGGING_LEAVES: tuple[str | tuple[str, int], ...] = (
    ("logging buffered ...", 2),
    ("logging trap ...", 2),
    ("logging source-interface <word>", 2),
    "logging host <addr> ...",
    "logging ...",
)
ACCOUNT_LEAVES: tuple[str | tuple[str, int], ...] = (
    ("username <word> ...", 2),
    ("enable secret ...", 2),
    ("enable password ...", 2),
    "service ...",
)


@dataclass(frozen=True)
class Section:
    """A sub-mode: the header that enters it, where it may appear and its prompt name."""

    context: str
    parent: str
    header: Spec
    prompt: str
    exit_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grammar:
    sections: tuple[Section, ...]
    leaves: Mapping[str, tuple[Spec, ...]]
    stored_negations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranks: tuple[tuple[str, int], ...] = ()
    normalize: Callable[[str], str] = lambda line: line
    protected: Callable[[str], str | None] = lambda header: None

    def rank(self, line: str) -> int:
        line = line[3:] if line.startswith("no ") else line
        for prefix, rank in self.ranks:
            if line.startswith(prefix):
                return rank
        return 50

    def sections_in(self, context: str) -> list[Section]:
        return [s for s in self.sections if s.parent == context]

    def section_named(self, context: str) -> Section | None:
        for section in self.sections:
            if section.context == context:
                return section
        return None


@dataclass(frozen=True)
class Frame:
    """One level of the config-mode stack: the context and the header line that opened it."""

    context: str
    header: str | None = None


@dataclass
class Applied:
    ok: bool
    frames: list[Frame]
    changed: bool = False
    incomplete: bool = False
    caret: int = 0  # character offset in the line of the offending word
    message: str | None = None  # a platform-specific refusal instead of invalid input


def word_offset(line: str, index: int) -> int:
    """Character offset of word `index` in `line` (end of line if past the last word)."""
    offsets = [m.start() for m in re.finditer(r"\S+", line)]
    return offsets[index] if index < len(offsets) else len(line.rstrip()) + 1


def apply_line(grammar: Grammar, tree: ConfigTree, frames: list[Frame], line: str) -> Applied:
    """Apply one config-mode line to `tree`; try parent modes like IOS does."""
    words = line.split()
    negate = words[0].lower() in ("no", "default")
    body = words[1:] if negate else words
    best = (Outcome.INVALID, 0)
    for depth in range(len(frames) - 1, -1, -1):
        context = frames[depth].context
        path = [f.header for f in frames[1 : depth + 1] if f.header is not None]
        kept = frames[: depth + 1]
        for section in grammar.sections_in(context):
            outcome, index = section.header.match(body)
            if outcome is Outcome.OK:
                header = grammar.normalize(" ".join(body))
                if negate:
                    refusal = grammar.protected(header)
                    if refusal:
                        return Applied(False, frames, message=refusal)
                    changed = tree.remove(path, header) > 0
                    return Applied(True, kept, changed=changed)
                existed = tree.section([*path, header]) is not None
                tree.ensure_section([*path, header], rank=grammar.rank(header))
                return Applied(True, [*kept, Frame(section.context, header)], changed=not existed)
            best = max(best, (outcome, index), key=_progress)
        for spec in grammar.leaves.get(context, ()):
            outcome, index = spec.match(body)
            if negate and outcome is not Outcome.INVALID:
                return _negate(grammar, tree, path, kept, context, body)
            if outcome is Outcome.OK:
                text = grammar.normalize(" ".join(body))
                key = spec.identity(text.split())
                tree.remove(path, "no " + text)
                changed = tree.set_line(path, text, key, rank=grammar.rank(text))
                return Applied(True, kept, changed=changed)
            best = max(best, (outcome, index), key=_progress)
    outcome, index = best
    shift = 1 if negate else 0
    return Applied(
        False,
        frames,
        incomplete=outcome is Outcome.INCOMPLETE,
        caret=word_offset(line, index + shift),
    )


def _progress(item: tuple[Outcome, int]) -> tuple[int, int]:
    outcome, index = item
    return index, 1 if outcome is Outcome.INCOMPLETE else 0


def _negate(
    grammar: Grammar,
    tree: ConfigTree,
    path: list[str],
    kept: list[Frame],
    context: str,
    body: list[str],
) -> Applied:
    text = grammar.normalize(" ".join(body))
    changed = tree.remove(path, text) > 0
    if any(text.startswith(p) for p in grammar.stored_negations.get(context, ())):
        changed = tree.set_line(path, "no " + text, None, rank=grammar.rank(text)) or changed
    return Applied(True, kept, changed=changed)


_IFNAME = re.compile(r"^([A-Za-z][A-Za-z-]*?)[ ]?(\d[\d/.:]*)$")


def interface_namer(canonical: tuple[str, ...]) -> Callable[[str], str]:
    """Expand abbreviated interface names (`gi0/0` -> `GigabitEthernet0/0`), first match wins."""

    def expand(name: str) -> str:
        m = _IFNAME.match(name)
        if not m:
            return name
        prefix, number = m.group(1).lower(), m.group(2)
        for full in canonical:
            if full.lower().startswith(prefix):
                return full + number
        return name

    return expand


def header_normalizer(expand: Callable[[str], str]) -> Callable[[str], str]:
    """Normalise whitespace and the interface name of `interface X` lines."""

    def normalize(line: str) -> str:
        words = line.split()
        if len(words) >= 2 and words[0].lower() == "interface":
            return " ".join(["interface", expand("".join(words[1:]))])
        return " ".join(words)

    return normalize
