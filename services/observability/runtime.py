"""The process's Temporal runtime: the SDK core's own logs forwarded into Python logging.

Left alone, the core (Rust) writes its warnings to stderr in its own format, which would break
the one-JSON-object-per-line logs. Forwarded, they are records of `temporalio.core` (then
`-sdk_core::<target>`) and go through netwave's one handler like every other record.
"""

from __future__ import annotations

import logging
import threading

from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from services.core.settings import Settings

CORE_LOGGER = "temporalio.core"

_RUNTIME: Runtime | None = None
_LOCK = threading.Lock()


def temporal_runtime(settings: Settings) -> Runtime:
    """One runtime per process (each runtime is a pool of core threads), made on first use."""
    global _RUNTIME
    with _LOCK:
        if _RUNTIME is None:
            logging_config = LoggingConfig(
                filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
                forwarding=LogForwardingConfig(logger=logging.getLogger(CORE_LOGGER)),
            )
            _RUNTIME = Runtime(telemetry=TelemetryConfig(logging=logging_config))
        return _RUNTIME
