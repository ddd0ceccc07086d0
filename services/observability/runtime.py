"""The process's Temporal runtime: the SDK core's own logs forwarded into Python logging, and,
with a metrics port, the SDK's own metrics.

Left alone, the core (Rust) writes its warnings to stderr in its own format, which would break
the one-JSON-object-per-line logs. Forwarded, they are records of `temporalio.core` (then
`-sdk_core::<target>`) and go through netwave's one handler like every other record.

With `NETWAVE_METRICS_PORT` (the worker), the SDK records its metrics into a buffer that
`temporal_metrics.py` turns into the worker's `temporal_*` metrics, drained every second by a
daemon thread and served on the worker's one metrics port (`server.py`).
"""

from __future__ import annotations

import logging
import threading
import time

from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from services.core.settings import Settings
from services.observability.temporal_metrics import TemporalMetrics

CORE_LOGGER = "temporalio.core"
DRAIN_SECONDS = 1.0

# One runtime per process (each is a pool of core threads), or two when a test process asks
# for one with metrics and one without.
_RUNTIMES: dict[bool, Runtime] = {}
_SDK_METRICS: TemporalMetrics | None = None
_LOCK = threading.Lock()


def temporal_runtime(settings: Settings) -> Runtime:
    """The process's runtime, made on first use (recording SDK metrics with a metrics port)."""
    global _SDK_METRICS
    with_metrics = settings.metrics_port is not None
    with _LOCK:
        runtime = _RUNTIMES.get(with_metrics)
        if runtime is not None:
            return runtime
        logging_config = LoggingConfig(
            filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
            forwarding=LogForwardingConfig(logger=logging.getLogger(CORE_LOGGER)),
        )
        sdk = TemporalMetrics() if with_metrics else None
        telemetry = TelemetryConfig(logging=logging_config, metrics=sdk.buffer if sdk else None)
        runtime = _RUNTIMES[with_metrics] = Runtime(telemetry=telemetry)
        if sdk is not None:
            _SDK_METRICS = sdk
            drain = threading.Thread(target=_drain, args=(sdk,), name="sdk-metrics", daemon=True)
            drain.start()
        return runtime


def sdk_metrics() -> TemporalMetrics | None:
    """The SDK metrics of this process's runtime, if it records them."""
    return _SDK_METRICS


def _drain(sdk: TemporalMetrics) -> None:
    while True:  # a daemon: ends with the process
        time.sleep(DRAIN_SECONDS)
        sdk.drain()
