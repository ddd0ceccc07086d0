"""Rewriting an inventory file in place: round-trip YAML (comments, key order and inline mappings
stay as people wrote them) read next to the plain data load_tenant sees, and an atomic replace.

Used by `netwave intent export` and `netwave inventory move-lab-ports`.
"""

from __future__ import annotations

import os
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from services.core.errors import InventoryError
from services.network.inventory import YAML_LOADER


def round_trip_yaml() -> YAML:
    """A round-trip YAML that dumps the inventories' own style back."""
    rt = YAML()  # round-trip, quotes kept
    rt.preserve_quotes = True
    rt.width = 4096  # long inline mappings (`wan: {...}`) stay on one line
    rt.indent(mapping=2, sequence=4, offset=2)  # the inventories' `  - item` lists
    return rt


def read_mapping(path: Path, rt: YAML) -> tuple[CommentedMap, dict[str, Any]]:
    """The file as round-trip YAML and as plain data (read as load_tenant reads it)."""
    try:
        text = path.read_text()
        tree, plain = rt.load(text), yaml.load(text, Loader=YAML_LOADER)
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read ({exc.strerror})") from None
    except (YAMLError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InventoryError(f"{where}: round-trip YAML cannot read it: {problem}") from None
    if not isinstance(tree, CommentedMap) or not isinstance(plain, dict):
        raise InventoryError(f"{path}: expected a mapping of host names")
    return tree, plain


def dump_text(rt: YAML, tree: Any) -> str:
    out = StringIO()
    rt.dump(tree, out)
    return out.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` at once: readers see the old file or the new one, never a part."""
    temp: Path | None = None
    try:
        mode = path.stat().st_mode & 0o7777
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        temp = Path(name)
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        temp.chmod(mode)
        temp.replace(path)
    except OSError as exc:
        if temp is not None:
            temp.unlink(missing_ok=True)
        raise InventoryError(f"{path}: cannot write ({exc.strerror})") from None
