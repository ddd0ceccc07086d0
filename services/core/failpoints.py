"""Named points where a test can hold a process to kill it there (crash tests only).

`NETWAVE_FAILPOINTS=name[,name]` makes `failpoint(name)` write `<var_dir>/failpoints/<name>`
and wait there (up to FAILPOINT_HOLD seconds) for the test's kill -9. Unset, it does nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

FAILPOINT_HOLD = 120.0


def failpoint(name: str, var_dir: Path) -> None:
    """Hold here when the environment names this point."""
    wanted = {p.strip() for p in os.environ.get("NETWAVE_FAILPOINTS", "").split(",")}
    if name not in wanted:
        return
    marker = var_dir / "failpoints" / name
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))
    time.sleep(FAILPOINT_HOLD)


def before_last_line(name: str, var_dir: Path) -> Callable[[int, int], None]:
    """A push's line hook that holds at `name` once all but the last line were accepted (on a
    NOS that applies each line as it is typed: a genuine partial push)."""
    return lambda k, n: failpoint(name, var_dir) if k == n - 1 else None
