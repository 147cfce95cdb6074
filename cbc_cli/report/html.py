"""The HTML pages of ``cbc check --format html`` and ``cbc trend --format html``.

The result models are turned into plain view data here, and Jinja2 templates (in ``templates/``,
shipped in the wheel) lay them out with autoescaping on: every text that came from the input
(sample ids, patient ids, units, notes, range sources) is escaped. The only markup that is not
escaped by the template is the SVG from :mod:`cbc_cli.report.svg`, which escapes its own text.
The page is one file: the stylesheet is inline, there is no script, and nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from cbc_cli import __version__
from cbc_cli.analytes import ANALYTES
from cbc_cli.engine import SEVERE_GRADE
from cbc_cli.explanations import CHILD_DISCLAIMER, DISCLAIMER
from cbc_cli.models import URGENCY_ORDER, AnalyteResult, Finding, Result, SchemeInfo, Urgency
from cbc_cli.report import svg
from cbc_cli.units import format_value
from cbc_cli.wording import (
    FINDING_LABELS,
    FLAG_WORDS,
    drawn_urgency,
    envelope_footnote,
    envelope_reason,
    flag_asides,
    no_range_words,
    person_words,
    plural,
    speaks_to_parent,
    urgency_title,
)

if TYPE_CHECKING:
    from cbc_cli.readers.records import Record
    from cbc_cli.trend import AnalyteTrend, CountState, PersonTrend, Point, TrendReport

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The words of the terminal page (cbc_cli.render), repeated here so that the HTML path does not
# load Rich; tests/test_report.py checks that the two agree.
LABELS = {"anc": "ANC", "plt": "Platelets", "hgb": "Hemoglobin", "wbc": "WBC", "alc": "Lymphocytes"}
STATUS_WORDS = {
    "reached": "reached",
    "lost": "reached, then lost",
    "pending": "not yet",
    "not-needed": "not applicable",
    "cannot-tell": "cannot tell",
}
STATE_WORDS = {
    "recovered": "recovered",
    "recovering": "recovering",
    "rising": "rising",
    "not-yet": "not yet",
    "lost": "lost",
    "not-needed": "not applicable",
    "cannot-tell": "cannot tell",
}


@cache
def environment() -> Environment:
    """The Jinja2 environment: autoescaping on for every template, undefined names an error."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["stylesheet"] = _trusted((TEMPLATES / "report.css").read_text(encoding="utf-8"))
    env.globals["disclaimer"] = DISCLAIMER
    env.globals["whose_team"] = "your care team"
    env.globals["version"] = __version__
    env.globals["legend"] = _legend()
    env.filters["unit"] = unit_text
    return env


def unit_text(unit: str) -> str:
    """A unit as printed on a lab report: ``10^9/L`` as ``x10⁹/L`` (the data keep ``10^9/L``)."""
    return unit.replace("10^9", "x10⁹").replace("10^12", "x10¹²").replace("10^3", "x10³")


def _trusted(markup: str) -> Markup:
    """Markup the templates insert as it is: only the shipped stylesheet and the SVG drawn by
    :mod:`cbc_cli.report.svg`, which escapes every text and attribute it writes."""
    return Markup(markup)  # noqa: S704 - see the docstring: never text from the input


# --- cbc check ---------------------------------------------------------------------------------


def check_page(
    results: Sequence[Result],
    scheme: SchemeInfo,
    records: Sequence[Record | None] = (),
) -> str:
    """The HTML page for ``cbc check``: one sample, or a summary table and a section per sample."""
    known = list(records) + [None] * (len(results) - len(records))
    samples = [
        _sample_view(i, r, scheme, rec)
        for i, (r, rec) in enumerate(zip(results, known, strict=True))
    ]
    # Each sample as drawn: the most urgent answer the person could need (a newborn's "now").
    worst: Urgency = max(
        (drawn_urgency(r) for r in results if r.urgency is not None),
        key=URGENCY_ORDER.index,
        default="none",
    )
    most = [(i, s) for i, s in enumerate(samples) if s["urgency"] == worst and not s["unread"]]
    which = [
        s["sample_id"] or (f"line {s['line']}" if s["line"] else f"sample {i + 1}") for i, s in most
    ]
    # The summary speaks to a parent only when every sample it names is a child's.
    child = bool(most) and all(s["child"] for _, s in most)
    return (
        environment()
        .get_template("check.html.j2")
        .render(
            which=which,
            samples=samples,
            scheme=scheme,
            many=len(samples) > 1,
            title="Blood count report",
            worst=worst,
            worst_title=urgency_title(worst, child=child),
            **_closing(bool(samples) and all(s["child"] for s in samples)),
        )
    )


def _closing(children: bool) -> dict[str, str]:
    """The page's information-only lines: a page of children's results only says "the care
    team" (the child's), not "your care team"."""
    if not children:
        return {}
    return {"disclaimer": CHILD_DISCLAIMER, "whose_team": "the care team"}


def _num(analyte_id: str, value: float | None) -> str:
    return "" if value is None else format_value(ANALYTES[analyte_id], value)


def range_text(analyte_id: str, low: float | None, high: float | None) -> str:
    """``12.0-16.0``, ``12.0 or more`` or ``up to 5.0``: a range in the analyte's decimals."""
    if low is not None and high is not None:
        return f"{_num(analyte_id, low)}–{_num(analyte_id, high)}"
    if low is not None:
        return f"{_num(analyte_id, low)} or more"
    if high is not None:
        return f"up to {_num(analyte_id, high)}"
    return ""


def _range_footnotes(analytes: list[AnalyteResult]) -> list[str]:
    """One note for all the values judged against every range that could apply."""
    envelope: dict[str, list[str]] = {}
    for a in analytes:
        why = envelope_reason(a.range_note)
        if why:
            envelope.setdefault(why, []).append(a.analyte)
    return [envelope_footnote(why, names) for why, names in envelope.items()]


def _row(index: int, a: AnalyteResult) -> dict[str, Any]:
    rng = a.reference_range
    flag = a.flag
    value = f"{a.comparator or ''}{_num(a.analyte, a.value)}"
    words = FLAG_WORDS.get(flag or "", "cannot flag")
    bar: Markup | None = None
    if rng is not None and (rng.low is not None or rng.high is not None):
        bar = _trusted(
            svg.range_bar(
                ident=f"s{index}-{a.analyte}",
                name=a.name,
                value=a.value,
                value_text=value,
                unit=unit_text(a.unit),
                flag=flag,
                flag_words=words,
                low=rng.low,
                high=rng.high,
                critical_low=rng.critical_low,
                critical_high=rng.critical_high,
            )
        )
    if rng is not None:
        shown = range_text(a.analyte, rng.low, rng.high)
    else:
        shown = no_range_words(flag, a.range_note)
    critical = []
    if rng is not None and rng.critical_low is not None:
        critical.append(f"below {_num(a.analyte, rng.critical_low)}")
    if rng is not None and rng.critical_high is not None:
        critical.append(f"above {_num(a.analyte, rng.critical_high)}")
    return {
        "name": a.name,
        "value": value,
        "derived": a.derived,
        "input": a.input,
        "unit": a.unit,
        "flag": flag or "?",
        "flag_words": words,
        "marker": _trusted(_marker_svg(flag)),
        "range": shown,
        "critical": ", ".join(critical),
        "bar": bar,
        # A deferred WBC points from its flag to its note, and a lab's flag that differs is
        # shown beside cbc's; the envelope note is said once for the sample
        # (``_range_footnotes``), not under each value.
        "flag_why": flag_asides(a.lab_flag, a.flag, a.range_note),
        "note": None if envelope_reason(a.range_note) else a.range_note,
        "lab_flag": a.lab_flag,
    }


def _grade_words(f: Finding, scheme: SchemeInfo) -> str:
    if f.scheme is None:
        return f.severity
    if f.grade is None:
        return "not graded"
    if f.grade == 0:
        return f"{scheme.title}: {f.severity}"
    return f"{scheme.title} grade {f.grade} ({f.severity})"


def _finding_view(f: Finding, scheme: SchemeInfo) -> dict[str, Any]:
    parts = []
    for name, label in FINDING_LABELS:
        words = getattr(f, name) or (f.explanation if name == "meaning" else "")
        if words:
            parts.append((label, words))
    return {
        "title": f.title + (f", {f.pattern}" if f.pattern else ""),
        "grade": _grade_words(f, scheme),
        "loud": (f.grade or 0) >= SEVERE_GRADE,
        "parts": parts,
        "grade_note": f.grade_note,
        "topics": f.topics,
    }


def _who(r: Result, record: Record | None) -> list[str]:
    p = r.patient
    who = [f"patient {record.patient_id}"] if record is not None and record.patient_id else []
    who += person_words(p, "°C")
    if record is not None and record.collected_at:
        who.append(f"collected {record.collected_at}")
    return who


def _sample_view(
    index: int, r: Result, scheme: SchemeInfo, record: Record | None
) -> dict[str, Any]:
    sources: dict[str, list[str]] = {}
    for a in r.analytes:
        if a.reference_range:
            sources.setdefault(a.reference_range.source, []).append(a.name)
    out = [a for a in r.analytes if a.flag not in ("N", "no-range", None)]
    # A child's result speaks to the parent (engine.care_message): its title does too.
    child = r.patient.child
    return {
        "anchor": f"sample-{index + 1}",
        "sample_id": r.sample_id,
        "line": r.line,
        "who": _who(r, record),
        "unread": r.status == "error",
        "error": r.error.message if r.error else None,
        "urgency": drawn_urgency(r),
        "child": child,
        "urgency_title": "Could not be read"
        if r.status == "error"
        else urgency_title(r.urgency or "none", child=child, newborn=r.newborn_urgency),
        "message": r.message,
        "safety": r.safety,
        "rows": [_row(index, a) for a in r.analytes],
        "range_footnotes": _range_footnotes(r.analytes),
        "out_of_range": [f"{a.name} {FLAG_WORDS.get(a.flag or '', '')}" for a in out],
        "findings": [_finding_view(f, scheme) for f in r.findings],
        "consistency": r.consistency,
        "notes": r.notes,
        "cell_errors": [
            (f"line {e.line}: " if e.line else "")
            + (f"{e.field}: " if e.field and not e.message.startswith(e.field) else "")
            + e.message
            for e in r.cell_errors
        ],
        "sources": list(sources.items()),
    }


def _marker_svg(flag: str | None, size: float = 14.0) -> str:
    """A marker on its own, for the table's flag column and the legend (decorative: the word
    beside it says the flag)."""
    drawing = svg.Svg(size, size, title="", desc="", label="")
    drawing.marker(size / 2, size / 2, flag, 4.6)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 {size + 4:g} {size + 4:g}" '
        f'class="glyph" aria-hidden="true" focusable="false">{"".join(drawing.parts)}</svg>'
    )


def _legend() -> list[tuple[Markup, str]]:
    return [(_trusted(_marker_svg(flag)), words) for flag, words in FLAG_WORDS.items()]


# --- cbc trend ---------------------------------------------------------------------------------


def trend_page(report: TrendReport) -> str:
    """The HTML page for ``cbc trend``: per person the message, a chart per count, the nadir and
    recovery table, milestones and the changes worth a call."""
    persons = [_person_view(i, p, report) for i, p in enumerate(report.persons)]
    return (
        environment()
        .get_template("trend.html.j2")
        .render(
            persons=persons,
            report=report,
            title="Blood counts over time",
            unplaced=[_unplaced(u) for u in report.unplaced],
            **_closing(bool(report.persons) and all(p["child"] for p in persons)),
        )
    )


def _unplaced(u: Any) -> str:
    where = f"line {u.line}" if u.line is not None else f"sample {u.sample_id or '?'}"
    return u.reason if str(u.reason).startswith(where) else f"{where}: {u.reason}"


def _label(analyte_id: str) -> str:
    return LABELS.get(analyte_id, analyte_id.upper())


def _day(day: int | None, transplant: bool) -> str:
    if day is None:
        return ""
    return f"day {'+' if transplant and day > 0 else ''}{day}"


def _when(collected_at: str, day: int | None, transplant: bool) -> str:
    when = collected_at.replace("T", " ")
    return f"{when} ({_day(day, transplant)})" if day is not None else when


def _x(point_at: datetime | date, origin: datetime) -> float:
    if not isinstance(point_at, datetime):
        point_at = datetime.combine(point_at, time())
    return (point_at - origin).total_seconds() / 86400


def _person_view(index: int, person: PersonTrend, report: TrendReport) -> dict[str, Any]:
    transplant = report.transplant is not None
    used = [d for d in person.draws if d.used]
    span = ""
    if used:
        first, last = used[0], used[-1]
        span = first.collected_at[:10] + (f" to {last.collected_at[:10]}" if len(used) > 1 else "")
        if first.day is not None and last.day is not None:
            span += f" ({_day(first.day, transplant)} to {_day(last.day, transplant)})"
    charts = []
    if len(used) >= 2:
        charts = [_chart(index, person, t, report) for t in person.analytes]
    child = speaks_to_parent(person.latest)
    milestones = [
        {
            "status": m.status,
            "words": STATUS_WORDS[m.status]
            + (
                " (if no platelet transfusion)"
                if m.status in ("reached", "lost") and m.transfusion_info == "not-given"
                else ""
            ),
            "title": m.title,
            "when": _when(m.collected_at, m.day, transplant) if m.collected_at else "",
            "lost": _when(m.lost_at.collected_at, m.lost_at.day, transplant) if m.lost_at else "",
            "note": m.note,
        }
        for m in person.milestones
        if m.status in ("reached", "lost", "cannot-tell", "pending")
    ]
    return {
        "anchor": f"person-{index + 1}",
        "patient_id": person.patient_id,
        "draw_count": plural(len(used), "draw"),
        "span": span,
        "urgency": person.urgency,
        "urgency_title": urgency_title(person.urgency, child=child),
        "child": child,
        "care_team": "your child's care team" if child else "the care team",
        "message": person.message,
        "safety": person.safety,
        "alerts": person.alerts,
        "states": [
            {"name": _label(s.analyte), "state": STATE_WORDS[s.state], "message": s.message}
            for s in person.states
        ],
        "charts": charts,
        "nadirs": [_nadir_row(t, person, transplant) for t in person.analytes],
        "milestones": milestones,
        "changes": person.changes,
        "fell": person.fell,
        "recovering": person.recovering,
        "rising": person.rising,
        "watch": person.watch,
        "timeline": person.timeline,
        "draws": _draw_rows(person, transplant),
        "columns": [f"{_label(t.analyte)} ({unit_text(t.unit)})" for t in person.analytes],
        # How the counts were judged without the age or sex: beside the care-team box.
        "judged": person.notes_first,
        "notes": person.notes_after,
        "unused": [f"Line {d.line}: not used: {d.note}" for d in person.draws if d.note],
        "errors": [e for d in person.draws for e in d.errors],
        "transfusion_info": person.transfusion_info,
        "transfusions": person.transfusions,
    }


def _nadir_row(t: AnalyteTrend, person: PersonTrend, transplant: bool) -> dict[str, Any]:
    state = next((s for s in person.states if s.analyte == t.analyte), None)
    recovery = next(
        (m for m in person.milestones if state is not None and m.code == state.milestone), None
    )
    below = []
    for b in t.below:
        if b.days or b.episodes:
            text = f"below {b.below:g}: {plural(b.days, 'day')}"
            if b.ongoing:
                text += ", still below at the last draw"
            if b.below_at_first_draw:
                text += " (already below at the first draw)"
        else:
            text = f"never below {b.below:g}"
        below.append(text)
    return {
        "name": f"{_label(t.analyte)} ({unit_text(t.unit)})",
        "lowest": _num(t.analyte, t.nadir.value) if t.nadir else "",
        "lowest_flag": FLAG_WORDS.get(t.nadir.flag or "", "") if t.nadir else "",
        "lowest_when": _when(t.nadir.collected_at, t.nadir.day, transplant) if t.nadir else "",
        "latest": _num(t.analyte, t.latest.value),
        "latest_flag": FLAG_WORDS.get(t.latest.flag or "", "cannot flag"),
        "below": below,
        "recovery": STATUS_WORDS[recovery.status] if recovery else "",
        "recovery_when": (
            _when(recovery.collected_at, recovery.day, transplant)
            if recovery and recovery.collected_at
            else ""
        ),
        "state": _state_words(state),
    }


def _state_words(state: CountState | None) -> str:
    """The count's state in the table: "not applicable (never below 20)" for a recovery
    milestone that does not apply, so that it never reads as an all-clear."""
    if state is None:
        return ""
    if state.state == "not-needed" and state.level is not None:
        return f"{STATE_WORDS[state.state]} (never below {state.level:g})"
    return STATE_WORDS[state.state]


def _draw_rows(person: PersonTrend, transplant: bool) -> list[dict[str, Any]]:
    values = {(t.analyte, p.collected_at): p for t in person.analytes for p in t.points}
    rows = []
    for d in person.draws:
        if not d.used:
            continue
        cells = []
        for t in person.analytes:
            found = values.get((t.analyte, d.collected_at))
            if found is None:
                cells.append(("", ""))
            else:
                value = f"{found.comparator or ''}{_num(t.analyte, found.value)}"
                flag = FLAG_WORDS.get(found.flag or "", "cannot flag")
                cells.append((value, "" if found.flag == "N" else flag))
        rows.append(
            {
                "when": d.collected_at.replace("T", " "),
                "day": _day(d.day, transplant),
                "sample": d.sample_id or "",
                "cells": cells,
                "transfusion": d.platelet_transfusion,
            }
        )
    return rows


def _chart(index: int, person: PersonTrend, t: AnalyteTrend, report: TrendReport) -> dict[str, Any]:
    transplant = report.transplant is not None
    origin = datetime.combine(report.since_date or t.points[0].taken.date(), time())
    with_days = t.points[0].day is not None

    def point(p: Point) -> svg.ChartPoint:
        return svg.ChartPoint(
            _x(p.taken, origin),
            p.value,
            p.flag,
            f"{_num(t.analyte, p.value)} ({_day(p.day, transplant) or p.collected_at[:10]})",
        )

    points = [point(p) for p in t.points]
    levels = [svg.Level(b.below, f"{_label(t.analyte)} {b.below:g}") for b in t.below]
    marks: list[svg.Mark] = []
    if t.analyte == "plt":
        for when in person.transfusion_dates:
            marks.append(svg.Mark(_x(when, origin), "T", "transfusion"))
    state = next((s for s in person.states if s.analyte == t.analyte), None)
    for m in person.milestones:
        if state is None or m.code != state.milestone:
            continue
        level = f"{m.at_least:g}" if m.at_least is not None else "in range"
        if m.status in ("reached", "lost") and m.draws and m.draws[0].when:
            marks.append(svg.Mark(_x(m.draws[0].when, origin), f"{level} reached", "milestone"))
        if m.status == "lost" and m.lost_at is not None and m.lost_at.when:
            marks.append(svg.Mark(_x(m.lost_at.when, origin), f"{level} lost", "milestone"))
    first_x, last_x = points[0].x, points[-1].x
    if with_days:
        ticks = [
            (x, f"{'+' if transplant and x > 0 else ''}{x:g}")
            for x in svg.day_ticks(first_x, last_x)
        ]
        caption = "day after " + (
            "the transplant" if transplant else "day 0 (" + str(report.since) + ")"
        )
    else:
        ticks = [(x, (origin + _days(x)).strftime("%m-%d")) for x in svg.day_ticks(first_x, last_x)]
        caption = "date (month-day)"
    log = ANALYTES[t.analyte].dimension == "count9"
    nadir = point(t.nadir) if t.nadir is not None else None
    desc_parts = [
        f"{plural(len(t.points), 'draw')} of {t.name} in {unit_text(t.unit)}, from "
        f"{points[0].label} to {points[-1].label}",
    ]
    if nadir is not None:
        desc_parts.append(f"lowest {nadir.label}")
    if t.range_low is not None or t.range_high is not None:
        desc_parts.append(f"reference range {range_text(t.analyte, t.range_low, t.range_high)}")
    if levels:
        desc_parts.append("key levels " + ", ".join(f"{lv.value:g}" for lv in levels))
    desc_parts.extend(m.label for m in marks if m.kind == "milestone")
    if any(m.kind == "transfusion" for m in marks):
        desc_parts.append("platelet transfusions on " + ", ".join(person.transfusions))
    drawing = svg.trend_chart(
        ident=f"p{index}-{t.analyte}",
        title=f"{_label(t.analyte)} over time",
        desc="; ".join(desc_parts) + ". The values are in the table of draws.",
        unit=unit_text(t.unit),
        points=points,
        log=log,
        band=(t.range_low, t.range_high),
        levels=levels,
        marks=marks,
        x_ticks=ticks,
        x_caption=caption,
        nadir=nadir,
    )
    return {
        "title": f"{_label(t.analyte)} ({unit_text(t.unit)})",
        "svg": _trusted(drawing),
        "log": log,
        "transfusions": t.analyte == "plt" and bool(person.transfusions),
    }


def _days(x: float) -> Any:
    from datetime import timedelta

    return timedelta(days=x)
