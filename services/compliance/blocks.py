"""Indented config text as a tree of indented blocks, edited without losing its layout."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    """A config line with the lines under it; a banner is one block of several lines."""

    lines: list[str]
    indent: int
    children: list[Block] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.lines[0].strip()


def _banner_delimiter(first: str) -> str:
    """`^C` (or the first character) after `banner motd`; some NOSes end a banner with a line
    `EOF`."""
    words = first.split(maxsplit=2)
    if len(words) < 3:
        return "EOF"
    return words[2][:2] if words[2].startswith("^") else words[2][:1]


def parse_blocks(text: str) -> Block:
    """Indented config text as a tree of blocks (banners kept whole)."""
    root = Block([""], -1)
    stack = [root]
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip()
        i += 1
        indent = len(raw) - len(raw.lstrip(" "))
        block = Block([raw], indent)
        stripped = raw.strip()
        if indent == 0 and stripped.startswith("banner "):
            delimiter = _banner_delimiter(stripped)
            closed = stripped.count(delimiter) >= 2
            while not closed and i < len(lines):
                block.lines.append(lines[i].rstrip())
                i += 1
                last = block.lines[-1]
                closed = last.strip() == "EOF" if delimiter == "EOF" else delimiter in last
        while stack[-1].indent >= indent:
            stack.pop()
        stack[-1].children.append(block)
        stack.append(block)
    return root


def render_blocks(root: Block) -> str:
    out: list[str] = []

    def visit(block: Block) -> None:
        out.extend(block.lines)
        for child in block.children:
            visit(child)

    for child in root.children:
        visit(child)
    return "\n".join(out) + "\n"


def _starts(line: str, prefix: str) -> bool:
    return line == prefix or line.startswith(prefix + " ")


def _indent_unit(root: Block) -> int:
    units = [c.indent for top in root.children for c in top.children if c.indent > 0]
    return min(units, default=1)


def _leaf_paths(block: Block, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not block.children:
        return [path]
    return [p for child in block.children for p in _leaf_paths(child, (*path, child.key))]


class Editor:
    """Removes and adds snippet lines, remembering where removed lines were."""

    def __init__(self, root: Block) -> None:
        self.root = root
        self.unit = _indent_unit(root)
        self.holes: dict[int, int] = {}  # id(parent) -> index of the last removed line

    def _find(self, path: tuple[str, ...]) -> Block | None:
        node = self.root
        for key in path:
            found = next((c for c in node.children if c.key == key), None)
            if found is None:
                return None
            node = found
        return node

    def remove(self, snippet: Block) -> None:
        for path in _leaf_paths(snippet):
            parent = self._find(path[:-1])
            if parent is None:
                continue
            for index in range(len(parent.children) - 1, -1, -1):
                if _starts(parent.children[index].key, path[-1]):
                    del parent.children[index]
                    self.holes[id(parent)] = index

    def add(self, snippet: Block, parent: Block | None = None, depth: int = 0) -> None:
        parent = parent or self.root
        for node in snippet.children:
            existing = next((c for c in parent.children if c.key == node.key), None)
            if existing is not None:
                self.add(node, existing, depth + 1)
                continue
            new = self._reindent(node, depth)
            index = self.holes.get(id(parent))
            if index is None:
                index = len(parent.children)
                if parent is self.root and parent.children and parent.children[-1].key == "end":
                    index -= 1
            parent.children.insert(index, new)
            if id(parent) in self.holes:
                self.holes[id(parent)] = index + 1

    def _reindent(self, node: Block, depth: int) -> Block:
        indent = depth * self.unit
        head = " " * indent + node.key
        lines = [head, *node.lines[1:]]
        return Block(lines, indent, [self._reindent(c, depth + 1) for c in node.children])
