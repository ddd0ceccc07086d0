"""The trend chart's coordinates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.api.web.charts import HEIGHT, LEFT, WIDTH, trend_chart
from services.store.repos.compliance import TrendPoint


def point(day: int, score: float | None) -> TrendPoint:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day)
    return TrendPoint(
        report_id=f"r{day}", finished_at=at, score=score, devices_total=2, devices_compliant=1
    )


def test_scores_map_to_height_and_audits_spread_left_to_right() -> None:
    chart = trend_chart([point(0, 0.0), point(1, None), point(2, 50.0), point(3, 100.0)])
    assert [p.report_id for p in chart.points] == ["r0", "r2", "r3"]  # unscored audits skipped
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs[0] == LEFT and xs[-1] == WIDTH - 12 and xs == sorted(xs)
    assert ys[0] == chart.bottom and ys[-1] == chart.top and ys[1] == (ys[0] + ys[2]) / 2
    assert all(0 <= y <= HEIGHT for y in ys)
    assert chart.polyline.count(",") == 3


def test_one_audit_sits_in_the_middle_and_none_draws_nothing() -> None:
    (only,) = trend_chart([point(0, 75.0)]).points
    assert only.x == LEFT + (WIDTH - LEFT - 12) / 2
    assert trend_chart([]).points == []
