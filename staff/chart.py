"""Lay out the dashboard's 30-day chart for an inline SVG drawn by a template.

Bars: the orders received each day (left axis). Line and dots: the share of the
day's orders prepared within the deadline (right axis, 0-100 %), broken on days
with no order ready to measure. The template
(staff/includes/dash_chart.html) turns this geometry into SVG with
a <title>, a <desc> and a data table behind <details>: no JavaScript, nothing
fetched from elsewhere.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .stats import Day

WIDTH = 720
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 16, 44
BAR_FILL = 0.7  # share of a day's slot taken by its bar
LABEL_EVERY = 5  # one date under the axis every five days, today included


def coordinate(value: float) -> str:
    """Write an SVG coordinate with a dot, whatever the language's decimal separator."""
    return f"{round(value, 1):g}"


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    day: Day


@dataclass(frozen=True)
class Tick:
    position: str  # y for the vertical axes, x for the dates
    value: object


@dataclass(frozen=True)
class Dot:
    x: str
    y: str
    day: Day


@dataclass
class Chart:
    days: Sequence[Day]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    bars: list[Bar] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # polyline "x,y x,y" strings
    dots: list[Dot] = field(default_factory=list)
    count_ticks: list[Tick] = field(default_factory=list)
    share_ticks: list[Tick] = field(default_factory=list)
    date_ticks: list[Tick] = field(default_factory=list)

    @property
    def total_received(self) -> int:
        return sum(day.received for day in self.days)

    @property
    def total_ready(self) -> int:
        return sum(day.ready for day in self.days)

    @property
    def percent_on_time(self) -> float | None:
        ready = self.total_ready
        return round(100 * sum(day.on_time for day in self.days) / ready, 1) if ready else None

    @property
    def busiest(self) -> Day | None:
        busiest = max(self.days, key=lambda day: day.received, default=None)
        return busiest if busiest and busiest.received else None

    @property
    def first_day(self):
        return self.days[0].day if self.days else None

    @property
    def last_day(self):
        return self.days[-1].day if self.days else None

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def label_y(self) -> float:
        return self.bottom + 18


def nice_ceiling(value: int) -> tuple[int, int]:
    """Return a round top for an axis reaching `value` and its step (1, 2 or 5 x 10^n)."""
    if value <= 4:
        return 4, 1
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return int(math.ceil(value / step) * step), int(step)


def lay_out(days: Sequence[Day]) -> Chart:
    """Return the chart's geometry for a series of days, oldest first."""
    chart = Chart(days=days)
    plot_width = chart.right - chart.left
    plot_height = chart.bottom - chart.top
    top_count, step = nice_ceiling(max((day.received for day in days), default=0))

    def count_y(count: int) -> float:
        return chart.bottom - plot_height * count / top_count

    def share_y(share: float) -> float:
        return chart.bottom - plot_height * share

    chart.count_ticks = [Tick(coordinate(count_y(v)), v) for v in range(0, top_count + 1, step)]
    chart.share_ticks = [Tick(coordinate(share_y(p / 100)), p) for p in (0, 25, 50, 75, 100)]
    slot = plot_width / max(len(days), 1)
    segment: list[str] = []
    for index, day in enumerate(days):
        centre = chart.left + slot * (index + 0.5)
        y = count_y(day.received)
        chart.bars.append(
            Bar(
                x=coordinate(centre - slot * BAR_FILL / 2),
                y=coordinate(y),
                width=coordinate(slot * BAR_FILL),
                height=coordinate(chart.bottom - y),
                day=day,
            )
        )
        if (len(days) - 1 - index) % LABEL_EVERY == 0:
            chart.date_ticks.append(Tick(coordinate(centre), day.day))
        share = day.share_on_time
        if share is None:
            if segment:
                chart.lines.append(" ".join(segment))
            segment = []
            continue
        dot = Dot(x=coordinate(centre), y=coordinate(share_y(share)), day=day)
        chart.dots.append(dot)
        segment.append(f"{dot.x},{dot.y}")
    if segment:
        chart.lines.append(" ".join(segment))
    return chart
