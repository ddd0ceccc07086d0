"""The deploy files' copy of the metric names (metric_names.py) is the product's, exactly.

The dashboard and alert tests check deploy/ against `NETWAVE_METRICS`; this test checks
`NETWAVE_METRICS` against the metrics netwave really registers, so a renamed or added metric
fails here instead of leaving a dashboard panel empty.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from services.observability.gauges import DatabaseGauges
from services.observability.metrics import AuthMetrics, DeviceMetrics, HttpMetrics, RunMetrics
from services.store.db import get_engine, make_session_factory
from services.store.migrate import upgrade
from tests.unit.deploy.metric_names import NETWAVE_METRICS, TENANT_METRICS


def _process_metrics() -> dict[str, tuple[str, tuple[str, ...]]]:
    registry = CollectorRegistry()
    for kind in (HttpMetrics, DeviceMetrics, RunMetrics, AuthMetrics):
        kind.create(registry)
    return _families(registry)


def _families(registry: CollectorRegistry) -> dict[str, tuple[str, tuple[str, ...]]]:
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for family in registry.collect():
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = {key for sample in family.samples for key in sample.labels}
        found[name] = (family.type, tuple(sorted(labels - {"le"})))
    return found


def _database_gauges(tmp_path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    url = f"sqlite:///{tmp_path / 'gauges.db'}"
    upgrade(url)
    registry = CollectorRegistry()
    registry.register(DatabaseGauges(make_session_factory(get_engine(url))))
    return {name: (kind, ()) for name, (kind, _) in _families(registry).items()}


def test_the_deploy_copy_names_every_metric_netwave_registers(tmp_path: Path) -> None:
    product = {**_process_metrics(), **_database_gauges(tmp_path)}
    assert {name: kind for name, (kind, _) in product.items()} == NETWAVE_METRICS


def test_the_tenant_filtered_metrics_are_the_ones_labelled_by_tenant() -> None:
    """Counters and histograms show their labels only once observed: declared labels are read
    from the metric objects instead."""
    registry = CollectorRegistry()
    labelled = set()
    for kind in (HttpMetrics, DeviceMetrics, RunMetrics, AuthMetrics):
        metrics = kind.create(registry)
        for metric in vars(metrics).values():
            if "tenant" in getattr(metric, "_labelnames", ()):
                suffix = "_total" if metric._type == "counter" else ""
                labelled.add(metric._name + suffix)
    database_tenant_gauges = {
        "netwave_changes",
        "netwave_change_approval_wait_seconds",
        "netwave_compliance_score_ratio",
    }
    assert labelled | database_tenant_gauges == TENANT_METRICS
