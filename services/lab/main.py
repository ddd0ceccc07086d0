"""`netwave lab`: serve the inventories' devices (or N generated ones) until interrupted."""

from __future__ import annotations

import asyncio
import collections
import logging
import signal
from pathlib import Path

from services.compliance.rules import RULE_FILE
from services.core.errors import NetwaveError
from services.core.secrets import ensure_dev_secrets, get_provider
from services.core.settings import Settings, get_settings
from services.lab.control import ControlServer
from services.lab.device import LabTimings
from services.lab.fleet import LabFleet
from services.lab.generate import write_generated_inventory
from services.lab.platforms import CLIS
from services.lab.scope import lab_credentials, left_alone, served
from services.lab.server import LabError
from services.network.inventory import TenantInventory, load_all

DEFAULT_GENERATED_BASE_PORT = 20001
log = logging.getLogger("netwave.lab")


def prepare_inventories(
    settings: Settings, inventories: Path | None, generate: int | None, base_port: int
) -> Path:
    """The inventories to serve: the given folder, or N devices generated under var/lab/."""
    if generate:
        out = settings.var_dir / "lab" / f"generated-{generate}-{base_port}"
        if not (out / "gen-01" / "hosts.yaml").exists():
            rules = settings.inventories_path / RULE_FILE  # the fleet's default compliance rules
            write_generated_inventory(
                out, generate, base_port, default_rules=rules if rules.exists() else None
            )
        return out
    return inventories or settings.inventories_path


def ensure_credentials(settings: Settings, tenants: dict[str, TenantInventory]) -> None:
    """With the file provider, create missing lab credentials (random passwords, mode 0600)."""
    if settings.secrets_provider != "file":
        return
    devices = [d for t in tenants.values() for d in t.devices.values()]
    added = ensure_dev_secrets(settings.secrets_file, lab_credentials(devices))
    if added:
        log.info("netwave lab: added credentials %s to %s", ", ".join(added), settings.secrets_file)


def describe(fleet: LabFleet) -> str:
    ports = [d.spec.port for d in fleet.devices.values()]
    mix = collections.Counter(d.spec.platform for d in fleet.devices.values())
    kinds = ", ".join(f"{n} {p}" for p, n in sorted(mix.items()))
    return f"{len(ports)} devices ({kinds}) on 127.0.0.1 ports {min(ports)}-{max(ports)}"


async def serve(fleet: LabFleet, control_port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    control = ControlServer(fleet, control_port)
    async with fleet:
        await control.start()
        log.info("netwave lab: %s; control API %s", describe(fleet), control.url)
        log.info("netwave lab: ready")
        try:
            await stop.wait()
        finally:
            await control.stop()
    log.info("netwave lab: stopped")


def run_lab(
    inventories: Path | None = None,
    generate: int | None = None,
    base_port: int = DEFAULT_GENERATED_BASE_PORT,
    control_port: int | None = None,
    timings: LabTimings | None = None,
) -> None:
    """Serve the lab until SIGINT/SIGTERM; exit with a clear message on bad input or busy ports."""
    settings = get_settings()
    try:
        folder = prepare_inventories(settings, inventories, generate, base_port)
        every = load_all(folder)
        for device in left_alone(every):
            log.info(
                "netwave lab: not serving %s/%s (%s at %s): a real device, or a platform the lab "
                "cannot simulate",
                device.tenant,
                device.name,
                device.platform,
                device.hostname,
            )
        tenants = served(every)
        if not tenants:
            raise LabError(
                f"no device of {folder} is one the lab can serve (loopback, "
                f"platforms {', '.join(sorted(CLIS))})"
            )
        ensure_credentials(settings, tenants)
        fleet = LabFleet.from_inventories(
            tenants,
            get_provider(settings),
            timings=timings,
            host_key_path=settings.lab_host_key_file,
            templates=settings.templates_path,
        )
        asyncio.run(serve(fleet, control_port or settings.lab_control_port))
    except NetwaveError as exc:
        log.error("netwave lab: error: %s", exc)
        raise SystemExit(2) from None
