"""The Temporal SDK's own metrics, served on the worker's metrics port next to netwave's.

The SDK runtime records into a `MetricBuffer` (no second HTTP port, no port to guess); this
module drains it and keeps the totals: counters add their deltas, gauges keep the last value,
histograms count observations into buckets. It renders them in Prometheus's text format under
the SDK's own names (`temporal_workflow_completed`, `temporal_activity_execution_failed`,
`temporal_workflow_task_schedule_to_start_latency`, ...), as the SDK's Prometheus exporter
would, with durations in seconds.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from temporalio.runtime import (
    BUFFERED_METRIC_KIND_COUNTER,
    BUFFERED_METRIC_KIND_GAUGE,
    BufferedMetric,
    BufferedMetricUpdate,
    MetricBuffer,
    MetricBufferDurationFormat,
)

BUFFER_SIZE = 200_000  # updates between two drains (a drain runs every second)
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
OTHER_BUCKETS = (1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 5000.0, 10000.0)
Labels = tuple[tuple[str, str], ...]
_KINDS = {BUFFERED_METRIC_KIND_COUNTER: "counter", BUFFERED_METRIC_KIND_GAUGE: "gauge"}


@dataclass
class _Histogram:
    bounds: Sequence[float]
    counts: list[int]
    total: float = 0.0
    observed: int = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value
        self.observed += 1


@dataclass
class _Family:
    kind: str  # counter, gauge or histogram
    help: str
    values: dict[Labels, float] = field(default_factory=dict)
    histograms: dict[Labels, _Histogram] = field(default_factory=dict)


def _labels(attributes: Mapping[str, object]) -> Labels:
    def text(value: object) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    return tuple(sorted((str(k), text(v)) for k, v in attributes.items()))


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return "NaN" if math.isnan(value) else repr(float(value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _label_text(labels: Labels, extra: tuple[str, str] | None = None) -> str:
    pairs = [*labels, extra] if extra else list(labels)
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


class TemporalMetrics:
    """Totals of one runtime's buffered SDK metrics; thread-safe."""

    def __init__(self, buffer_size: int = BUFFER_SIZE) -> None:
        self.buffer = MetricBuffer(buffer_size, MetricBufferDurationFormat.SECONDS)
        self._families: dict[str, _Family] = {}
        self._lock = threading.Lock()

    def drain(self) -> None:
        """Take what the SDK recorded since the last drain into the totals."""
        with self._lock:
            try:
                updates = self.buffer.retrieve_updates()
            except RuntimeError:  # no runtime records into it yet: nothing to take
                return
            self.add(updates)

    def add(self, updates: Iterable[BufferedMetricUpdate]) -> None:
        """Fold `updates` into the totals (the caller holds the lock, or owns the object)."""
        for update in updates:
            family = self._family(update.metric)
            labels = _labels(update.attributes)
            value = float(update.value)
            if family.kind == "counter":
                family.values[labels] = family.values.get(labels, 0.0) + value
            elif family.kind == "gauge":
                family.values[labels] = value
            else:
                found = family.histograms.get(labels)
                if found is None:
                    bounds = SECONDS_BUCKETS if update.metric.unit == "s" else OTHER_BUCKETS
                    found = family.histograms[labels] = _Histogram(bounds, [0] * (len(bounds) + 1))
                found.observe(value)

    def _family(self, metric: BufferedMetric) -> _Family:
        family = self._families.get(metric.name)
        if family is None:
            help_text = (metric.description or metric.name).replace("\n", " ")
            kind = _KINDS.get(metric.kind, "histogram")
            family = self._families[metric.name] = _Family(kind, help_text)
        return family

    def render(self) -> bytes:
        """Drain, then the totals in Prometheus's text format."""
        self.drain()
        lines: list[str] = []
        with self._lock:
            for name, family in sorted(self._families.items()):
                lines += [f"# HELP {name} {family.help}", f"# TYPE {name} {family.kind}"]
                for labels, value in sorted(family.values.items()):
                    lines.append(f"{name}{_label_text(labels)} {_number(value)}")
                for labels, histogram in sorted(family.histograms.items()):
                    lines += _histogram_lines(name, labels, histogram)
        return ("\n".join(lines) + "\n").encode() if lines else b""


def _histogram_lines(name: str, labels: Labels, histogram: _Histogram) -> list[str]:
    lines = []
    running = 0
    for bound, count in zip([*histogram.bounds, float("inf")], histogram.counts, strict=True):
        running += count
        le = _label_text(labels, ("le", _number(bound)))
        lines.append(f"{name}_bucket{le} {running}")
    lines.append(f"{name}_sum{_label_text(labels)} {_number(histogram.total)}")
    lines.append(f"{name}_count{_label_text(labels)} {histogram.observed}")
    return lines
