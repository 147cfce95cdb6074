"""The CSV view of ``cbc trend`` (``--format csv``): its columns and one row per person, draw and
analyte (a writer of the pure core's :class:`~cbc_cli.trend.TrendReport`)."""

from __future__ import annotations

from collections.abc import Iterator

from cbc_cli.trend.model import TrendReport
from cbc_cli.trend.words import value_text

TREND_CSV_COLUMNS = (
    "patient_id",
    "sample_id",
    "line",
    "collected_at",
    "day",
    "analyte",
    "value",
    "unit",
    "flag",
    "grade",
    "nadir",
    "milestones",
    "changes",
    "alerts",
    "lost",
    "state",
    "transfusion_info",
    "status",
    "note",
)
"""The columns of ``cbc trend --format csv``: one row per draw and analyte."""


def trend_rows(report: TrendReport) -> Iterator[list[str]]:
    """The CSV rows (without the header): one per person, draw and analyte, then unplaced draws.

    ``milestones`` names the milestones dated on that draw (reached there, lost later or not),
    ``changes`` the changes that end at it, ``alerts`` the person's alerts (on the latest draw),
    ``lost`` the milestones lost at that draw (the first draw back below the level), ``state`` the
    count's state (recovered, recovering, rising, not-yet, lost, not-needed, cannot-tell; on the
    latest draw of the count), ``transfusion_info`` whether platelet transfusion dates were given
    (given or not-given, on the rows of counts with a milestone that excludes transfused draws);
    ``status`` is ok, not-used or error.
    """

    def text(value: object) -> str:
        return "" if value is None else str(value)

    for person in report.persons:
        reached: dict[tuple[str, str], list[str]] = {}
        lost: dict[tuple[str, str], list[str]] = {}
        for m in person.milestones:
            if m.status in ("reached", "lost") and m.collected_at is not None:
                reached.setdefault((m.analyte, m.collected_at), []).append(m.code)
            if m.status == "lost" and m.lost_at is not None:
                lost.setdefault((m.analyte, m.lost_at.collected_at), []).append(m.code)
        states = {s.analyte: s.state for s in person.states}
        needs_transfusions = {
            m.analyte for m in person.milestones if m.transfusion_info is not None
        }
        ended: dict[tuple[str, str], list[str]] = {}
        for c in person.changes:
            ended.setdefault((c.analyte, c.after.collected_at), []).append(c.code)
        latest = max((d.collected_at for d in person.draws if d.used), default=None)
        alerts = ";".join(a.code for a in person.alerts)
        points = {(t.analyte, p.collected_at): (t, p) for t in person.analytes for p in t.points}
        for draw in person.draws:
            if not draw.used:
                yield [
                    text(person.patient_id), text(draw.sample_id), text(draw.line),
                    draw.collected_at, text(draw.day), "", "", "", "", "", "", "", "", "",
                    "", "", "", "not-used", text(draw.note),
                ]  # fmt: skip
                continue
            for t in person.analytes:
                found = points.get((t.analyte, draw.collected_at))
                if found is None:
                    continue
                _, p = found
                key = (t.analyte, draw.collected_at)
                last = p is t.latest
                yield [
                    text(person.patient_id),
                    text(draw.sample_id),
                    text(draw.line),
                    draw.collected_at,
                    text(draw.day),
                    t.analyte,
                    value_text(t.analyte, p.value),
                    t.unit,
                    text(p.flag),
                    text(p.grade),
                    "yes" if p is t.nadir else "",
                    ";".join(reached.get(key, [])),
                    ";".join(ended.get(key, [])),
                    alerts if draw.collected_at == latest else "",
                    ";".join(lost.get(key, [])),
                    states.get(t.analyte, "") if last else "",
                    person.transfusion_info if t.analyte in needs_transfusions else "",
                    "ok",
                    "; ".join(draw.errors),
                ]
    for u in report.unplaced:
        yield [
            text(u.patient_id),
            text(u.sample_id),
            text(u.line),
            text(u.collected_at),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "error",
            u.reason,
        ]
