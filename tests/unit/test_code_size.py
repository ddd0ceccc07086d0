"""No module in services/ or workflows/ over 400 lines (issue #22): split by concern early."""

from __future__ import annotations

import pytest

from tests.conftest import REPO

MAX_LINES = 400
# Alembic migrations are history: they are never edited, so never split.
MIGRATIONS = REPO / "services" / "store" / "migrations"


def line_counts() -> dict[str, int]:
    """Lines per Python module of services/ and workflows/, migrations left out."""
    counts: dict[str, int] = {}
    for top in ("services", "workflows"):
        for path in sorted((REPO / top).rglob("*.py")):
            if path.is_relative_to(MIGRATIONS):
                continue
            counts[path.relative_to(REPO).as_posix()] = len(path.read_text().splitlines())
    return counts


def too_long(counts: dict[str, int]) -> dict[str, int]:
    """The modules of counts over MAX_LINES."""
    return {name: lines for name, lines in counts.items() if lines > MAX_LINES}


def test_no_module_is_over_the_limit() -> None:
    over = too_long(line_counts())
    assert not over, f"modules over {MAX_LINES} lines, split them by concern: {over}"


def test_the_count_sees_both_trees_and_skips_migrations() -> None:
    tops = {name.split("/")[0] for name in line_counts()}
    assert tops == {"services", "workflows"}
    assert not any(name.startswith("services/store/migrations/") for name in line_counts())
    assert any(MIGRATIONS.rglob("*.py"))  # there are migrations to leave out


@pytest.mark.parametrize(("lines", "over"), [(MAX_LINES, False), (MAX_LINES + 1, True)])
def test_the_limit_is_inclusive(lines: int, over: bool) -> None:
    assert bool(too_long({"m.py": lines})) is over
