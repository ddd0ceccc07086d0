"""`netwave inventory`: edits to the inventory files themselves.

`move-lab-ports` shifts the port of every device the lab serves (services/lab/scope.py), so a
second `netwave dev` (its own copy of the inventories, ports and var dir) runs on the same host.
Real devices are never touched. Every check runs before any file is written.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from services.cli import out
from services.cli.common import fail
from services.core.errors import InventoryError
from services.core.settings import Settings, get_settings
from services.lab.scope import lab_serves, on_loopback
from services.network.inventory import YAML_LOADER, load_all
from services.network.inventory_files import dump_text, read_mapping, round_trip_yaml, write_atomic

inventory_app = typer.Typer(help="The inventory files themselves.", no_args_is_help=True)


class MoveRefused(ValueError):
    """The ports cannot move as asked; nothing was written."""


@dataclass(frozen=True)
class Move:
    tenant: str
    device: str
    old: int
    new: int


def plan_moves(inventories: Path, offset: int) -> tuple[list[Move], dict[Path, str]]:
    """Each lab-served device's new port, and the new text of each hosts.yaml that changes."""
    if offset == 0:
        raise MoveRefused("--offset 0 moves nothing")
    tenants = load_all(inventories)
    moves = [
        Move(t.tenant, d.name, d.port, d.port + offset)
        for t in tenants.values()
        for d in t.devices.values()
        if lab_serves(d)
    ]
    outside = [m for m in moves if not 1 <= m.new <= 65535]
    if outside:
        named = ", ".join(f"{m.tenant}/{m.device} ({m.old} -> {m.new})" for m in outside)
        raise MoveRefused(f"ports would leave 1..65535: {named}")
    # The lab listens on 127.0.0.1 for all its devices; a loopback device it does not serve
    # keeps its port and must not meet a moved one either.
    moved = {(m.tenant, m.device): m.new for m in moves}
    users: dict[int, list[str]] = {}
    for t in tenants.values():
        for d in t.devices.values():
            if on_loopback(d.hostname):
                port = moved.get((t.tenant, d.name), d.port)
                users.setdefault(port, []).append(f"{t.tenant}/{d.name}")
    shared = [f"{port} ({', '.join(names)})" for port, names in users.items() if len(names) > 1]
    if shared:
        raise MoveRefused(f"devices on loopback would share a port: {'; '.join(shared)}")
    rt = round_trip_yaml()
    texts: dict[Path, str] = {}
    for tenant in sorted({m.tenant for m in moves}):
        path = tenants[tenant].path / "hosts.yaml"
        tree, plain = read_mapping(path, rt)
        wanted = {name: dict(entry) for name, entry in plain.items()}
        for m in (m for m in moves if m.tenant == tenant):
            # The host's own key, also when it inherits the port (a YAML merge key `<<:`).
            tree[m.device]["port"] = wanted[m.device]["port"] = m.new
        text = dump_text(rt, tree)
        loaded = yaml.load(text, Loader=YAML_LOADER)
        changed = sorted(n for n in {*wanted, *loaded} if loaded.get(n) != wanted.get(n))
        if changed:  # e.g. a host that inherits a moved host's entry through a YAML alias
            raise MoveRefused(
                f"{path}: the new file would also change host(s) {', '.join(changed)}; "
                "give them their own port"
            )
        texts[path] = text
    return moves, texts


def write_all(texts: dict[Path, str]) -> None:
    """Write every file; when one write fails, put back those already written."""
    before = {path: path.read_text() for path in texts}
    done: list[Path] = []
    try:
        for path, text in texts.items():
            write_atomic(path, text)
            done.append(path)
    except InventoryError:
        for path in done:
            write_atomic(path, before[path])
        raise


def _free(start: int, taken: set[int]) -> int:
    port = start if 1024 <= start <= 65535 else 1024
    while port in taken:
        port = port + 1 if port < 65535 else 1024
    taken.add(port)
    return port


def next_step(settings: Settings, inventories: Path, offset: int, moves: list[Move]) -> str:
    """The environment for a second `netwave dev` on these inventories: ports shifted by the
    offset where free (not the first stack's, not a lab device's)."""
    t_host, _, t_port = settings.temporal_address.rpartition(":")
    ui_base, ui_rest = settings.temporal_ui_url.rsplit(":", 1)  # as DevStack reads it
    ui_port, _, ui_path = ui_rest.partition("/")
    ports = {
        "api": settings.api_port,
        "lab": settings.lab_control_port,
        "temporal": int(t_port),
        "ui": int(ui_port),
    }
    taken = {*ports.values(), *(m.old for m in moves), *(m.new for m in moves)}
    new = {name: _free(port + offset, taken) for name, port in ports.items()}
    env = {
        "NETWAVE_INVENTORIES_PATH": str(inventories),
        "NETWAVE_VAR_DIR": f"{settings.var_dir}-{inventories.resolve().name}",
        "NETWAVE_API_PORT": str(new["api"]),
        "NETWAVE_LAB_CONTROL_PORT": str(new["lab"]),
        "NETWAVE_TEMPORAL_ADDRESS": f"{t_host or '127.0.0.1'}:{new['temporal']}",
        "NETWAVE_TEMPORAL_UI_URL": f"{ui_base}:{new['ui']}" + (f"/{ui_path}" if ui_path else ""),
    }
    return " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + " netwave dev"


@inventory_app.command("move-lab-ports")
def move_lab_ports(
    offset: Annotated[int, typer.Option(help="add this to every lab device's port")],
    inventories: Annotated[
        Path | None,
        typer.Option(help="inventories folder (default: NETWAVE_INVENTORIES_PATH)"),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the moves only")] = False,
) -> None:
    """Add --offset to the port of every device the lab serves (for a second `netwave dev`).

    Run it on a copy of the inventories, then start the second stack as printed. Real devices
    are left alone; comments in hosts.yaml are kept; nothing is written unless every port can
    move (exit 2 otherwise)."""
    settings = get_settings()
    folder = inventories or settings.inventories_path
    try:
        moves, texts = plan_moves(folder, offset)
    except MoveRefused as exc:
        raise fail(f"{exc}; nothing was written", 2) from None
    except InventoryError as exc:
        raise fail(str(exc)) from None
    if not moves:
        out.console.print(
            f"no device in {escape(str(folder))} is served by the lab; nothing to move"
        )
        return
    table = Table("tenant", "device", "old port", "new port")
    for m in moves:
        table.add_row(escape(m.tenant), escape(m.device), str(m.old), str(m.new))
    out.console.print(table)
    if dry_run:
        out.console.print(f"dry run: {len(texts)} hosts.yaml file(s) would change; nothing written")
        return
    try:
        write_all(texts)
    except InventoryError as exc:
        raise fail(str(exc)) from None
    out.console.print(f"moved {len(moves)} lab device port(s) in {len(texts)} hosts.yaml file(s)")
    out.console.print("next, a second stack next to the first (ports free of both stacks):")
    out.console.print(escape(next_step(settings, folder, offset, moves)), soft_wrap=True)
