"""Terminal view of ``cbc trend`` with Rich: a summary table with sparklines, a line chart per
count, milestones, changes and the words. Every function returns a renderable; the CLI prints it.

The chart is drawn here rather than with a plotting library: it needs the reference range as a band
and the key levels as lines, the console's width, and glyphs that read the same without colour
(``●`` a draw, ``·`` the line between draws, ``░`` the reference range, ``╌`` a key level; ASCII
stand-ins on a non-UTF-8 console). Counts (10^9/L) are drawn on a log scale so that the low levels
that matter (ANC 0.5 and 1.0, platelets 20 and 50) stay apart; hemoglobin on a linear one.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from datetime import date, datetime

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cbc_cli.analytes import ANALYTES
from cbc_cli.explanations import CHILD_DISCLAIMER, DISCLAIMER
from cbc_cli.render import FLAG_STYLE, URGENCY_STYLE
from cbc_cli.trend.model import AnalyteTrend, Milestone, PersonTrend, Point, TrendReport
from cbc_cli.trend.words import day_words, value_text
from cbc_cli.wording import plural, speaks_to_parent, urgency_title

CHART_HEIGHT = 10
SPARK = "▁▂▃▄▅▆▇█"
SPARK_ASCII = "_.-=+*#"
SPARK_MAX = 24
# Glyphs: (unicode, ascii) for a draw, the line between draws, a key level, the range band.
GLYPHS = {
    "point": ("●", "o"),
    "path": ("·", "."),
    "level": ("╌", "-"),
    "band": ("░", ":"),
    "transfusion": ("T", "T"),
}
LABELS = {"anc": "ANC", "plt": "Platelets", "hgb": "Hemoglobin", "wbc": "WBC", "alc": "Lymphocytes"}
STATUS_WORDS = {
    "reached": ("reached", "green"),
    "lost": ("reached, then lost", "red"),
    "pending": ("not yet", "yellow"),
    "not-needed": ("not applicable", "dim"),
    "cannot-tell": ("cannot tell", "dim"),
}


def _label(analyte_id: str) -> str:
    return LABELS.get(analyte_id, analyte_id.upper())


def _log_scale(analyte_id: str) -> bool:
    return ANALYTES[analyte_id].dimension == "count9"


def sparkline(
    values: Sequence[float], *, log: bool = False, ascii_only: bool = False, length: int = SPARK_MAX
) -> str:
    """A one-line picture of a series, low to high as ▁ to █.

    A series longer than ``length`` is cut into that many stretches, each shown by its lowest
    value, so that the lowest point is never lost.
    """
    chars = SPARK_ASCII if ascii_only else SPARK
    shown = list(values)
    if not shown:
        return ""
    if len(shown) > length:
        edges = [round(i * len(shown) / length) for i in range(length + 1)]
        shown = [min(shown[a:b]) for a, b in itertools.pairwise(edges)]
    if log:
        floor = min((v for v in shown if v > 0), default=1.0) / 2
        shown = [math.log10(max(v, floor)) for v in shown]
    lo, hi = min(shown), max(shown)
    if math.isclose(lo, hi):
        return chars[len(chars) // 2] * len(shown)
    return "".join(chars[round((v - lo) / (hi - lo) * (len(chars) - 1))] for v in shown)


class TrendChart:
    """A line chart of one count over time, sized to the console when rendered."""

    def __init__(
        self,
        trend: AnalyteTrend,
        *,
        transplant: bool = False,
        transfusions: Sequence[date] = (),
        height: int = CHART_HEIGHT,
    ) -> None:
        self.trend = trend
        self.levels = sorted({b.below for b in trend.below})
        self.transplant = transplant
        self.transfusions = list(transfusions)
        self.height = max(4, height)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Yield the title, the chart rows, the axis and the legend."""
        ascii_only = options.ascii_only
        glyph = {k: v[1] if ascii_only else v[0] for k, v in GLYPHS.items()}
        t = self.trend
        log = _log_scale(t.analyte)
        title = Text(f"{_label(t.analyte)} ({t.unit})", style="bold")
        if log:
            title.append(", log scale", style="dim")
        yield title

        values = [p.value for p in t.points]
        marks = [*self.levels, *(v for v in (t.range_low, t.range_high) if v is not None)]
        scale = _Scale(values, marks, log, self.height)
        labels = self._labels(scale)
        label_w = max(len(s) for s in labels.values()) if labels else 1
        width = max(10, options.max_width - label_w - 1)

        times = [p.taken for p in t.points]
        start, end = min(times), max(times)
        span = (end - start).total_seconds()

        def col(when: datetime) -> int:
            return 0 if span == 0 else round((when - start).total_seconds() / span * (width - 1))

        grid: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(self.height)]
        if t.range_low is not None or t.range_high is not None:
            top = scale.row(t.range_high) if t.range_high is not None else 0
            bottom = scale.row(t.range_low) if t.range_low is not None else self.height - 1
            for r in range(top, bottom + 1):
                grid[r] = [(glyph["band"], "green dim")] * width
        for level in self.levels:
            r = scale.row(level)
            grid[r] = [(glyph["level"], "yellow")] * width
        cells = [(col(w), scale.row(p.value), p) for w, p in zip(times, t.points, strict=True)]
        for (c1, r1, _), (c2, r2, _) in itertools.pairwise(cells):
            for c in range(c1 + 1, c2):
                r = round(r1 + (r2 - r1) * (c - c1) / (c2 - c1))
                grid[r][c] = (glyph["path"], "")
        for c, r, p in cells:
            grid[r][c] = (glyph["point"], f"bold {FLAG_STYLE.get(p.flag or '', '')}".strip())

        for r in range(self.height):
            line = Text(labels.get(r, "").rjust(label_w) + ("|" if ascii_only else "┤"), "dim")
            for char, style in grid[r]:
                line.append(char, style)
            yield line
        yield self._axis(label_w, width, col, start, end, ascii_only, glyph)
        yield self._legend(glyph, scale.lo if log else None)

    def _labels(self, scale: _Scale) -> dict[int, str]:
        t = self.trend
        labels: dict[int, str] = {}
        labels[self.height - 1] = _tick(scale.value_at(self.height - 1))
        labels[0] = _tick(scale.value_at(0))
        for edge in (t.range_low, t.range_high):
            if edge is not None:
                labels[scale.row(edge)] = _tick(edge)
        for level in self.levels:
            labels[scale.row(level)] = f"{level:g}"
        return labels

    def _axis(
        self,
        label_w: int,
        width: int,
        col: Callable[[datetime], int],
        start: datetime,
        end: datetime,
        ascii_only: bool,
        glyph: dict[str, str],
    ) -> Text:
        axis = [("-" if ascii_only else "─")] * width
        if self.trend.analyte == "plt":
            for when in self.transfusions:
                moment = datetime(when.year, when.month, when.day)
                if start <= moment <= end or start.date() == when:
                    axis[max(0, min(width - 1, col(max(moment, start))))] = glyph["transfusion"]
        text = Text(" " * label_w + ("+" if ascii_only else "└") + "".join(axis), "dim")
        caption = "day" if self.trend.points[0].day is not None else "date"
        ticks = Text(caption.rjust(label_w) + " ", "dim")
        placed: list[tuple[int, str]] = []
        points = self.trend.points
        candidates = [(col(p.taken), self._tick_label(p)) for p in points]
        last = candidates[-1]
        for c, label in candidates:
            start_at = min(c, width - len(label))
            if placed and start_at <= placed[-1][0] + len(placed[-1][1]):
                continue
            if c != last[0] and start_at + len(label) + 1 > min(last[0], width - len(last[1])):
                continue
            placed.append((start_at, label))
        line = [" "] * width
        for at, label in placed:
            for i, ch in enumerate(label):
                if 0 <= at + i < width:
                    line[at + i] = ch
        ticks.append("".join(line).rstrip(), "dim")
        return Text.assemble(text, "\n", ticks)

    def _tick_label(self, p: Point) -> str:
        if p.day is not None:
            return f"{'+' if self.transplant and p.day > 0 else ''}{p.day}"
        when = p.taken
        first = self.trend.points[0].taken
        last = self.trend.points[-1].taken
        return when.strftime("%m-%d") if first.year == last.year else when.date().isoformat()

    def _legend(self, glyph: dict[str, str], floor: float | None) -> Text:
        t = self.trend
        parts: list[tuple[str, str]] = [
            (f"{glyph['point']} draw", ""),
            (f"{glyph['path']} between draws", ""),
        ]
        if t.range_low is not None or t.range_high is not None:
            low = value_text(t.analyte, t.range_low) if t.range_low is not None else ""
            high = value_text(t.analyte, t.range_high) if t.range_high is not None else ""
            parts.append((f"{glyph['band']} reference range {low}-{high}", "green"))
        if self.levels:
            parts.append(
                (
                    f"{glyph['level']} key levels {', '.join(f'{v:g}' for v in self.levels)}",
                    "yellow",
                )
            )
        if self.trend.analyte == "plt" and self.transfusions:
            parts.append((f"{glyph['transfusion']} platelet transfusion", ""))
        if floor is not None and any(p.value < floor for p in t.points):
            parts.append((f"values below {_tick(floor)} are drawn on the bottom row", "dim"))
        legend = Text(style="dim")
        for i, (words, style) in enumerate(parts):
            if i:
                legend.append("  ")
            legend.append(words, style)
        return legend


class _Scale:
    """Maps values to chart rows (0 is the top), linear or log10."""

    def __init__(
        self, values: Sequence[float], marks: Sequence[float], log: bool, rows: int
    ) -> None:
        self.log = log
        self.rows = rows
        every = [*values, *marks]
        if log:
            positive = [v for v in every if v > 0] or [1.0]
            floor = min(positive) / 1.5
            marked = [m for m in marks if m > 0]
            if marked:
                # Values far below the lowest key level all mean "very low": keep the scale on
                # the levels that matter and draw those values on the bottom row.
                floor = max(floor, min(marked) / 10)
            self.lo, self.hi = _nice(floor, down=True), _nice(max(positive) * 1.1, down=False)
        else:
            lo, hi = min(every), max(every)
            pad = (hi - lo) * 0.05 or 1.0
            lo, hi = max(0.0, lo - pad), hi + pad
            if hi - lo > 4:
                lo, hi = float(math.floor(lo)), float(math.ceil(hi))
            self.lo, self.hi = lo, hi

    def _y(self, value: float) -> float:
        if self.log:
            return math.log10(max(value, self.lo))
        return value

    def row(self, value: float) -> int:
        """The row a value is drawn on."""
        top, bottom = self._y(self.hi), self._y(self.lo)
        fraction = (top - self._y(value)) / (top - bottom) if top != bottom else 0.5
        return max(0, min(self.rows - 1, round(fraction * (self.rows - 1))))

    def value_at(self, row: int) -> float:
        """The value at the middle of a row."""
        top, bottom = self._y(self.hi), self._y(self.lo)
        y = top - (top - bottom) * row / (self.rows - 1)
        return 10**y if self.log else y


def _nice(value: float, *, down: bool) -> float:
    """The nearest 1, 2 or 5 times a power of ten below (or above) a positive value."""
    power = 10 ** math.floor(math.log10(value))
    steps = [1, 2, 5, 10]
    if down:
        return float(max(s for s in steps if s * power <= value * (1 + 1e-9)) * power)
    return float(min(s for s in steps if s * power >= value * (1 - 1e-9)) * power)


def _tick(value: float) -> str:
    if value >= 10:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2g}"


class SummaryTable:
    """One row per count: lowest value and when, latest value and flag, a sparkline.

    Built when rendered, so that the sparkline and the labels fit the console's width.
    """

    def __init__(self, person: PersonTrend, *, transplant: bool = False) -> None:
        self.person = person
        self.transplant = transplant

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Yield the table, narrower labels and a shorter sparkline on a narrow console."""
        narrow = options.max_width < 60
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        table.add_column("Count")
        table.add_column("Lowest")
        table.add_column("Latest")
        table.add_column("Trend", no_wrap=True, overflow="crop")
        spark_room = max(5, min(SPARK_MAX, options.max_width - (30 if narrow else 48)))
        for t in self.person.analytes:
            lowest = Text("")
            if t.nadir is not None:
                lowest = Text(value_text(t.analyte, t.nadir.value))
                when = (
                    day_words(t.nadir.day, self.transplant)
                    if t.nadir.day is not None
                    else t.nadir.collected_at[:10]
                )
                lowest.append(("\n" if narrow else " ") + when, "dim")
            flag = t.latest.flag or "?"
            latest = Text(value_text(t.analyte, t.latest.value), style=FLAG_STYLE.get(flag, ""))
            latest.append(f" {flag}" if flag != "no-range" else " no range")
            label = _label(t.analyte) if narrow else f"{_label(t.analyte)} ({t.unit})"
            table.add_row(
                Text(label),
                lowest,
                latest,
                sparkline(
                    [p.value for p in t.points],
                    log=_log_scale(t.analyte),
                    ascii_only=options.ascii_only,
                    length=spark_room,
                ),
            )
        yield table


def _milestone_line(m: Milestone, transplant: bool) -> Text:
    words, style = STATUS_WORDS[m.status]
    if m.status in ("reached", "lost") and m.transfusion_info == "not-given":
        # cbc was not told of transfusions: never say there was none.
        words += " (if no platelet transfusion)"
    line = Text("• ")
    line.append(f"{words}: ", f"bold {style}")
    line.append(m.title)
    if m.status in ("reached", "lost") and m.collected_at is not None:
        when = m.collected_at.replace("T", " ")
        day = f" ({day_words(m.day, transplant)})" if m.day is not None else ""
        line.append(f", from {when}{day}", "bold")
    if m.note:
        line.append(f"; {m.note}", "dim")
    return line


def _bullets(title: str, lines: Sequence[str]) -> list[RenderableType]:
    if not lines:
        return []
    return [Text(title, style="bold underline"), *(Text(f"• {line}") for line in lines)]


def person_view(
    person: PersonTrend,
    report: TrendReport,
    *,
    charts: bool = True,
) -> RenderableType:
    """The page for one person: table, charts, milestones, changes, words, care-team message."""
    transplant = report.transplant is not None
    # A child's series speaks to the parent, as its sentences do (trend.build).
    child = speaks_to_parent(person.latest)
    used = [d for d in person.draws if d.used]
    head = Text("Counts over time", style="bold")
    if person.patient_id:
        head.append(f" - patient {person.patient_id}", "bold")
    if used:
        first, last = used[0], used[-1]
        span = first.collected_at[:10]
        if len(used) > 1:
            span += f" to {last.collected_at[:10]}"
        if first.day is not None and last.day is not None:
            span += f" ({day_words(first.day, transplant)} to {day_words(last.day, transplant)})"
        head.append(f": {plural(len(used), 'draw')}, {span}")
    parts: list[RenderableType] = [head]
    if person.analytes:
        parts.append(SummaryTable(person, transplant=transplant))
    if charts and len(used) >= 2:
        for t in person.analytes:
            parts.append(
                Padding(
                    TrendChart(
                        t,
                        transplant=transplant,
                        transfusions=person.transfusion_dates,
                    ),
                    (0, 0, 1, 0),
                    expand=False,
                )
            )
    # Milestones not yet reached are in "What to watch for"; those not needed stay in the JSON.
    shown = [m for m in person.milestones if m.status in ("reached", "lost", "cannot-tell")]
    if shown:
        parts.append(Text("Milestones", style="bold underline"))
        parts.extend(_milestone_line(m, transplant) for m in shown)
    if person.changes:
        team = "your child's care team" if child else "the care team"
        parts.append(Text(f"Changes worth a call to {team}", style="bold underline"))
        parts.extend(Text(f"• {c.message}", style="yellow") for c in person.changes)
    for alert in person.alerts:
        parts.append(
            Panel(
                Text(alert.message),
                title=Text(alert.title),
                title_align="left",
                border_style=URGENCY_STYLE[alert.urgency],
            )
        )
    parts.extend(_bullets("What fell", person.fell))
    parts.extend(_bullets("What is recovering", person.recovering))
    parts.extend(_bullets("What is rising (still below its recovery level)", person.rising))
    parts.extend(_bullets("What to watch for", person.watch))
    if person.timeline:
        parts.append(Text(person.timeline, style="italic"))
    # How the counts were judged without the age or sex, or an option the file overrode: read
    # before acting, so above the box.
    parts.extend(Text(f"Note: {note}", style="bold") for note in person.notes_first)
    if person.message:
        said = Text(person.message)
        if person.safety:
            said.append("\n")
            said.append(person.safety, style="bold")
        parts.append(
            Panel(
                said,
                title=Text(urgency_title(person.urgency, child=child)),
                title_align="left",
                border_style=URGENCY_STYLE[person.urgency],
                box=box.HEAVY if person.urgency == "now" else box.ROUNDED,
            )
        )
    for draw in person.draws:
        if draw.note:
            parts.append(Text(f"Line {draw.line}: not used: {draw.note}", style="dim"))
        for error in draw.errors:
            parts.append(Text(f"Could not read: {error}", style="red"))
    parts.extend(Text(f"Note: {n}", style="dim") for n in person.notes_after)
    return Group(*parts)


def trend_view(report: TrendReport, *, charts: bool = True) -> RenderableType:
    """The whole ``cbc trend`` page: each person, the draws that could not be placed, sources."""
    parts: list[RenderableType] = []
    for i, person in enumerate(report.persons):
        if i:
            parts.append(Text(""))
        parts.append(person_view(person, report, charts=charts))
    if report.unplaced:
        parts.append(Text("Draws that could not be placed", style="bold red"))
        for u in report.unplaced:
            where = f"line {u.line}" if u.line is not None else f"sample {u.sample_id or '?'}"
            said = u.reason if u.reason.startswith(where) else f"{where}: {u.reason}"
            parts.append(Text(f"• {said}", style="red"))
    parts.extend(Text(f"Note: {note}", style="dim") for note in report.notes)
    sources = (
        f"Grading: {report.grading.title}. Levels, milestones and change limits: {report.rules}."
    )
    if report.since:
        sources += f" Day 0 is {report.since}."
    parts.append(Text(sources, style="dim"))
    # A page of children's series only closes on "the care team" (the child's, not the reader's).
    children = bool(report.persons) and all(speaks_to_parent(p.latest) for p in report.persons)
    parts.append(Text(CHILD_DISCLAIMER if children else DISCLAIMER, style="dim italic"))
    return Group(*parts)
