"""The compliance trend as numbers an inline SVG template can draw (no chart library)."""

from __future__ import annotations

from pydantic import BaseModel

from services.store.repos.compliance import TrendPoint

WIDTH = 640
HEIGHT = 200
LEFT = 40  # room for the score axis labels
RIGHT = 12
TOP = 12
BOTTOM = 28  # room for the date labels


class ChartPoint(BaseModel):
    x: float
    y: float
    score: float
    label: str
    report_id: str


class TrendChart(BaseModel):
    """Coordinates in a WIDTH x HEIGHT box; score 0-100 upwards, time left to right."""

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    points: list[ChartPoint]
    # (y, label) of the horizontal grid lines
    grid: list[tuple[float, str]]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _y(score: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - score / 100)


def trend_chart(trend: list[TrendPoint]) -> TrendChart:
    """Scored reports, oldest first, spread evenly across the chart (one step per audit)."""
    scored = [t for t in trend if t.score is not None]
    span = WIDTH - LEFT - RIGHT
    step = span / (len(scored) - 1) if len(scored) > 1 else 0.0
    points = [
        ChartPoint(
            x=LEFT + (index * step if len(scored) > 1 else span / 2),
            y=_y(t.score or 0.0),
            score=t.score or 0.0,
            label=t.finished_at.strftime("%Y-%m-%d %H:%M"),
            report_id=t.report_id,
        )
        for index, t in enumerate(scored)
    ]
    return TrendChart(points=points, grid=[(_y(s), f"{s:.0f}") for s in (0, 25, 50, 75, 100)])
