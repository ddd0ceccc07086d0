"""The Temporal SDK runtime of a netwave process: built here once, used by every client.

With a metrics port (`NETWAVE_METRICS_PORT`, the worker), the SDK records its metrics into a
buffer that `temporal_metrics.py` turns into the worker's `temporal_*` metrics, drained every
second by a daemon thread; without one, the runtime records none.
"""

from __future__ import annotations

import threading
import time

from temporalio.runtime import Runtime, TelemetryConfig

from services.core.settings import Settings
from services.observability.temporal_metrics import TemporalMetrics

DRAIN_SECONDS = 1.0

_RUNTIMES: dict[bool, Runtime] = {}
_SDK_METRICS: TemporalMetrics | None = None
_LOCK = threading.Lock()


def temporal_runtime(settings: Settings) -> Runtime:
    """The process's runtime (one with SDK metrics when the settings give a metrics port)."""
    global _SDK_METRICS
    with_metrics = settings.metrics_port is not None
    with _LOCK:
        runtime = _RUNTIMES.get(with_metrics)
        if runtime is not None:
            return runtime
        sdk = TemporalMetrics() if with_metrics else None
        telemetry = TelemetryConfig(metrics=sdk.buffer if sdk else None)
        runtime = _RUNTIMES[with_metrics] = Runtime(telemetry=telemetry)
        if sdk is not None:
            _SDK_METRICS = sdk
            threading.Thread(
                target=_drain, args=(sdk,), name="temporal-metrics", daemon=True
            ).start()
        return runtime


def sdk_metrics() -> TemporalMetrics | None:
    """The SDK metrics of this process's runtime, if it records them."""
    return _SDK_METRICS


def _drain(sdk: TemporalMetrics) -> None:
    while True:  # a daemon: ends with the process
        time.sleep(DRAIN_SECONDS)
        sdk.drain()
