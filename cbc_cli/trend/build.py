"""``build_trend``: records in, one :class:`TrendReport` out, each person's series placed in time
(``series``), analysed (``analysis``) and put in words (``words``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from cbc_cli.age import Age
from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.errors import UsageError
from cbc_cli.explanations import safety_line
from cbc_cli.grading import Scheme, scheme_info
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.records import Record
from cbc_cli.trend import analysis, series, words
from cbc_cli.trend.model import (
    Alert,
    AnalyteTrend,
    Change,
    CountState,
    DrawInfo,
    Milestone,
    PersonTrend,
    TransfusionInfo,
    TrendOptions,
    TrendReport,
    Unplaced,
)
from cbc_cli.trend.rules import TrendRules, load_trend_rules
from cbc_cli.trend.series import Draw
from cbc_cli.wording import cap, envelope_reason, speaks_to_parent

# The columns cbc trend reads beyond those the readers read (``series.TRANSFUSION_COLUMNS``), and
# what each is read as: give them to the reader (``read_input(..., also_reads=TREND_READS)``) so
# that its notes say the column is read, not ignored.
TREND_READS: Mapping[str, str] = MappingProxyType(
    dict.fromkeys(series.TRANSFUSION_COLUMNS, "platelet transfusions (yes or no)")
)


def build_trend(
    records: Iterable[Record],
    ranges: RangeTable,
    scheme: Scheme,
    options: TrendOptions | None = None,
    *,
    rules: TrendRules | None = None,
    header: Sequence[str] = (),
    input_notes: Sequence[str] = (),
) -> TrendReport:
    """Follow each person's counts over time.

    Args:
        records: the draws as the readers give them (any order; unreadable ones included).
        ranges: the loaded reference ranges.
        scheme: the grading scheme used for each draw.
        options: day 0, graft source, transfusion dates, analytes, the person-id column.
        rules: the trend rules (default: the shipped file).
        header: the tabular header, to read the person-id and transfusion columns from the rows.
        input_notes: the reader's notes (``Input.notes``); read after the records are consumed,
            as readers add to them while reading. Read with ``also_reads=TREND_READS``, they
            say that the platelet transfusion column is read, not ignored.

    Returns:
        The report; a draw that cannot be read or placed is in ``unplaced`` with its line.

    Raises:
        UsageError: ``transplant`` without ``since``, an unknown analyte, a ``patient_column``
            that is not in the header.

    Example:
        >>> from datetime import date
        >>> from cbc_cli.api import default_ranges, resolve_scheme
        >>> from cbc_cli.readers import read_input
        >>> from cbc_cli.readers.source import open_source
        >>> data = read_input(open_source("tests/fixtures/trend/chemo_cycle.csv"),
        ...                   also_reads=TREND_READS)
        >>> report = build_trend(data.records, default_ranges(), resolve_scheme("ctcae5"),
        ...                      TrendOptions(since=date(2026, 3, 2)), header=data.header,
        ...                      input_notes=data.notes)
        >>> [(m.code, m.day) for m in report.persons[0].milestones if m.status == "reached"][:1]
        [('neutrophil-recovery', 17)]
    """
    opts = options or TrendOptions()
    rules = rules or load_trend_rules()
    if opts.transplant is not None and opts.since is None:
        raise UsageError(
            "{transplant} needs {since} (the day of the transplant, day 0)",
            code="option.conflict",
            field="since",
            hint="e.g. {transplant} pb {since} 2026-03-02",
        )
    analytes: list[str] = []
    for name in opts.analytes:
        found = find_analyte(name)
        if found is None:
            raise UsageError(f"unknown analyte {name!r}", hint="known: " + ", ".join(ANALYTES))
        analytes.append(found.id)
    analytes = list(dict.fromkeys(analytes))

    person_index, transfusion_index = series.find_columns(header, opts.patient_column)

    unplaced: list[Unplaced] = []
    draws: list[Draw] = []
    notes: list[str] = []
    for order, record in enumerate(records):
        draw = series.place(
            record, order, ranges, scheme, opts, person_index, transfusion_index, unplaced
        )
        if draw is not None:
            draws.append(draw)

    by_person = series.by_person(draws, person_index, unplaced)
    if opts.patient_column is not None and not header and list(by_person) == [None] and draws:
        raise UsageError(
            f"{{patient}} {opts.patient_column!r}: no draw has this field",
            code="option.invalid",
            field="patient",
            hint="name the field that holds the person id",
        )
    if len(by_person) > 1 and opts.transfusions:
        notes.append("the transfusion dates given are applied to every person in the input")
    if not draws and not unplaced:
        notes.append("the input holds no draws")
    notes.extend(series.date_order_notes(draws, unplaced))

    persons = [_person(pid, draws, analytes, opts, rules) for pid, draws in by_person.items()]
    unplaced.sort(key=lambda u: (u.line is None, u.line or 0))
    notes.extend(input_notes)
    return TrendReport(
        grading=scheme_info(scheme),
        rules=rules.origin,
        since=opts.since.isoformat() if opts.since else None,
        transplant=opts.transplant,
        persons=persons,
        unplaced=unplaced,
        notes=notes,
        since_date=opts.since,
    )


def _person(
    patient_id: str | None,
    placed: list[Draw],
    analytes: list[str],
    opts: TrendOptions,
    rules: TrendRules,
) -> PersonTrend:
    since = opts.since
    draws, notes = series.arrange(placed, rules.long_gap_days)
    used = [d for d in draws if d.used]
    transfusions = sorted(set(opts.transfusions) | {d.when.date() for d in draws if d.transfused})
    # Told means told: an empty platelet_transfusion cell, or no column, says nothing.
    transfusion_info: TransfusionInfo = (
        "given" if opts.transfusions or any(d.transfusion_told for d in draws) else "not-given"
    )

    trends: list[AnalyteTrend] = []
    milestones: list[Milestone] = []
    changes: list[Change] = []
    for analyte_id in analytes:
        pairs = [(d, a) for d in used for a in d.result.analytes if a.analyte == analyte_id]
        if not pairs:
            notes.append(f"No {ANALYTES[analyte_id].name} values in these draws.")
            continue
        units = series.units_given(analyte_id, [d for d, _ in pairs])
        if len(units) > 1:
            notes.append(
                f"{cap(ANALYTES[analyte_id].name)} was given in different units across "
                f"draws ({', '.join(units)}); every value was converted to "
                f"{ANALYTES[analyte_id].unit} before it was compared or charted."
            )
        trend = analysis.analyte_trend(analyte_id, pairs, since, rules)
        trends.append(trend)
        if len(pairs) >= 2:
            milestones.extend(
                analysis.walk_milestone(
                    m, pairs, transfusions, transfusion_info, since, opts.transplant
                )
                for m in rules.milestones
                if m.analyte == analyte_id
            )
            for c in rules.changes:
                if c.analyte == analyte_id:
                    changes.extend(
                        analysis.find_changes(c, pairs, since, rules.long_gap_days, opts.transplant)
                    )

    # Read before the message (they change whose ranges it rests on); kept in notes too.
    first = [*_options_not_used(used, opts), *_unknown_person_notes(used, analytes)]
    notes.extend(first)
    alerts: list[Alert] = []
    if opts.transplant is not None and since is not None and len(used) >= 2:
        alert = analysis.engraftment_alert(opts.transplant, since, used, milestones, rules)
        if alert is not None:
            alerts.append(alert)
    alerts.extend(analysis.lost_alerts(milestones, rules, opts.transplant))

    latest = used[-1].result if used else None
    # A child's series (the age at its latest draw under 18) speaks to the parent.
    child = speaks_to_parent(latest)
    last_day = series.day_number(used[-1].when, since) if used else None
    states = [
        analysis.count_state(t, m, rules, opts.transplant, last_day, transfusions)
        for t in trends
        if (m := analysis.recovery_milestone(t.analyte, milestones, rules)) is not None
    ]
    urgency, message = analysis.care_team_message(
        latest, used[-1] if used else None, changes, alerts, since, child=child
    )
    # The latest draw's line on when to seek care at once (engine.care_message: worded for a
    # fever given, naming 38.0 C when neutrophils are low), as cbc check shows it; the seeds' own
    # line when only the series raised the urgency.
    safety = latest.safety if latest is not None else None
    if safety is None and urgency != "none" and latest is not None:
        safety = safety_line()
    if child:
        changes, alerts, milestones, states = _for_parent(changes, alerts, milestones, states)
        safety = words.for_parent(safety) if safety else safety
    timeline = words.timeline_words(last_day, opts.transplant, rules)
    return PersonTrend(
        patient_id=patient_id,
        draws=[
            DrawInfo(
                collected_at=series.iso_text(d.when, d.has_time),
                day=series.day_number(d.when, since),
                sample_id=d.record.sample_id,
                line=d.record.line,
                used=d.used,
                note=d.note,
                platelet_transfusion=d.transfused,
                urgency=d.result.urgency,
                findings=[f.code for f in d.result.findings],
                errors=d.errors,
            )
            for d in draws
        ],
        transfusions=[t.isoformat() for t in transfusions],
        transfusion_dates=transfusions,
        transfusion_info=transfusion_info,
        analytes=trends,
        milestones=milestones,
        states=states,
        changes=changes,
        alerts=alerts,
        timeline=words.for_parent(timeline) if child and timeline else timeline,
        fell=[s for t in trends if (s := words.fell_words(t, opts.transplant)) is not None],
        recovering=[s.message for s in states if s.state in ("recovered", "recovering")],
        rising=[s.message for s in states if s.state == "rising"],
        watch=words.watch_words(latest, milestones, states, analytes),
        urgency=urgency,
        message=message,
        safety=safety,
        notes=notes,
        notes_first=first,
        latest=latest,
    )


def _options_not_used(used: list[Draw], opts: TrendOptions) -> list[str]:
    """Said once when ``--age``, ``--dob`` or ``--sex`` did not apply: a file's own age,
    date-of-birth or sex column wins, the options filling only the rows that leave it empty
    (batch.merge_patient, as ``cbc check`` reads a file), so an option never silently gives way."""
    if not used:
        return []
    notes: list[str] = []
    context = opts.context
    latest = used[-1].result.patient
    if opts.dob is not None:
        # A draw whose result carries --dob as its birth date used it (even one dated only to
        # a month, which gets no age from it); another whose age differs was given its own.
        dob = opts.dob.isoformat()
        if any(
            d.result.patient.birth_date != dob
            and d.result.patient.age != str(Age.from_dates(opts.dob, d.when.date()))
            for d in used
        ):
            notes.append(
                f"the date of birth given ({opts.dob.isoformat()}) was not used: the file's age or "
                "date-of-birth "
                f"column gives the age at each draw ({latest.age} at the latest)"
            )
    elif (
        context is not None
        and context.age is not None
        and any(d.result.patient.age != str(context.age) for d in used)
    ):
        notes.append(
            f"the age given ({context.age}) was not used: the file's age or date-of-birth column "
            f"gives the age at each draw ({latest.age} at the latest)"
        )
    if (
        context is not None
        and context.sex is not None
        and any(d.result.patient.sex != context.sex for d in used)
    ):
        notes.append(
            f"the sex given ({context.sex}) was not used: the file's sex column gives it at each "
            f"draw ({latest.sex} at the latest)"
        )
    return notes


def _unknown_person_notes(used: list[Draw], analytes: list[str]) -> list[str]:
    """What ``cbc check`` says once on its page, said for the series: the counts judged against
    every range that could apply, as the age or sex was not given (README, How results are
    judged), with how to give them. A child's own ranges then apply, never an adult's."""
    judged: dict[str, list[str]] = {}
    for draw in used:
        for a in draw.result.analytes:
            why = envelope_reason(a.range_note) if a.analyte in analytes else None
            if why is not None and a.analyte not in judged.setdefault(why, []):
                judged[why].append(a.analyte)
    return [words.judged_note(why, names) for why, names in judged.items()]


def _for_parent(
    changes: list[Change],
    alerts: list[Alert],
    milestones: list[Milestone],
    states: list[CountState],
) -> tuple[list[Change], list[Alert], list[Milestone], list[CountState]]:
    """A child's changes, alerts, milestone notes and count states, worded for the parent
    (words.for_parent); what the sentences built from them say follows."""
    return (
        [replace(c, message=words.for_parent(c.message)) for c in changes],
        [replace(a, message=words.for_parent(a.message)) for a in alerts],
        [replace(m, note=words.for_parent(m.note)) for m in milestones],
        [replace(s, message=words.for_parent(s.message)) for s in states],
    )
