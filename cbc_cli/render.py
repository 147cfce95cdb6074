"""Terminal rendering with Rich: every function returns a renderable; the CLI prints it.

Colour only repeats what the words already say, so the output reads the same with NO_COLOR.
User-supplied text is escaped before it reaches Rich markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cbc_cli.analytes import ANALYTES
from cbc_cli.engine import SEVERE_GRADE
from cbc_cli.explanations import (
    CHILD_DISCLAIMER,
    DISCLAIMER,
    EXPLANATIONS,
    SAFETY_LINE,
    TOPICS,
    Explanation,
    Topic,
)
from cbc_cli.models import AnalyteResult, Finding, Result, SchemeInfo
from cbc_cli.ranges import RangeTable, ReferenceRange
from cbc_cli.units import format_value
from cbc_cli.wording import (
    FINDING_LABELS,
    FLAG_WORDS,
    cap,
    count_name,
    counts_listed,
    drawn_urgency,
    envelope_footnote,
    envelope_reason,
    flag_asides,
    no_range_words,
    person_words,
    plural,
    urgency_title,
)

if TYPE_CHECKING:
    from cbc_cli.batch import BatchSummary

FLAG_STYLE = {
    "N": "green",
    "L": "yellow",
    "H": "yellow",
    "LL": "bold red",
    "HH": "bold red",
    "no-range": "dim",
}
URGENCY_STYLE = {"none": "green", "routine": "cyan", "soon": "yellow", "now": "bold red"}


def _num(analyte_id: str, value: float | None) -> str:
    return "" if value is None else format_value(ANALYTES[analyte_id], value)


def range_text(analyte_id: str, low: float | None, high: float | None) -> str:
    """``12.0-16.0``, ``>= 11.0`` or ``<= 5.0`` for a one-sided range."""
    if low is not None and high is not None:
        return f"{_num(analyte_id, low)}-{_num(analyte_id, high)}"
    if low is not None:
        return f">= {_num(analyte_id, low)}"
    if high is not None:
        return f"<= {_num(analyte_id, high)}"
    return ""


def _value_text(a: AnalyteResult) -> str:
    cmp = a.comparator or ""
    return f"{cmp}{_num(a.analyte, a.value)}" + (" (derived)" if a.derived else "")


def analyte_table(result: Result) -> Table:
    """One row per value: name, value, unit, range, flag."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    table.add_column("Count")
    table.add_column("Value", justify="right")
    table.add_column("Unit")
    table.add_column("Range", justify="right")
    table.add_column("Flag")
    for a in result.analytes:
        rng = a.reference_range
        flag = a.flag or "?"
        style = FLAG_STYLE.get(flag, "")
        table.add_row(
            escape(a.name),
            Text(_value_text(a), style=style if flag not in ("N", "no-range") else ""),
            a.unit,
            range_text(a.analyte, rng.low, rng.high) if rng else _no_single_range(a),
            Text(_flag_text(a), style=style),
        )
    return table


def _flag_text(a: AnalyteResult) -> str:
    """The flag cell: the code and its words; a critically low WBC that defers to the ANC says
    why in the cell itself (the code stays LL), and a lab's flag that differs is shown beside
    cbc's (flag_asides)."""
    flag = a.flag or "?"
    words = "no range" if flag == "no-range" else f"{flag} {FLAG_WORDS.get(flag, 'cannot flag')}"
    why = flag_asides(a.lab_flag, a.flag, a.range_note)
    return f"{words} {why}" if why else words


def _range_notes(result: Result) -> list[str]:
    """The values' range notes for the page: the envelope notes said once, the rest (the
    deferred WBC's among them) one per value."""
    notes: list[str] = []
    envelope: dict[str, list[str]] = {}
    for a in result.analytes:
        if not a.range_note:
            continue
        why = envelope_reason(a.range_note)
        if why:
            envelope.setdefault(why, []).append(a.analyte)
        else:
            notes.append(f"{cap(count_name(a.analyte))}: {a.range_note}")
    return [envelope_footnote(w, names) for w, names in envelope.items()] + notes


def _grade_words(grade: int | None, severity: str, scheme: SchemeInfo) -> str:
    if grade is None:
        return "not graded"
    if grade == 0:
        return f"{scheme.title}: {severity}"
    return f"{scheme.title} grade {grade} ({severity})"


def more_line(topics: Iterable[str], *, child: bool = False) -> str:
    """Where to read more: ``cbc explain TOPIC, ...``, with ``--child`` on a child's page so that
    the topic speaks to the parent as the result does."""
    return f"cbc explain {', '.join(topics)}" + (" --child" if child else "")


def _labelled(f: Finding, *, child: bool = False) -> list[RenderableType]:
    """One line per labelled part of a finding, then where to read more."""
    lines: list[RenderableType] = []
    for name, label in FINDING_LABELS:
        words = getattr(f, name) or (f.explanation if name == "meaning" else "")
        if words:
            # Text, never markup: the words are plain, and a [bracket] stays as typed.
            lines.append(Text.assemble((f"{label}: ", "bold"), words))
    if f.topics:
        lines.append(Text(f"More: {more_line(f.topics, child=child)}", style="dim"))
    return lines


def findings_view(result: Result, scheme: SchemeInfo) -> RenderableType:
    """The findings, each with its grade, explanation, what to do and any grading note."""
    parts: list[RenderableType] = []
    child = result.patient.child
    for f in result.findings:
        head = Text()
        head.append("• ", style="bold")
        head.append(f.title, style="bold")
        if f.pattern:
            head.append(f", {f.pattern}")
        graded = f.scheme is not None
        loud = (f.grade or 0) >= SEVERE_GRADE or f.severity in ("critical", "emergency")
        head.append(
            f" - {_grade_words(f.grade, f.severity, scheme) if graded else f.severity}",
            style="bold yellow" if loud else "",
        )
        body: list[RenderableType] = _labelled(f, child=child)
        if f.grade_note:
            body.append(Text(f.grade_note, style="dim italic"))
        parts.extend([head, Padding(Group(*body), (0, 0, 1, 2))])
    return Group(*parts)


def sources_view(result: Result, scheme: SchemeInfo) -> RenderableType:
    """Where the applied ranges and the grading scheme come from."""
    seen: dict[str, list[str]] = {}
    for a in result.analytes:
        if a.reference_range:
            seen.setdefault(a.reference_range.source, []).append(a.analyte)
    text = Text(style="dim", overflow="fold")
    for source, analytes in seen.items():
        text.append(f"Range for {counts_listed(analytes)[0]}: {source}\n")
    text.append(f"Grading: {scheme.title}. {scheme.source}")
    return text


def result_view(result: Result, scheme: SchemeInfo, *, disclaimer: bool = True) -> RenderableType:
    """The full terminal page for one sample."""
    parts: list[RenderableType] = []
    patient = result.patient
    who_parts = [f"sample {result.sample_id}"] if result.sample_id else []
    who_parts += person_words(patient)
    who = ", ".join(who_parts)
    parts.append(
        Text(f"Complete blood count - {who}" if who else "Complete blood count", style="bold")
    )
    if result.status == "error" and result.error:
        parts.append(Text(f"Could not be read: {result.error.message}", style="red"))
    if result.analytes:
        parts.append(analyte_table(result))
    # Values that do not fit together come before anything read from them.
    for check in result.consistency:
        parts.append(Text(f"Check these values: {check}", style="bold yellow"))
    notes = _range_notes(result)
    urgency = result.urgency or "none"
    unread = result.status == "error"
    said = Text(result.message)
    if result.safety:
        said.append("\n")
        said.append(result.safety, style="bold")
    parts.append(
        Panel(
            said,
            title=Text(
                "Could not be read"
                if unread
                else urgency_title(urgency, child=patient.child, newborn=result.newborn_urgency)
            ),
            title_align="left",
            border_style="red" if unread else URGENCY_STYLE[drawn_urgency(result)],
            box=box.HEAVY if drawn_urgency(result) == "now" else box.ROUNDED,
        )
    )
    if result.findings:
        parts.append(Text("Findings", style="bold underline"))
        parts.append(findings_view(result, scheme))
    for note in [*notes, *result.notes]:
        parts.append(Text(f"Note: {note}", style="dim"))
    parts.append(sources_view(result, scheme))
    if disclaimer:
        closing = CHILD_DISCLAIMER if patient.child else DISCLAIMER
        parts.append(Text(closing, style="dim italic"))
    return Group(*parts)


def explanation_view(page: Explanation, *, child: bool = False) -> RenderableType:
    """The ``cbc explain FINDING`` page; ``child``: worded for a child's parent (the page's
    texts from ``explanations.child_explanation``)."""
    return Group(
        Text(page.title, style="bold"),
        Text(""),
        Text.assemble(("What it measures: ", "bold"), page.measures),
        Text.assemble(("What it can mean: ", "bold"), page.meaning),
        Text.assemble(("What you might notice: ", "bold"), page.notice),
        Text.assemble(("What to do: ", "bold"), page.action),
        *(
            [Text(f"More: {more_line(page.topics, child=child)}", style="dim")]
            if page.topics
            else []
        ),
        Text(""),
        Text(SAFETY_LINE, style="bold"),
        Text(CHILD_DISCLAIMER if child else DISCLAIMER, style="dim italic"),
    )


def topic_view(page: Topic, *, child: bool = False) -> RenderableType:
    """The ``cbc explain TOPIC`` page: the title, then one short paragraph per point;
    ``child``: the page is a child's (``explanations.child_topic``)."""
    points = Table.grid(padding=(0, 1, 0, 0))
    points.add_column(no_wrap=True)
    points.add_column()
    for point in page.points:
        points.add_row("•", Text(point))
    parts: list[RenderableType] = [Text(page.title, style="bold"), Text(""), points]
    raised = [code for code, e in EXPLANATIONS.items() if page.code in e.topics]
    if raised:
        parts.append(Text(""))
        parts.append(Text(f"Shown with: {', '.join(raised)}", style="dim"))
    parts.extend([Text(""), Text(CHILD_DISCLAIMER if child else DISCLAIMER, style="dim italic")])
    return Group(*parts)


def explanation_list() -> RenderableType:
    """The finding codes and the patient topics, each with its title."""
    findings = Table(box=box.SIMPLE_HEAD, show_edge=False)
    findings.add_column("Finding")
    findings.add_column("Title")
    for code, page in EXPLANATIONS.items():
        findings.add_row(code, page.title)
    topics = Table(box=box.SIMPLE_HEAD, show_edge=False)
    topics.add_column("Topic")
    topics.add_column("Title")
    for code, item in TOPICS.items():
        topics.add_row(code, item.title)
    return Group(
        findings,
        topics,
        Text("cbc explain NAME shows a finding or a topic in full.", style="dim"),
    )


def ranges_view(rows: Iterable[ReferenceRange], title: str) -> RenderableType:
    """A table of range rows (``cbc ranges list`` and ``show``)."""
    table = Table(title=Text(title), box=box.SIMPLE_HEAD, show_edge=False, title_justify="left")
    table.add_column("Analyte", no_wrap=True)
    table.add_column("For")
    table.add_column("Range", no_wrap=True)
    table.add_column("Critical", no_wrap=True)
    table.add_column("Unit", no_wrap=True)
    table.add_column("From", overflow="fold")
    for r in rows:
        table.add_row(
            r.analyte,
            Text(r.describe()),  # text from range files: plain Text, never markup
            range_text(r.analyte, r.low, r.high),
            range_text(r.analyte, r.critical_low, r.critical_high),
            Text(r.unit),
            Text(r.origin),
        )
    return table


def range_sources_view(table: RangeTable) -> RenderableType:
    """Where each loaded row comes from, for ``cbc ranges show``."""
    text = Text()
    for source in sorted({r.source for r in table.rows}):
        text.append(f"- {source}\n")
    return text


def batch_summary_view(summary: BatchSummary, scheme: SchemeInfo) -> RenderableType:
    """Counts per finding and grade, urgency, and the first rows that failed."""
    table = Table(
        title=f"{summary.samples:,} samples, graded by {scheme.title}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        title_justify="left",
    )
    table.add_column("Finding")
    table.add_column("Grade", justify="right")
    table.add_column("Samples", justify="right")
    for (code, grade), n in sorted(summary.findings.items()):
        table.add_row(code, grade, f"{n:,}")
    urgency = ", ".join(
        f"{u} {summary.urgency[u]:,}"
        for u in ("now", "soon", "routine", "none")
        if summary.urgency[u]
    )
    parts: list[RenderableType] = [table, Text(f"Urgency: {urgency}")]
    if summary.error_count:
        problems = plural(summary.error_count, "problem")
        parts.append(Text(f"{problems} reading the input", style="red"))
        for line, sample, message in summary.errors:
            where = f"line {line}" if line else f"sample {sample or '?'}"
            parts.append(Text(f"  {where}: {message}", style="red"))
    parts.append(Text(DISCLAIMER, style="dim italic"))
    return Group(*parts)


def _no_single_range(a: AnalyteResult) -> Text:
    """The range cell when no single range was chosen: judged against every range that could
    apply (engine.interpret says so in the note), or none fits this person (and what would let
    one fit)."""
    return Text(no_range_words(a.flag, a.range_note), "dim")
