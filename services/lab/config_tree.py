"""Device configuration stores: an IOS-style section tree and a Junos set-line list.

The IOS tree keeps lines as typed (after normalisation by the platform grammar); rendering adds
the platform's indentation and `!` separators. The Junos store keeps `set` statements without
the `set ` prefix; `delete` removes every statement under a path.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

RankFn = Callable[[str], int]


@dataclass
class ConfigNode:
    """One configuration line and, for a section header, the lines under it."""

    line: str
    children: list[ConfigNode] = field(default_factory=list)
    rank: int = 50

    def child(self, line: str) -> ConfigNode | None:
        for node in self.children:
            if node.line == line:
                return node
        return None

    def insert(self, node: ConfigNode) -> ConfigNode:
        """Append after the last sibling of equal or lower rank (keeps sections in order)."""
        index = 0
        for i in range(len(self.children) - 1, -1, -1):
            if self.children[i].rank <= node.rank:
                index = i + 1
                break
        self.children.insert(index, node)
        return node


def _copy_node(node: ConfigNode) -> ConfigNode:
    return ConfigNode(node.line, [_copy_node(c) for c in node.children], node.rank)


def token_prefix(line: str, prefix: str) -> bool:
    """True when `line` is `prefix` or starts with it followed by a space."""
    return line == prefix or line.startswith(prefix + " ")


class ConfigTree:
    """Hierarchical running/startup configuration of an IOS-like device."""

    def __init__(self, root: ConfigNode | None = None) -> None:
        self.root = root if root is not None else ConfigNode("")

    def copy(self) -> ConfigTree:
        return ConfigTree(_copy_node(self.root))

    def section(self, path: Sequence[str]) -> ConfigNode | None:
        node: ConfigNode | None = self.root
        for header in path:
            if node is None:
                return None
            node = node.child(header)
        return node

    def ensure_section(self, path: Sequence[str], rank: int = 50) -> ConfigNode:
        node = self.root
        for depth, header in enumerate(path):
            found = node.child(header)
            if found is None:
                found = node.insert(ConfigNode(header, rank=rank if depth == 0 else 50))
            node = found
        return node

    def set_line(self, path: Sequence[str], line: str, key: str | None, rank: int = 50) -> bool:
        """Add `line` under `path`; a line with the same key is replaced. True if changed."""
        parent = self.ensure_section(path)
        if parent.child(line) is not None:
            return False
        if key is not None:
            for i, node in enumerate(parent.children):
                if not node.children and token_prefix(node.line, key):
                    parent.children[i] = ConfigNode(line, rank=node.rank)
                    return True
        parent.insert(ConfigNode(line, rank=rank if not path else 50))
        return True

    def remove(self, path: Sequence[str], prefix: str) -> int:
        """Remove lines (and sections) under `path` that start with `prefix`; return count."""
        parent = self.section(path)
        if parent is None:
            return 0
        before = len(parent.children)
        parent.children = [n for n in parent.children if not token_prefix(n.line, prefix)]
        return before - len(parent.children)

    def walk(self) -> Iterator[tuple[tuple[str, ...], ConfigNode]]:
        """Every node with the path of section headers above it."""

        def visit(
            node: ConfigNode, path: tuple[str, ...]
        ) -> Iterator[tuple[tuple[str, ...], ConfigNode]]:
            for child in node.children:
                yield path, child
                yield from visit(child, (*path, child.line))

        yield from visit(self.root, ())

    def flat(self) -> list[str]:
        """Lines with their section path, for equality checks: `a / b / line`."""
        return [" / ".join((*path, node.line)) for path, node in self.walk()]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigTree) and self.flat() == other.flat()

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_text(cls, text: str, ranker: RankFn | None = None) -> ConfigTree:
        """Parse indented config text (as `show running-config` prints it)."""
        tree = cls()
        stack: list[tuple[int, ConfigNode]] = [(-1, tree.root)]
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            raw = lines[i].rstrip()
            i += 1
            stripped = raw.strip()
            if not stripped or stripped.startswith("!") or stripped == "end":
                continue
            if stripped.startswith("exit-"):
                continue
            indent = len(raw) - len(raw.lstrip(" "))
            if stripped.startswith("banner "):
                block, i = _read_banner(stripped, lines, i)
                stripped = block
            while stack[-1][0] >= indent:
                stack.pop()
            parent = stack[-1][1]
            rank = ranker(stripped) if ranker is not None and parent is tree.root else 50
            node = ConfigNode(stripped, rank=rank)
            parent.children.append(node)
            stack.append((indent, node))
        tree.root.children.sort(key=lambda n: n.rank)
        return tree


def _read_banner(first: str, lines: list[str], i: int) -> tuple[str, int]:
    """Collect a multi-line banner: IOS `banner motd ^C ... ^C`, EOS `banner motd ... EOF`."""
    words = first.split(maxsplit=2)
    if len(words) == 2:  # EOS style, ends with a line `EOF`
        block = [first]
        while i < len(lines):
            block.append(lines[i].rstrip())
            i += 1
            if block[-1].strip() == "EOF":
                break
        return "\n".join(block), i
    delim, rest = words[2][:2] if words[2].startswith("^C") else words[2][:1], words[2]
    if rest.count(delim) >= 2:
        return first, i
    block = [first]
    while i < len(lines):
        block.append(lines[i].rstrip())
        i += 1
        if delim in block[-1]:
            break
    return "\n".join(block), i


@dataclass(frozen=True)
class RenderStyle:
    """How a platform prints its tree: indentation, section footers, nested `!` lines."""

    indent: str
    footers: tuple[tuple[str, str], ...] = ()
    separate_nested: bool = False

    def footer(self, header: str) -> str | None:
        for prefix, footer in self.footers:
            if header.startswith(prefix):
                return footer
        return None


def render_tree(tree: ConfigTree, style: RenderStyle) -> list[str]:
    """Render with `!` between top-level blocks, as IOS and EOS print running configs."""
    out: list[str] = []
    previous: ConfigNode | None = None
    for node in tree.root.children:
        if (
            previous is None
            or node.children
            or previous.children
            or _group(node.line) != _group(previous.line)
        ):
            out.append("!")
        out.extend(_render_node(node, 0, style))
        previous = node
    out.append("!")
    return out


def _group(line: str) -> str:
    """Lines printed together without `!` share this: `no service pad` goes with `service`."""
    line = line[3:] if line.startswith("no ") else line
    return line.split(" ", 1)[0].split("-", 1)[0]


def _render_node(node: ConfigNode, depth: int, style: RenderStyle) -> list[str]:
    if "\n" in node.line:  # banners are printed verbatim
        return node.line.split("\n")
    lines = [style.indent * depth + node.line]
    for child in node.children:
        if child.children and (style.separate_nested or style.footer(child.line)):
            lines.append(style.indent * (depth + 1) + "!")
        lines.extend(_render_node(child, depth + 1, style))
    footer = style.footer(node.line) if depth > 0 else None
    if footer:
        lines.append(style.indent * depth + footer)
    return lines


# --- Junos -------------------------------------------------------------------------------------


def split_junos(line: str) -> list[str]:
    """Split a Junos statement on spaces, keeping "quoted strings" as one token."""
    tokens: list[str] = []
    current = ""
    quoted = False
    for ch in line.strip():
        if ch == '"':
            quoted = not quoted
            current += ch
        elif ch == " " and not quoted:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += ch
    if current:
        tokens.append(current)
    return tokens


@dataclass
class SetConfig:
    """Junos configuration as `set` statements (without the `set ` prefix), in hierarchy order.

    Statements stay grouped by hierarchy, siblings in the order their path was first set, the
    way Junos prints its fixed schema order: `order` remembers every path's first rank even
    after a `delete`, so a statement deleted and set again returns to its place in its parent.
    Copies share `order` (ranks are only ever added, so every copy stays sorted).
    """

    statements: list[str] = field(default_factory=list)
    order: dict[tuple[str, ...], int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.statements.sort(key=self._rank)

    def _rank(self, statement: str) -> tuple[int, ...]:
        """The first-insertion rank of each path along the statement (new paths get ranks)."""
        words = tuple(split_junos(statement))
        ranks = []
        for depth in range(1, len(words) + 1):
            path = words[:depth]
            rank = self.order.get(path)
            if rank is None:
                rank = self.order[path] = len(self.order)
            ranks.append(rank)
        return tuple(ranks)

    def copy(self) -> SetConfig:
        return SetConfig(list(self.statements), self.order)

    def set(self, statement: str, key: str | None = None) -> bool:
        """Add a statement; an existing one with the same `key` prefix is replaced."""
        if statement in self.statements:
            return False
        if key is not None:
            for i, existing in enumerate(self.statements):
                if token_prefix(existing, key):
                    del self.statements[i]
                    break
        bisect.insort(self.statements, statement, key=self._rank)
        return True

    def delete(self, path: str) -> int:
        before = len(self.statements)
        self.statements = [s for s in self.statements if not token_prefix(s, path)]
        return before - len(self.statements)

    def under(self, path: str) -> list[str]:
        return [s for s in self.statements if token_prefix(s, path)]

    def render(self, version: str | None = None) -> list[str]:
        head = [f"set version {version}"] if version else []
        return head + ["set " + s for s in self.statements]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SetConfig) and self.statements == other.statements

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> SetConfig:
        store = cls()
        for line in lines:
            line = line.strip()
            if line.startswith("set ") and not line.startswith("set version "):
                store.set(line[4:])
        return store
