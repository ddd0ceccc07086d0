"""`python -m services.lab`: the lab without the netwave CLI (used by bench.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.core.logging import setup_logging


def main() -> None:
    setup_logging()  # first: importing the lab (asyncssh) may warn
    from services.lab.device import LabTimings
    from services.lab.main import DEFAULT_GENERATED_BASE_PORT, run_lab

    parser = argparse.ArgumentParser(prog="netwave lab", description=__doc__)
    parser.add_argument("--inventory", type=Path, default=None, help="inventories folder")
    parser.add_argument("--generate", type=int, default=None, help="serve N generated devices")
    parser.add_argument("--base-port", type=int, default=DEFAULT_GENERATED_BASE_PORT)
    parser.add_argument("--control-port", type=int, default=None)
    parser.add_argument("--reload-seconds", type=float, default=None)
    args = parser.parse_args()
    timings = LabTimings()
    if args.reload_seconds is not None:
        timings = timings.model_copy(update={"reload_seconds": args.reload_seconds})
    run_lab(args.inventory, args.generate, args.base_port, args.control_port, timings)


if __name__ == "__main__":
    main()
