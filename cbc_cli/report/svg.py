"""A small SVG drawing module for the HTML report: a range bar per value and a chart per count
over time, as plain SVG text (no script, nothing fetched).

Every text that reaches the SVG is escaped here (:func:`esc`), so a sample id or a unit from the
input cannot become markup. Meaning never rests on colour alone: a value's flag is also its marker's
shape (:data:`MARKERS`), and every drawing carries a ``<title>`` and a ``<desc>`` in words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Marker shapes by flag: a circle for normal, a triangle pointing the way a value is out of range,
# a larger filled triangle with a bar for a critical value, a square when no range applies.
MARKERS = {
    "N": "circle",
    "L": "down",
    "H": "up",
    "LL": "down-critical",
    "HH": "up-critical",
    "no-range": "square",
}


# Presentation attributes by class, so that the drawing looks the same wherever it is shown
# (a browser, WeasyPrint's own SVG renderer, a file viewer); the page's stylesheet may refine them.
# Colours meet WCAG 2.1 AA against white (text 4.5:1, lines and shapes 3:1).
STYLES: dict[str, dict[str, str]] = {
    "plot": {"fill": "#ffffff", "stroke": "#767676", "stroke-width": "1"},
    "track": {"fill": "#e6e6e6"},
    "band": {"fill": "#cde8d3", "stroke": "#1e6b2e", "stroke-width": "1"},
    "band-label": {"fill": "#1b5e2a", "font-size": "11"},
    "critical": {"stroke": "#b00020", "stroke-width": "2.5", "stroke-dasharray": "3 2"},
    "axis": {"stroke": "#555555", "stroke-width": "1"},
    "tick": {"fill": "#333333", "font-size": "11"},
    "caption": {"fill": "#333333", "font-size": "11"},
    "level": {"stroke": "#8a4b00", "stroke-width": "1.5", "stroke-dasharray": "6 4"},
    "level-label": {"fill": "#7a4200", "font-size": "11"},
    "mark-transfusion": {"stroke": "#0b4f8a", "stroke-width": "1.5", "stroke-dasharray": "2 3"},
    "mark-milestone": {"stroke": "#1b5e2a", "stroke-width": "1.5"},
    "mark-label-transfusion": {"fill": "#0b4f8a", "font-size": "11", "font-weight": "bold"},
    "mark-label-milestone": {"fill": "#1b5e2a", "font-size": "11"},
    "series": {"fill": "none", "stroke": "#333333", "stroke-width": "1.5"},
    "label-patch": {
        "fill": "#ffffff",
        "fill-opacity": "0.9",
        "stroke": "#767676",
        "stroke-width": "0.5",
    },
    "nadir-label": {"fill": "#333333", "font-size": "11", "font-weight": "bold"},
    "marker-circle": {"fill": "#1e6b2e", "stroke": "#ffffff", "stroke-width": "1"},
    "marker-square": {"fill": "#555555", "stroke": "#ffffff", "stroke-width": "1"},
    "marker-down": {"fill": "#8a4b00", "stroke": "#ffffff", "stroke-width": "1"},
    "marker-up": {"fill": "#8a4b00", "stroke": "#ffffff", "stroke-width": "1"},
    "marker-down-critical": {"fill": "#b00020", "stroke": "#b00020", "stroke-width": "1.5"},
    "marker-up-critical": {"fill": "#b00020", "stroke": "#b00020", "stroke-width": "1.5"},
}


def esc(text: object) -> str:
    """Text made safe for SVG/HTML content and attribute values (quotes included)."""
    return escape(str(text), quote=True)


def num(value: float) -> str:
    """A coordinate with at most one decimal, so the SVG text stays short and stable."""
    return f"{round(value, 1):g}"


class Svg:
    """An SVG document built element by element; :meth:`render` returns its text."""

    def __init__(self, width: float, height: float, *, title: str, desc: str, label: str) -> None:
        self.width = width
        self.height = height
        self.title = title
        self.desc = desc
        self.label = label
        self.parts: list[str] = []

    def add(self, tag: str, attrs: dict[str, object], text: str | None = None) -> None:
        """Add one element; attribute values and text are escaped."""
        styled: dict[str, object] = {}
        for cls in str(attrs.get("class", "")).split():
            styled.update(STYLES.get(cls, {}))
        styled.update({k.replace("_", "-"): v for k, v in attrs.items()})
        attr = "".join(f' {k}="{esc(v)}"' for k, v in styled.items())
        if text is None:
            self.parts.append(f"<{tag}{attr}/>")
        else:
            self.parts.append(f"<{tag}{attr}>{esc(text)}</{tag}>")

    def rect(self, x: float, y: float, w: float, h: float, cls: str) -> None:
        """A rectangle."""
        self.add(
            "rect", {"x": num(x), "y": num(y), "width": num(w), "height": num(h), "class": cls}
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, cls: str) -> None:
        """A straight line."""
        self.add("line", {"x1": num(x1), "y1": num(y1), "x2": num(x2), "y2": num(y2), "class": cls})

    def polyline(self, points: Sequence[tuple[float, float]], cls: str) -> None:
        """A line through points."""
        self.add(
            "polyline", {"points": " ".join(f"{num(x)},{num(y)}" for x, y in points), "class": cls}
        )

    def text(self, x: float, y: float, words: str, cls: str, anchor: str = "start") -> None:
        """A label."""
        self.add("text", {"x": num(x), "y": num(y), "class": cls, "text_anchor": anchor}, words)

    def marker(self, x: float, y: float, flag: str | None, size: float = 5.0) -> None:
        """A value's marker, its shape saying its flag (:data:`MARKERS`)."""
        shape = MARKERS.get(flag or "", "square")
        critical = shape.endswith("critical")
        s = size * (1.35 if critical else 1.0)
        cls = f"marker marker-{shape}"
        if shape == "circle":
            self.add("circle", {"cx": num(x), "cy": num(y), "r": num(s), "class": cls})
        elif shape == "square":
            self.rect(x - s, y - s, 2 * s, 2 * s, cls)
        else:
            sign = 1 if shape.startswith("down") else -1
            tip, base = y + sign * s, y - sign * s
            pts = [(x - s * 1.1, base), (x + s * 1.1, base), (x, tip)]
            self.add(
                "polygon", {"points": " ".join(f"{num(a)},{num(b)}" for a, b in pts), "class": cls}
            )
            if critical:  # a bar across the base: critical, in shape as well as colour
                self.line(x - s * 1.3, base - sign * 2, x + s * 1.3, base - sign * 2, cls)

    def render(self) -> str:
        """The ``<svg>`` element, with its title and description first."""
        ident = esc(self.label)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(self.width)} '
            f'{num(self.height)}" role="img" aria-labelledby="{ident}-t {ident}-d" '
            f'class="chart" preserveAspectRatio="xMinYMin meet">'
            f'<title id="{ident}-t">{esc(self.title)}</title>'
            f'<desc id="{ident}-d">{esc(self.desc)}</desc>'
        )
        return head + "".join(self.parts) + "</svg>"


@dataclass(frozen=True)
class Scale:
    """Maps values to a pixel span, linear or log10 (low values of a count stay apart on a log
    scale: ANC 0.1, 0.5 and 1.0 would otherwise sit on one another)."""

    lo: float
    hi: float
    start: float
    end: float
    log: bool = False

    def _v(self, value: float) -> float:
        return math.log10(max(value, self.lo)) if self.log else value

    def at(self, value: float) -> float:
        """The pixel position of a value, clamped to the span."""
        lo, hi = self._v(self.lo), self._v(self.hi)
        fraction = 0.5 if hi == lo else (self._v(value) - lo) / (hi - lo)
        fraction = min(1.0, max(0.0, fraction))
        return self.start + fraction * (self.end - self.start)


def nice(value: float, *, down: bool) -> float:
    """The nearest 1, 2 or 5 times a power of ten below (or above) a positive value."""
    power = 10 ** math.floor(math.log10(value))
    steps = [1, 2, 5, 10]
    if down:
        return float(max(s for s in steps if s * power <= value * (1 + 1e-9)) * power)
    return float(min(s for s in steps if s * power >= value * (1 - 1e-9)) * power)


def tick(value: float) -> str:
    """A short axis label: 0.08, 0.5, 2, 150."""
    return f"{value:.2g}" if value < 1 else f"{value:g}" if value < 10 else f"{value:.0f}"


def range_bar(
    *,
    ident: str,
    name: str,
    value: float,
    value_text: str,
    unit: str,
    flag: str | None,
    flag_words: str,
    low: float | None,
    high: float | None,
    critical_low: float | None,
    critical_high: float | None,
) -> str:
    """A small bar: the reference range as a band, the critical limits as marks, and where the
    value sits (its marker's shape says its flag). Linear, from a little below the lowest mark
    to a little above the highest."""
    width, height = 240.0, 34.0
    # The critical limit on the value's side of the range is always in view; the far one only
    # when it is not so far away that the range shrinks to a sliver (platelets: 140-450, 910).
    edges = [v for v in (low, high) if v is not None]
    middle = sum(edges) / len(edges) if edges else value
    near = critical_low if value <= middle else critical_high
    marks = [v for v in (low, high, near, value) if v is not None]
    span = (max(marks) - min(marks)) or abs(value) or 1.0
    far = critical_high if near is critical_low else critical_low
    if far is not None and abs(far - middle) < span * 1.5:
        marks.append(far)
    lo, hi = min(marks), max(marks)
    pad = (hi - lo) * 0.12 or abs(hi) * 0.2 or 1.0
    scale = Scale(max(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad, 8.0, width - 8.0)
    # The words give the limits exactly (19.9, not an axis label's 20).
    parts = [f"{name}: {value_text} {unit}, {flag_words}"]
    if low is not None or high is not None:
        parts.append(f"reference range {_span(low, high)}")
    if critical_low is not None:
        parts.append(f"critical below {critical_low:g}")
    if critical_high is not None:
        parts.append(f"critical above {critical_high:g}")
    svg = Svg(width, height, title=f"Where {name} sits", desc="; ".join(parts), label=ident)
    svg.rect(scale.start, 14, scale.end - scale.start, 6, "track")
    if low is not None or high is not None:
        x1 = scale.at(low) if low is not None else scale.start
        x2 = scale.at(high) if high is not None else scale.end
        svg.rect(x1, 11, max(2.0, x2 - x1), 12, "band")
    for limit in (critical_low, critical_high):
        if limit is not None and limit in marks:
            x = scale.at(limit)
            svg.line(x, 6, x, 28, "critical")
    svg.marker(scale.at(value), 17, flag, 6.5)
    return svg.render()


def _span(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    return f"{low:g} or more" if low is not None else f"up to {high or 0:g}"


@dataclass(frozen=True)
class ChartPoint:
    """One draw on a chart: days from the chart's origin, the value and its flag."""

    x: float
    value: float
    flag: str | None
    label: str


@dataclass(frozen=True)
class Level:
    """A horizontal key level (ANC 0.5, platelets 20) with its words."""

    value: float
    label: str


@dataclass(frozen=True)
class Mark:
    """A vertical mark on the time axis: a transfusion or a milestone."""

    x: float
    label: str
    kind: str
    """``transfusion`` or ``milestone`` (drawn differently: dotted, or solid with a flag)."""


def trend_chart(
    *,
    ident: str,
    title: str,
    desc: str,
    unit: str,
    points: Sequence[ChartPoint],
    log: bool,
    band: tuple[float | None, float | None],
    levels: Sequence[Level],
    marks: Sequence[Mark],
    x_ticks: Sequence[tuple[float, str]],
    x_caption: str,
    nadir: ChartPoint | None = None,
) -> str:
    """A line chart of one count over time: the reference range as a band, key levels as dashed
    lines, transfusions and milestones as vertical marks, each draw a marker shaped by its flag."""
    width, height = 640.0, 250.0
    left, right, top, bottom = 52.0, 92.0, 30.0, 44.0  # key levels are named right of the plot
    xs = [p.x for p in points] + [m.x for m in marks]
    x_lo, x_hi = min(xs, default=0.0), max(xs, default=1.0)
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    xscale = Scale(x_lo, x_hi, left, width - right)
    values = [p.value for p in points]
    every = [*values, *(lv.value for lv in levels), *(b for b in band if b is not None)]
    if log:
        positive = [v for v in every if v > 0] or [1.0]
        floor = min(positive) / 3  # room under the lowest draw for its label
        y_lo, y_hi = nice(floor, down=True), nice(max(positive) * 1.15, down=False)
    else:
        lo, hi = min(every), max(every)
        pad = (hi - lo) * 0.12 or 1.0
        y_lo, y_hi = max(0.0, math.floor(lo - pad)), math.ceil(hi + pad)
    yscale = Scale(y_lo, y_hi, height - bottom, top, log)
    svg = Svg(width, height, title=title, desc=desc, label=ident)
    svg.rect(left, top, width - left - right, height - top - bottom, "plot")
    low, high = band
    if low is not None or high is not None:
        y1 = yscale.at(high) if high is not None else top
        y2 = yscale.at(low) if low is not None else height - bottom
        svg.rect(left, y1, width - left - right, max(1.0, y2 - y1), "band")
        svg.text(width - right - 4, y1 + 12, "reference range", "band-label", "end")
    for value in _y_ticks(y_lo, y_hi, log):
        y = yscale.at(value)
        svg.line(left - 4, y, left, y, "axis")
        svg.text(left - 7, y + 4, tick(value), "tick", "end")
    for level in levels:
        y = yscale.at(level.value)
        svg.line(left, y, width - right + 4, y, "level")
        svg.text(width - right + 10, y + 4, level.label, "level-label")
    for mark in marks:
        x = xscale.at(mark.x)
        svg.line(x, top, x, height - bottom, f"mark mark-{mark.kind}")
        svg.text(
            x + 3,
            top - 6 if mark.kind == "milestone" else top + 12,
            mark.label,
            f"mark-label mark-label-{mark.kind}",
            "start" if x < width * 0.6 else "end",
        )
    svg.line(left, height - bottom, width - right, height - bottom, "axis")
    svg.line(left, top, left, height - bottom, "axis")
    for x, label in x_ticks:
        px = xscale.at(x)
        svg.line(px, height - bottom, px, height - bottom + 4, "axis")
        svg.text(px, height - bottom + 17, label, "tick", "middle")
    svg.text((left + width - right) / 2, height - 8, x_caption, "caption", "middle")
    svg.text(4, top - 12, unit + (", log scale" if log else ""), "caption")
    path = [(xscale.at(p.x), yscale.at(p.value)) for p in points]
    if len(path) > 1:
        svg.polyline(path, "series")
    for p, (x, y) in zip(points, path, strict=True):
        svg.marker(x, y, p.flag)
    if nadir is not None:
        # Under the lowest draw (no draw is lower, so the label hides none), on a white patch so
        # that a level line under it does not blur it; beside it when the plot has no room below.
        x, y = xscale.at(nadir.x), yscale.at(nadir.value)
        words = f"lowest {nadir.label}"
        room = len(words) * 6.4 + 6
        if y + 28 <= height - bottom:
            x0 = min(max(x - room / 2, left + 2), width - right - room - 2)
            y0 = y + 10
        else:
            x0 = x + 10 if x + 10 + room < width - right else x - 10 - room
            y0 = y - 8
        svg.rect(x0, y0, room, 16, "label-patch")
        svg.text(x0 + 3, y0 + 12, words, "nadir-label")
    return svg.render()


def _y_ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        found: list[float] = []
        power = 10 ** math.floor(math.log10(lo))
        while power <= hi * 1.0001:
            found.extend(v for v in (power, 2 * power, 5 * power) if lo <= v <= hi * 1.0001)
            power *= 10
        return found
    span = hi - lo
    step = nice(span / 5, down=False) if span > 0 else 1.0
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def day_ticks(first: float, last: float) -> list[float]:
    """Tick positions along a time axis in days: every 1, 2, 7, 14, 28 ... days, at most 10."""
    span = max(1.0, last - first)
    step = next((s for s in (1, 2, 7, 14, 28, 56, 91, 182, 365) if span / s <= 10), 730)
    start = math.ceil(first / step) * step
    return [float(start + i * step) for i in range(int((last - start) // step) + 1)]
