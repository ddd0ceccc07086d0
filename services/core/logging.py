"""Logging set-up shared by every netwave process."""

from __future__ import annotations

import logging
import os


def setup_logging(level: str | None = None) -> None:
    """Plain, greppable log lines; paramiko/netmiko chatter is kept at WARNING."""
    logging.basicConfig(
        level=(level or os.environ.get("NETWAVE_LOG_LEVEL", "INFO")).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("paramiko", "netmiko", "asyncssh", "httpx", "nornir"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
