"""Gauges of the API process read from the database at scrape time (one query each).

Changes by tenant and status, the oldest change awaiting approval per tenant, campaigns by
status, devices of unfinished campaigns by state, and compliance per tenant and feature of the
latest completed audit. A finished report never changes, so its feature scores are computed
once and kept until a newer report replaces it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from services.campaigns.lifecycle import CAMPAIGN_DEVICE_STATUSES, CAMPAIGN_STATUSES
from services.changes.lifecycle import CHANGE_STATUSES
from services.store.repos import gauges as gauge_repo

log = logging.getLogger("netwave.metrics")


def _now() -> datetime:
    return datetime.now(UTC)


class DatabaseGauges(Collector):
    """A prometheus-client collector over the store; `clock` is for tests."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = _now
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self._scores: dict[str, dict[str, float]] = {}  # report id -> feature -> ratio
        self._lock = threading.Lock()

    def describe(self) -> list[Metric]:
        return []  # nothing read at registration (the database may not be migrated yet)

    def collect(self) -> Iterator[Metric]:
        try:
            with self.sessions() as session:
                families = self._read(session)
        except SQLAlchemyError as exc:  # the scrape still shows the process's own metrics
            log.warning("database gauges not read: %s", type(exc).__name__)
            return
        yield from families

    def _read(self, session: Session) -> list[Metric]:
        tenants = gauge_repo.tenant_names(session)
        return [
            self._changes(session, tenants),
            self._approval_wait(session, tenants),
            self._by_key(
                "netwave_campaigns",
                "Campaigns by status",
                "status",
                CAMPAIGN_STATUSES,
                gauge_repo.campaigns_by_status(session),
            ),
            self._by_key(
                "netwave_campaign_devices",
                "Devices of campaigns not yet finished, by device state",
                "state",
                CAMPAIGN_DEVICE_STATUSES,
                gauge_repo.unfinished_campaign_devices(session),
            ),
            self._compliance(session),
        ]

    def _changes(self, session: Session, tenants: list[str]) -> Metric:
        counts = gauge_repo.changes_by_status(session)
        family = GaugeMetricFamily(
            "netwave_changes", "Changes by tenant and status", labels=["tenant", "status"]
        )
        for tenant in sorted({*tenants, *(t for t, _ in counts)}):
            for status in CHANGE_STATUSES:
                family.add_metric([tenant, status], counts.get((tenant, status), 0))
        return family

    def _approval_wait(self, session: Session, tenants: list[str]) -> Metric:
        since = gauge_repo.oldest_awaiting_approval(session)
        now = self.clock()
        family = GaugeMetricFamily(
            "netwave_change_approval_wait_seconds",
            "Age of the tenant's oldest change awaiting approval (0: none waits)",
            labels=["tenant"],
        )
        for tenant in sorted({*tenants, *since}):
            waited = (now - since[tenant]).total_seconds() if tenant in since else 0.0
            family.add_metric([tenant], max(0.0, waited))
        return family

    @staticmethod
    def _by_key(
        name: str, documentation: str, label: str, known: tuple[str, ...], counts: dict[str, int]
    ) -> Metric:
        family = GaugeMetricFamily(name, documentation, labels=[label])
        for key in sorted({*known, *counts}):
            family.add_metric([key], counts.get(key, 0))
        return family

    def _compliance(self, session: Session) -> Metric:
        latest = gauge_repo.latest_reports(session)
        family = GaugeMetricFamily(
            "netwave_compliance_score_ratio",
            "Share of devices compliant with a feature in the tenant's latest completed audit",
            labels=["tenant", "feature"],
        )
        with self._lock:
            self._scores = {r: s for r, s in self._scores.items() if r in latest.values()}
            missing = [r for r in latest.values() if r not in self._scores]
        fresh = {report_id: gauge_repo.feature_scores(session, report_id) for report_id in missing}
        with self._lock:
            self._scores.update(fresh)
            scores = {tenant: self._scores.get(r, {}) for tenant, r in latest.items()}
        for tenant, features in sorted(scores.items()):
            for feature, ratio in features.items():
                family.add_metric([tenant, feature], ratio)
        return family
