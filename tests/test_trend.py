"""cbc trend: counts over time.

The analysis is tested through the library (cbc_cli.trend) on series written for these tests
(tests/fixtures/trend/); the command through cbc_cli.cli.main for streams, formats and exit codes.
Clinical rules under test (docs/clinical.md section 5, reference_ranges/trend/trend_rules.toml):
neutrophil recovery is the first of 3 successive draws on different days with ANC >= 0.5 after the
nadir; platelet recovery the same with platelets >= 20 and no platelet transfusion in the 7 days
before (a draw 7 days after a transfusion counts); primary graft failure is looked for when there
is no neutrophil recovery by day +30 (peripheral blood, marrow) or +42 (cord blood).
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli as run
from rich.console import Console  # noqa: TID251 - views are tested on a fixed-width console

from cbc_cli.api import default_ranges, resolve_scheme
from cbc_cli.batch import interpret_record
from cbc_cli.cli.app import exit_code
from cbc_cli.errors import RangeFileError, UsageError
from cbc_cli.parse import parse_moment
from cbc_cli.readers import read_input
from cbc_cli.readers.source import Source, open_source
from cbc_cli.render_trend import TrendChart, sparkline, trend_view
from cbc_cli.trend import (
    TREND_READS,
    Milestone,
    PersonTrend,
    TrendOptions,
    TrendReport,
    build_trend,
    load_trend_rules,
    parse_trend_rules,
    rules_path,
    trend_data,
)
from cbc_cli.writers.trend_csv import TREND_CSV_COLUMNS, trend_rows

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "trend"
HEADER = "patient_id,sample_id,collected_at,sex,age,anc,plt,hgb\n"


def build(source: Source, **options: object) -> TrendReport:
    try:
        data = read_input(source, also_reads=TREND_READS)
        return build_trend(
            data.records,
            default_ranges(),
            resolve_scheme("ctcae5"),
            TrendOptions(**options),  # type: ignore[arg-type]
            header=data.header,
            input_notes=data.notes,
        )
    finally:
        source.close()


def report_for(name: str, **options: object) -> TrendReport:
    return build(open_source(str(FIXTURES / name)), **options)


def text_source(text: str) -> Source:
    return Source(io.BufferedReader(io.BytesIO(text.encode())), "<test>")


def report_from_text(text: str, **options: object) -> TrendReport:
    return build(text_source(text), **options)


def only(report: TrendReport) -> PersonTrend:
    assert len(report.persons) == 1
    return report.persons[0]


def milestone(person: PersonTrend, code: str) -> Milestone:
    return next(m for m in person.milestones if m.code == code)


def series(rows: Sequence[tuple[str, float, float, float]]) -> str:
    """CSV text for one person: (date, anc, plt, hgb) per draw."""
    lines = [f"P,S{i},{d},F,50,{anc},{plt},{hgb}" for i, (d, anc, plt, hgb) in enumerate(rows)]
    return HEADER + "\n".join(lines) + "\n"


# --- the rules file ---------------------------------------------------------------------------


def test_shipped_rules_load_with_a_source_for_every_number() -> None:
    rules = load_trend_rules()
    assert rules.origin == "trend_rules.toml"
    assert {(b.analyte, b.below) for b in rules.below} == {
        ("anc", 0.5),
        ("anc", 1.0),
        ("plt", 20),
        ("plt", 50),
        ("hgb", 8.0),
    }
    recovery = next(m for m in rules.milestones if m.code == "neutrophil-recovery")
    assert (recovery.at_least, recovery.draws, recovery.transfusion_free_days) == (0.5, 3, None)
    platelets = next(m for m in rules.milestones if m.code == "platelet-recovery")
    assert (platelets.at_least, platelets.draws, platelets.transfusion_free_days) == (20, 3, 7)
    assert rules.graft_days == {"pb": 30, "marrow": 30, "cord": 42}
    sources = [r.source for r in rules.below] + [r.source for r in rules.milestones]
    assert all(len(source) > 10 for source in sources)
    for change in rules.changes:
        assert "project choice, documented in README" in change.source


def test_rules_file_documents_its_syntax() -> None:
    text = rules_path().read_text(encoding="utf-8")
    assert text.startswith("# Rules for `cbc trend`")
    for word in ("Syntax", "unit", "source", "[[milestone]]", "[[change]]", "[engraftment]"):
        assert word in text


def _raw() -> dict[str, Any]:
    return tomllib.loads(rules_path().read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["below"][0].update(analyte="sodium"), "below #1: unknown analyte"),
        (lambda r: r["below"][1].update(unit="mg/dL"), "below #2: unknown unit"),
        (lambda r: r["change"][0].update(fall_to_fraction=0.5), "change #1: give exactly one"),
        (lambda r: r["change"][2].pop("to_below"), "change #3: from_at_least and to_below"),
        (lambda r: r["milestone"][1].update(code="neutrophil-recovery"), "used twice"),
        (lambda r: r["milestone"][0].update(draws="3"), "milestone #1"),
        (lambda r: r["milestone"][0].update(source=""), "source is empty"),
        (lambda r: r["engraftment"].update(milestone="nope"), "engraftment: milestone 'nope'"),
        (lambda r: r.update(extra=1), "extra"),
        (lambda r: r["milestone"][0].update(lost_urgency="later"), "milestone #1"),
        (lambda r: r["chemotherapy"].update(review_to_day=30), "chemotherapy: the days"),
        (lambda r: r.pop("chemotherapy"), "chemotherapy"),
    ],
)
def test_invalid_rules_are_refused_naming_the_rule(
    edit: Callable[[dict[str, Any]], object], message: str
) -> None:
    raw = copy.deepcopy(_raw())
    edit(raw)
    with pytest.raises(RangeFileError) as exc:
        parse_trend_rules(raw, "my_rules.toml")
    assert "my_rules.toml" in str(exc.value)
    assert message.lower() in str(exc.value).lower()
    assert exit_code(exc.value) == 4


# --- a typical chemotherapy cycle ---------------------------------------------------------------


def test_chemotherapy_cycle_nadir_days_below_and_recovery() -> None:
    person = only(report_for("chemo_cycle.csv", since=date(2026, 3, 2)))
    anc, plt, hgb = person.analytes
    assert (anc.analyte, plt.analyte, hgb.analyte) == ("anc", "plt", "hgb")
    assert anc.nadir is not None
    assert (anc.nadir.value, anc.nadir.collected_at, anc.nadir.day) == (0.08, "2026-03-15", 13)
    # Below 0.5 from day 9 (0.4) to day 17 (0.7), below 1.0 from day 9 to day 19 (1.3).
    assert [(b.below, b.days, b.episodes, b.ongoing) for b in anc.below] == [
        (0.5, 8, 1, False),
        (1.0, 10, 1, False),
    ]
    assert [(b.below, b.days) for b in plt.below] == [(20, 0), (50, 8)]
    reached = {m.code: (m.collected_at, m.day) for m in person.milestones if m.status == "reached"}
    assert reached == {
        "neutrophil-recovery": ("2026-03-19", 17),
        "anc-1.0": ("2026-03-21", 19),
        "anc-1.5": ("2026-03-23", 21),
        "platelets-50": ("2026-03-21", 19),
        "platelets-100": ("2026-03-26", 24),
        "hemoglobin-in-range": ("2026-04-02", 31),
    }
    recovery = milestone(person, "neutrophil-recovery")
    assert [d.day for d in recovery.draws] == [17, 19, 21]
    assert milestone(person, "platelet-recovery").status == "not-needed"
    assert person.urgency == "none"
    assert person.timeline is not None
    assert person.timeline.startswith("Day 31 after chemotherapy")
    assert any(
        s.startswith("ANC fell to 0.08") and "below 0.5 for 8 days" in s for s in person.fell
    )
    # Neutrophil recovery (3 successive draws at or above 0.5, ASTCT) is reached and holds at
    # day 31: the count is recovered, not merely rising.
    assert any(s.startswith("ANC: recovered") for s in person.recovering)
    assert [(s.analyte, s.state) for s in person.states] == [
        ("anc", "recovered"),
        ("plt", "not-needed"),
        ("hgb", "recovered"),
    ]


def test_changes_between_draws_name_both_draws() -> None:
    person = only(report_for("chemo_cycle.csv", since=date(2026, 3, 2)))
    assert [(c.code, c.before.line, c.after.line) for c in person.changes] == [
        ("anc-fall-below-0.5", 4, 5),
        ("platelets-halved", 4, 5),
    ]
    change = person.changes[0]
    assert (change.value_before, change.value_after, change.days_between) == (1.1, 0.4, 2)
    assert "sample C1-D07, line 4" in change.message
    assert "sample C1-D09, line 5" in change.message
    assert change.urgency == "soon"
    # An old change does not set today's urgency: the latest draw is within range.
    assert person.urgency == "none"


def test_each_point_carries_the_engine_flag_and_grade() -> None:
    source = open_source(str(FIXTURES / "chemo_cycle.csv"))
    data = read_input(source)
    records = list(data.records)
    source.close()
    report = build_trend(records, default_ranges(), resolve_scheme("ctcae5"), header=data.header)
    anc = only(report).analytes[0]
    for record, point in zip(records, anc.points, strict=True):
        result = interpret_record(record, default_ranges(), resolve_scheme("ctcae5"))
        a = next(a for a in result.analytes if a.analyte == "anc")
        assert (point.value, point.flag) == (a.value, a.flag)
        assert point.grade == result.grades["neutropenia"]
    assert [p.grade for p in anc.points][:6] == [0, 0, 2, 4, 4, 4]


def test_json_input_gives_the_same_series_as_csv() -> None:
    from_csv = only(report_for("chemo_cycle.csv", since=date(2026, 3, 2)))
    from_json = only(report_for("chemo_cycle.json", since=date(2026, 3, 2)))
    assert [(m.code, m.status, m.day) for m in from_json.milestones] == [
        (m.code, m.status, m.day) for m in from_csv.milestones
    ]
    assert [p.value for p in from_json.analytes[2].points] == pytest.approx(
        [p.value for p in from_csv.analytes[2].points]
    )


# --- transplant: engraftment and transfusions ---------------------------------------------------


def test_transplant_engraftment_on_a_known_day() -> None:
    report = report_for("transplant_pb.csv", since=date(2026, 5, 1), transplant="pb")
    person = only(report)
    recovery = milestone(person, "neutrophil-recovery")
    assert (recovery.status, recovery.day, recovery.collected_at) == (
        "reached",
        12,
        "2026-05-13T06:30",
    )
    assert person.alerts == []
    assert person.transfusions == ["2026-05-06", "2026-05-10"]
    assert [d.day for d in person.draws if d.platelet_transfusion] == [5, 9]
    assert person.timeline is not None
    assert "day +30" in person.timeline


def test_a_transfusion_does_not_count_towards_platelet_recovery() -> None:
    # Days +10, +11, +12 are at or above 20 but within 7 days of the transfusion on day +9;
    # day +16 is the first draw 7 days after it.
    person = only(report_for("transplant_pb.csv", since=date(2026, 5, 1), transplant="pb"))
    assert milestone(person, "platelet-recovery").day == 16
    ignored = only(
        report_for("transplant_pb_no_column.csv", since=date(2026, 5, 1), transplant="pb")
    )
    assert milestone(ignored, "platelet-recovery").day == 10
    given = only(
        report_for(
            "transplant_pb_no_column.csv",
            since=date(2026, 5, 1),
            transplant="pb",
            transfusions=(date(2026, 5, 6), date(2026, 5, 10)),
        )
    )
    assert milestone(given, "platelet-recovery").day == 16


def test_seven_days_after_a_transfusion_counts_and_six_do_not() -> None:
    rows = [
        ("2026-06-01", 1, 8, 9),
        ("2026-06-07", 1, 30, 9),
        ("2026-06-08", 1, 31, 9),
        ("2026-06-09", 1, 32, 9),
        ("2026-06-10", 1, 33, 9),
    ]
    person = only(report_from_text(series(rows), transfusions=(date(2026, 6, 1),)))
    recovery = milestone(person, "platelet-recovery")
    assert recovery.collected_at == "2026-06-08"
    # Held back by the transfusion only: no run of three yet.
    short = only(report_from_text(series(rows[:4]), transfusions=(date(2026, 6, 1),)))
    assert milestone(short, "platelet-recovery").status == "pending"
    assert "2 of 3" in milestone(short, "platelet-recovery").note
    held = only(report_from_text(series(rows[:3]), transfusions=(date(2026, 6, 6),)))
    assert "within 7 days of a platelet transfusion" in milestone(held, "platelet-recovery").note


def test_no_neutrophil_recovery_by_day_42_after_cord_blood_is_flagged() -> None:
    person = only(report_for("graft_failure.csv", since=date(2026, 1, 10), transplant="cord"))
    assert milestone(person, "neutrophil-recovery").status == "pending"
    assert [(a.code, a.urgency) for a in person.alerts] == [
        ("primary-graft-failure-warning", "soon")
    ]
    assert "day +42" in person.alerts[0].message
    assert "graft failure" in person.alerts[0].message
    assert "you have" not in person.alerts[0].message.lower()


def test_graft_failure_mark_depends_on_the_graft_source() -> None:
    text = (FIXTURES / "graft_failure.csv").read_text(encoding="utf-8")
    until_day_38 = "".join(text.splitlines(keepends=True)[:13])
    pb = only(report_from_text(until_day_38, since=date(2026, 1, 10), transplant="pb"))
    assert [a.code for a in pb.alerts] == ["primary-graft-failure-warning"]
    assert "day +30" in pb.alerts[0].title
    cord = only(report_from_text(until_day_38, since=date(2026, 1, 10), transplant="cord"))
    assert [(a.code, a.urgency) for a in cord.alerts] == [("neutrophil-recovery-awaited", "none")]


def test_late_neutrophil_recovery_is_said_as_such() -> None:
    rows = [(f"2026-02-{d:02d}", anc, 30, 9) for d, anc in [(1, 2.0), (5, 0.1), (9, 0.0)]]
    rows += [(f"2026-03-{d:02d}", anc, 30, 9) for d, anc in [(8, 0.6), (9, 0.8), (10, 1.0)]]
    person = only(report_from_text(series(rows), since=date(2026, 2, 1), transplant="marrow"))
    assert milestone(person, "neutrophil-recovery").day == 35
    assert [a.code for a in person.alerts] == ["late-neutrophil-recovery"]


def test_transplant_needs_day_zero() -> None:
    # The library names its keyword (the CLI shows --since).
    with pytest.raises(UsageError, match="transplant needs since") as caught:
        report_for("transplant_pb.csv", transplant="pb")
    assert (caught.value.code, caught.value.field) == ("option.conflict", "since")


# --- counting rules ----------------------------------------------------------------------------


def test_days_below_run_from_first_draw_below_to_first_draw_at_or_above() -> None:
    rows = [
        ("2026-01-01", 1.0, 100, 12),
        ("2026-01-03", 0.4, 100, 12),
        ("2026-01-06", 0.3, 100, 12),
        ("2026-01-07", 0.5, 100, 12),
        ("2026-01-09", 0.2, 100, 12),
        ("2026-01-12", 0.1, 100, 12),
    ]
    anc = only(report_from_text(series(rows))).analytes[0]
    below = anc.below[0]
    # Jan 3 to Jan 7 (0.5 is not below 0.5), then Jan 9 to the last draw, still below.
    assert (below.days, below.episodes, below.ongoing, below.below_at_first_draw) == (
        7,
        2,
        True,
        False,
    )
    assert below.first_below is not None
    assert below.first_below.collected_at == "2026-01-03"


def test_milestone_needs_successive_draws_on_different_days_after_the_nadir() -> None:
    text = HEADER + (
        "P,a,2026-01-01T08:00,F,50,2.0,100,12\n"  # before the nadir: does not count
        "P,b,2026-01-02T08:00,F,50,0.1,100,12\n"
        "P,c,2026-01-04T08:00,F,50,0.6,100,12\n"
        "P,d,2026-01-05T08:00,F,50,0.7,100,12\n"
        "P,e,2026-01-05T20:00,F,50,0.4,100,12\n"  # a second draw that day, below: day fails
        "P,f,2026-01-06T08:00,F,50,0.8,100,12\n"
        "P,g,2026-01-07T08:00,F,50,0.9,100,12\n"
        "P,h,2026-01-08T08:00,F,50,1.1,100,12\n"
    )
    recovery = milestone(only(report_from_text(text)), "neutrophil-recovery")
    assert recovery.collected_at == "2026-01-06T08:00"
    assert recovery.day is None


def test_change_limits_at_their_boundaries() -> None:
    rows = [
        ("2026-01-01", 1.0, 100, 12.0),
        ("2026-01-02", 0.49, 50, 10.0),  # ANC 1.0 -> <0.5, plt halved, hgb -2.0: all three
        ("2026-01-03", 0.99, 26, 8.1),  # plt 50 -> 26 is not half; hgb -1.9
        ("2026-01-04", 0.4, 13, 8.1),  # ANC from 0.99 is not from 1.0 or more; plt halved
    ]
    person = only(report_from_text(series(rows)))
    assert sorted((c.code, c.after.collected_at) for c in person.changes) == [
        ("anc-fall-below-0.5", "2026-01-02"),
        ("hemoglobin-fall", "2026-01-02"),
        ("platelets-halved", "2026-01-02"),
        ("platelets-halved", "2026-01-04"),
    ]
    # The last change ends at the latest draw: it sets the care-team message.
    assert person.urgency in ("soon", "now")
    assert any(c.after.collected_at == "2026-01-04" for c in person.changes)


def test_a_change_at_the_latest_draw_raises_the_urgency() -> None:
    rows = [("2026-01-01", 3.0, 400, 13.0), ("2026-01-03", 2.9, 190, 12.9)]
    person = only(report_from_text(series(rows)))
    assert person.latest is not None
    assert person.latest.urgency == "none"
    assert person.urgency == "soon"
    assert person.message.startswith("Between the last two draws: platelets halved")


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("2026-03-02", datetime(2026, 3, 2), False),
        ("2026-03-02T08:15", datetime(2026, 3, 2, 8, 15), True),
        ("2026-03-02 08:15:30", datetime(2026, 3, 2, 8, 15, 30), True),
        ("2026-03-02T23:30:00-05:00", datetime(2026, 3, 2, 23, 30), True),
        ("2026-03-02T08:00Z", datetime(2026, 3, 2, 8, 0), True),
        ("20260302", datetime(2026, 3, 2), False),
        ("202603020815", datetime(2026, 3, 2, 8, 15), True),
        ("20260302081530+0100", datetime(2026, 3, 2, 8, 15, 30), True),
    ],
)
def test_collection_dates_iso_and_hl7(text: str, expected: datetime, has_time: bool) -> None:
    moment = parse_moment(text, "collected_at")
    assert (moment.when.replace(tzinfo=None), moment.has_time) == (expected, has_time)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("02/03/2026", "YYYY-MM-DD"),
        ("yesterday", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
        ("2026-02-30", "names no real day or time"),
    ],
)
def test_unreadable_collection_dates_are_refused(text: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        parse_moment(text, "collected_at")


# --- bad input: each handled and said ----------------------------------------------------------


def test_draws_out_of_order_are_sorted_and_said() -> None:
    person = only(report_for("out_of_order.csv"))
    assert [d.sample_id for d in person.draws] == ["S-01", "S-02", "S-03", "S-04", "S-05"]
    assert any("not in time order" in n and "line 3" in n for n in person.notes)


def test_duplicate_draws_use_the_later_row_and_list_both() -> None:
    person = only(report_for("duplicates.csv"))
    same_time = [d for d in person.draws if d.collected_at == "2026-03-08T08:00"]
    assert [(d.line, d.used) for d in same_time] == [(4, False), (5, False), (6, True)]
    assert same_time[0].note == "same collection time as line 6, which is used"
    assert same_time[1].note == "same collection time and values as line 6: counted once"
    assert any("later row" in n and "lines 4, 5, 6" in n for n in person.notes)
    plt = person.analytes[1]
    assert 15 not in [p.value for p in plt.points]
    # Another draw the same day at another time is a draw of its own.
    assert any(d.collected_at == "2026-03-08T19:30" and d.used for d in person.draws)


def test_mixed_units_are_converted_and_said() -> None:
    person = only(report_for("mixed_units_long.csv"))
    anc, plt, hgb = person.analytes
    assert [p.value for p in hgb.points] == pytest.approx([11.8, 10.9, 8.7])
    assert [p.value for p in plt.points] == pytest.approx([210, 150, 96])
    assert [p.value for p in anc.points] == pytest.approx([3.2, 1.9, 0.9])
    notes = " ".join(person.notes)
    assert "Hemoglobin was given in different units across draws (g/L, g/dL)" in notes
    assert "Platelets was given in different units" in notes
    assert "converted to g/dL" in notes


def test_draws_without_a_usable_date_are_reported_with_their_line() -> None:
    report = report_for("missing_dates.csv")
    assert [(u.line, u.sample_id) for u in report.unplaced] == [
        (3, "M-2"),
        (5, "M-4"),
        (6, None),
    ]
    reasons = [u.reason for u in report.unplaced]
    assert reasons[0] == "no collection date: this draw cannot be placed in time"
    assert "collected_at is written as a date but names no real day" in reasons[1]
    assert "10 fields" in reasons[2]
    assert report.failed
    assert len(only(report).draws) == 3


def test_a_single_draw_is_shown_and_said_to_be_too_few() -> None:
    person = only(report_for("single_draw.csv"))
    assert len(person.draws) == 1
    assert person.milestones == []
    assert person.changes == []
    assert all(t.nadir is None and t.below == [] for t in person.analytes)
    assert any("a trend needs at least two" in n for n in person.notes)
    assert person.urgency == "soon"


def test_a_gap_of_months_is_said() -> None:
    person = only(report_for("gap.csv"))
    assert any(
        n.startswith("No draws for 134 days between 2025-09-08 and 2026-01-20")
        for n in person.notes
    )


def test_people_are_followed_apart_and_a_draw_without_an_id_is_not_guessed() -> None:
    report = report_for("two_people.csv")
    assert [(p.patient_id, len(p.draws)) for p in report.persons] == [("A-1", 3), ("B-2", 2)]
    assert [(u.line, u.sample_id) for u in report.unplaced] == [(6, "X1")]
    assert "no patient id" in report.unplaced[0].reason
    assert report.failed


def test_patient_column_must_exist() -> None:
    with pytest.raises(UsageError, match="no such column"):
        report_for("two_people.csv", patient_column="person")


def test_an_empty_series_is_not_an_error() -> None:
    report = build_trend([], default_ranges(), resolve_scheme("ctcae5"))
    assert report.persons == []
    assert not report.failed
    assert report.notes == ["the input holds no draws"]


# --- views ---------------------------------------------------------------------------------------


def test_csv_rows_carry_milestones_changes_and_unplaced_draws() -> None:
    report = report_for("chemo_cycle.csv", since=date(2026, 3, 2))
    rows = list(trend_rows(report))
    assert all(len(r) == len(TREND_CSV_COLUMNS) for r in rows)
    col = {name: i for i, name in enumerate(TREND_CSV_COLUMNS)}
    by_key = {(r[col["collected_at"]], r[col["analyte"]]): r for r in rows}
    assert by_key[("2026-03-19", "anc")][col["milestones"]] == "neutrophil-recovery"
    assert by_key[("2026-03-11", "anc")][col["changes"]] == "anc-fall-below-0.5"
    assert by_key[("2026-03-11", "plt")][col["changes"]] == "platelets-halved"
    assert by_key[("2026-03-15", "anc")][col["nadir"]] == "yes"
    assert by_key[("2026-03-15", "anc")][col["grade"]] == "4"
    unplaced = [
        r for r in trend_rows(report_for("missing_dates.csv")) if r[col["status"]] == "error"
    ]
    assert [r[col["line"]] for r in unplaced] == ["3", "5", "6"]


def test_sparkline_keeps_the_lowest_point_when_it_shortens() -> None:
    values = [5.0] * 30
    values[13] = 0.1
    assert sparkline(values, length=10).count("▁") == 1
    assert len(sparkline(values, length=10)) == 10
    assert sparkline([1, 2, 3], ascii_only=True) == "_=#"


def _render(report: TrendReport, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, no_color=True, highlight=False)
    console.print(trend_view(report))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


@pytest.mark.parametrize("width", [40, 100])
def test_table_view_fits_the_width_and_reads_without_colour(width: int) -> None:
    report = report_for("transplant_pb.csv", since=date(2026, 5, 1), transplant="pb")
    out = _render(report, width)
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= width
    flat = " ".join(out.split())
    for words in (
        "Counts over time - patient T-7",
        "ANC (10^9/L), log scale",
        "Milestones",
        "reached: Neutrophil recovery",
        "What fell",
        "What to watch for",
        "information only",
    ):
        assert words in flat, words
    # The box's title is cut at the box's edge on a narrow terminal; its message says it too.
    assert "next planned visit or call" in flat
    if width >= 60:
        assert "Tell your care team at your next visit or call" in flat
    # Glyphs, not colours, tell the draws, the range band and the key levels apart.
    for glyph in ("●", "░", "╌", "+12"):
        assert glyph in out
    assert "T platelet transfusion" in flat


def test_chart_marks_key_levels_and_the_reference_band() -> None:
    person = only(report_for("chemo_cycle.csv", since=date(2026, 3, 2)))
    console = Console(file=io.StringIO(), width=60, no_color=True)
    console.print(TrendChart(person.analytes[0]))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    level_rows = [line for line in lines if "╌╌╌" in line]
    assert [row.split("┤")[0].strip() for row in level_rows] == ["1", "0.5"]
    assert any(line.strip().startswith("1.8┤░") for line in lines)
    axis = next(i for i, line in enumerate(lines) if "└" in line)
    assert lines[axis + 1].split()[:3] == ["day", "0", "4"]


def test_chart_without_day_zero_shows_dates_and_ascii_on_a_plain_console() -> None:
    person = only(report_for("chemo_cycle.csv"))
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")  # any non-ASCII character would raise
    Console(file=out, width=50, no_color=True).print(TrendChart(person.analytes[1]))
    out.flush()
    text = raw.getvalue().decode("ascii")
    assert "o" in text
    assert ":::" in text
    assert "03-02" in text
    assert "(day)" not in text


# --- the command ---------------------------------------------------------------------------------


def test_cli_json_equals_the_library_report(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "transplant_pb.csv")
    code, out, err = run(
        capsys, "trend", path, "--since", "2026-05-01", "--transplant", "pb", "--format", "json"
    )
    assert (code, err) == (0, "")
    library = report_for("transplant_pb.csv", since=date(2026, 5, 1), transplant="pb")
    assert json.loads(out) == json.loads(json.dumps(trend_data(library)))


@pytest.mark.parametrize("width", ["40", "100"])
def test_cli_table_reads_without_colour_at_any_width(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    code, out, err = run(
        capsys, "trend", str(FIXTURES / "chemo_cycle.csv"), "--since", "2026-03-02"
    )
    assert (code, err) == (0, "")
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= int(width)
    assert "reached: Neutrophil recovery" in " ".join(out.split())


def test_cli_csv_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "trend.csv"
    code, out, _ = run(
        capsys, "trend", str(FIXTURES / "duplicates.csv"), "-f", "csv", "-o", str(target)
    )
    assert (code, out) == (0, "")
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(TREND_CSV_COLUMNS)
    assert sum(",not-used," in line for line in lines) == 2


def test_cli_exit_3_when_a_draw_cannot_be_placed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "trend", str(FIXTURES / "missing_dates.csv"), "-f", "json")
    assert code == 3
    assert [u["line"] for u in json.loads(out)["unplaced"]] == [3, 5, 6]
    assert "could not be read or placed (lines 3, 5, 6)" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--transplant", "pb"], "--transplant needs --since"),
        (["--since", "02/03/2026"], "--since '02/03/2026' is a date whose day and month"),
        (["--transfusion", "soon"], "--transfusion 'soon' is not a date"),
        (["--transplant", "liver", "--since", "2026-01-01"], "liver"),
        (["--patient", "person"], "no such column"),
        (["--analyte", "sodium"], "unknown analyte"),
        (["--age", "50", "--dob", "1976-01-01"], "either --age or --dob"),
    ],
)
def test_cli_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "trend", str(FIXTURES / "chemo_cycle.csv"), *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_cli_no_file_and_no_pipe_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    code, _, err = run(capsys, "trend")
    assert code == 2
    assert "give a FILE" in err


def test_cli_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (FIXTURES / "gap.csv").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsys, "trend", "-", "-f", "json")
    assert code == 0
    assert json.loads(out)["persons"][0]["patient_id"] == "P-007"


@pytest.mark.parametrize(
    ("name", "fail_on", "code"),
    [
        ("chemo_cycle.csv", "abnormal", 0),
        ("graft_failure.csv", "abnormal", 1),
        ("graft_failure.csv", "critical", 1),
        ("gap.csv", "critical", 0),
        ("gap.csv", "never", 0),
    ],
)
def test_cli_fail_on(
    capsys: pytest.CaptureFixture[str], name: str, fail_on: str, code: int
) -> None:
    got, _, _ = run(capsys, "trend", str(FIXTURES / name), "--fail-on", fail_on, "-f", "json")
    assert got == code


def test_dob_gives_the_age_at_each_draw() -> None:
    lines = (FIXTURES / "chemo_cycle.csv").read_text(encoding="utf-8").splitlines()
    without_sex_and_age = "\n".join(",".join(x.split(",")[:3] + x.split(",")[5:]) for x in lines)
    person = only(report_from_text(without_sex_and_age, dob=date(1972, 3, 10)))
    assert person.latest is not None
    assert person.latest.patient.age == "54 y"
    first = only(report_from_text(without_sex_and_age, dob=date(1972, 3, 3)))
    assert first.latest is not None
    assert first.latest.patient.age == "54 y"
    # Without sex the hemoglobin range differs by sex, so "back in range" cannot be told.
    assert milestone(person, "hemoglobin-in-range").status == "cannot-tell"


def test_cli_patient_option_names_the_id_field_of_json_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    draws = [
        {"person": who, "collected_at": day, "anc": anc, "plt": 100, "hgb": 12}
        for who, day, anc in [
            ("A", "2026-01-01", 2.0),
            ("B", "2026-01-01", 1.0),
            ("A", "2026-01-03", 0.4),
        ]
    ]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(draws).encode())))
    code, out, _ = run(capsys, "trend", "-", "--patient", "person", "-f", "json")
    assert code == 0
    persons = json.loads(out)["persons"]
    assert [(p["patient_id"], len(p["draws"])) for p in persons] == [("A", 2), ("B", 1)]


def test_trend_core_loads_no_ui_library_and_no_pydantic_for_valid_rules() -> None:
    probe = (
        "import sys, cbc_cli.cli, cbc_cli.trend\n"
        "cbc_cli.trend.load_trend_rules()\n"
        "print(' '.join(m for m in sys.modules if m.startswith(('rich', 'cbc_cli.render'))"
        " or m == 'pydantic.main'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == []


def test_cli_json_validates_against_the_trend_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from pydantic import TypeAdapter

    from cbc_cli.trend import TrendReport

    code, schema, _ = run(capsys, "schema", "--trend")
    assert code == 0
    assert "PersonTrend" in json.loads(schema)["$defs"]
    path = str(FIXTURES / "transplant_pb.csv")
    _, out, _ = run(
        capsys, "trend", path, "--since", "2026-05-01", "--transplant", "pb", "--format", "json"
    )
    TypeAdapter(TrendReport).validate_json(out)
    code, _, err = run(capsys, "schema", "--trend", "--ranges")
    assert code == 2
    assert "give one of them" in err


# --- telling the truth: recovered, recovering, rising, not yet, lost -----------------------------
#
# Sources of every expectation below (docs/clinical.md sections 1 and 5):
# - ASTCT consensus (Kharfan-Dabaja et al., Bone Marrow Transplant 2024, table 1): neutrophil
#   recovery is the first of 3 successive days with ANC >= 0.5 after the post-transplant nadir;
#   platelet recovery the first of 3 with platelets >= 20 without a platelet transfusion in the 7
#   days before; primary graft failure is no ANC >= 0.5 by day +30 (peripheral blood, marrow) or
#   +42 (cord blood); a decline after recovery is what secondary graft failure looks like.
# - After chemotherapy counts are usually lowest about 7-14 days in and recover over 3-4 weeks;
#   they start to rise within about 30 days; marrow cellularity is usually normal by 40-60 days.


def state(person: PersonTrend, analyte: str) -> str:
    return next(s.state for s in person.states if s.analyte == analyte)


def test_transplant_anc_below_0_5_past_day_30_is_not_recovering() -> None:
    # A peripheral blood graft, ANC rising slowly from its nadir but still 0.3 on day +35: no ANC
    # >= 0.5 by day +30 is the ASTCT primary graft failure mark, so this is not "recovering".
    rows = [
        ("2026-05-01", 1.0, 90, 10.0),
        ("2026-05-05", 0.05, 30, 9.0),
        ("2026-05-12", 0.1, 25, 9.0),
        ("2026-05-20", 0.2, 25, 9.0),
        ("2026-05-28", 0.25, 25, 9.0),
        ("2026-06-05", 0.3, 25, 9.0),  # day +35
    ]
    person = only(report_from_text(series(rows), since=date(2026, 5, 1), transplant="pb"))
    assert state(person, "anc") == "not-yet"
    assert not any(s.startswith("ANC") for s in person.recovering + person.rising)
    words = next(s.message for s in person.states if s.analyte == "anc")
    assert "day +35" in words
    assert "day +30" in words
    assert "graft failure" in words
    assert words in person.watch
    assert [a.code for a in person.alerts] == ["primary-graft-failure-warning"]
    out = " ".join(
        _render(
            report_from_text(series(rows), since=date(2026, 5, 1), transplant="pb"), 100
        ).split()
    )
    recovering = out.split("What is recovering")[1] if "What is recovering" in out else ""
    assert "ANC" not in recovering.split("What to watch for")[0]
    # The same draws up to day +19 are before the mark: a count above its nadir, still below
    # 0.5, is "rising", never "recovered" nor listed as recovering.
    early = only(report_from_text(series(rows[:4]), since=date(2026, 5, 1), transplant="pb"))
    assert state(early, "anc") == "rising"
    assert any(s.startswith("ANC: rising") and "still below 0.5" in s for s in early.rising)
    assert not any(s.startswith("ANC") for s in early.recovering)


def test_rising_recovering_recovered_follow_the_astct_count() -> None:
    # ANC 0.6 once after the nadir: at the level but short of 3 successive draws -> recovering;
    # on the third draw -> recovered (neutrophil recovery dated on the first of the three).
    base = [("2026-05-01", 1.0, 90, 10.0), ("2026-05-06", 0.05, 30, 9.0)]
    ups = [("2026-05-12", 0.6, 30, 9.0), ("2026-05-13", 0.7, 30, 9.0), ("2026-05-14", 0.9, 30, 9.0)]
    one = only(report_from_text(series(base + ups[:1]), since=date(2026, 5, 1), transplant="pb"))
    assert state(one, "anc") == "recovering"
    assert milestone(one, "neutrophil-recovery").status == "pending"
    three = only(report_from_text(series(base + ups), since=date(2026, 5, 1), transplant="pb"))
    assert state(three, "anc") == "recovered"
    assert milestone(three, "neutrophil-recovery").day == 11
    # Above its nadir but falling at the latest draw, still below 0.5: not rising, not yet.
    falling = [*base, ("2026-05-09", 0.4, 30, 9.0), ("2026-05-10", 0.2, 30, 9.0)]
    down = only(report_from_text(series(falling), since=date(2026, 5, 1), transplant="pb"))
    assert state(down, "anc") == "not-yet"


def test_draws_before_the_transplant_do_not_count_towards_recovery() -> None:
    # ASTCT counts neutrophil recovery after the post-transplant nadir: three draws >= 0.5 before
    # day 0 are not a recovery, and the fall after them is not a loss.
    rows = [
        ("2026-04-26", 0.3, 90, 10.0),
        ("2026-04-28", 0.6, 90, 10.0),
        ("2026-04-29", 0.7, 90, 10.0),
        ("2026-04-30", 0.8, 90, 10.0),
        ("2026-05-04", 0.05, 90, 10.0),
        ("2026-05-11", 0.6, 90, 10.0),
        ("2026-05-12", 0.7, 90, 10.0),
        ("2026-05-13", 0.9, 90, 10.0),
    ]
    person = only(report_from_text(series(rows), since=date(2026, 5, 1), transplant="pb"))
    recovery = milestone(person, "neutrophil-recovery")
    assert (recovery.status, recovery.day, recovery.lost_at) == ("reached", 10, None)


PLATELETS_8_TO_42 = [
    ("2026-06-01", 1.0, 8, 9.0),
    ("2026-06-05", 1.0, 42, 9.0),
    ("2026-06-06", 1.0, 44, 9.0),
    ("2026-06-07", 1.0, 45, 9.0),
]


def test_platelet_recovery_without_transfusion_dates_never_says_no_transfusion() -> None:
    # 8 -> 42 with no --transfusion and no platelet_transfusion column: three draws >= 20 meet the
    # count, but ASTCT also needs no platelet transfusion in the 7 days before, which cbc was not
    # told about; it says so instead of asserting that there was none.
    report = report_from_text(series(PLATELETS_8_TO_42))
    person = only(report)
    recovery = milestone(person, "platelet-recovery")
    assert (recovery.status, recovery.collected_at) == ("reached", "2026-06-05")
    assert recovery.transfusion_info == "not-given"
    assert person.transfusion_info == "not-given"
    assert "were not given to cbc" in recovery.note
    assert "platelet transfusion in the 7 days before" in recovery.note
    assert milestone(person, "neutrophil-recovery").transfusion_info is None
    words = next(s.message for s in person.states if s.analyte == "plt")
    assert "if no platelet transfusion was given" in words
    out = " ".join(_render(report, 100).split())
    assert "reached (if no platelet transfusion): Platelet recovery" in out
    for text in (out, json.dumps(trend_data(report))):
        assert "no platelet transfusion in the 7 days before" not in text
    col = {name: i for i, name in enumerate(TREND_CSV_COLUMNS)}
    plt_rows = [r for r in trend_rows(report) if r[col["analyte"]] == "plt"]
    assert {r[col["transfusion_info"]] for r in plt_rows} == {"not-given"}


def test_a_transfusion_three_days_before_the_jump_undoes_platelet_recovery() -> None:
    # Given a platelet transfusion on 06-02, three days before the 42: the draws of 06-05 to
    # 06-07 are within 7 days of it, so by ASTCT they do not count; the first that may count is
    # 06-09 (7 days after), and three draws from then reach platelet recovery.
    given = only(report_from_text(series(PLATELETS_8_TO_42), transfusions=(date(2026, 6, 2),)))
    recovery = milestone(given, "platelet-recovery")
    assert (recovery.status, recovery.transfusion_info) == ("pending", "given")
    assert "within 7 days of a platelet transfusion" in recovery.note
    # A count raised by a transfusion is not the marrow recovering: "not yet", and said why.
    assert state(given, "plt") == "not-yet"
    assert "within 7 days of a platelet transfusion on 2026-06-02" in next(
        s.message for s in given.states if s.analyte == "plt"
    )
    # Without the date, 42 on one draw is "recovering", with the transfusion caveat.
    one = only(report_from_text(series(PLATELETS_8_TO_42[:2])))
    assert state(one, "plt") == "recovering"
    assert "not told of platelet transfusions" in next(
        s.message for s in one.states if s.analyte == "plt"
    )
    later = PLATELETS_8_TO_42 + [(f"2026-06-{d:02d}", 1.0, 40, 9.0) for d in (9, 10, 11)]
    person = only(report_from_text(series(later), transfusions=(date(2026, 6, 2),)))
    assert milestone(person, "platelet-recovery").collected_at == "2026-06-09"
    assert "not given" not in milestone(person, "platelet-recovery").note
    # A platelet_transfusion column with a yes or no is information given too.
    text = HEADER.replace("\n", ",platelet_transfusion\n") + "".join(
        f"P,S{i},{d},F,50,{anc},{plt},{hgb},no\n"
        for i, (d, anc, plt, hgb) in enumerate(PLATELETS_8_TO_42)
    )
    told = only(report_from_text(text))
    assert told.transfusion_info == "given"
    assert milestone(told, "platelet-recovery").transfusion_info == "given"


PLATELETS_REACHED_THEN_LOST = [
    ("2026-06-01", 1.0, 15, 9.0),
    ("2026-06-03", 1.0, 22, 9.0),
    ("2026-06-04", 1.0, 25, 9.0),
    ("2026-06-05", 1.0, 28, 9.0),
    ("2026-06-06", 1.0, 30, 9.0),
    ("2026-06-07", 1.0, 26, 9.0),
    ("2026-06-10", 1.0, 12, 9.0),
]


def test_platelets_reached_then_lost_are_shown_as_both_with_an_alert() -> None:
    # Five successive draws >= 20 after a low of 15: platelet recovery is reached on the first of
    # them (06-03, transfusions given as none); the fall to 12 loses it. Shown as both, with an
    # alert, never as "not yet".
    text = HEADER.replace("\n", ",platelet_transfusion\n") + "".join(
        f"P,S{i},{d},F,50,{anc},{plt},{hgb},no\n"
        for i, (d, anc, plt, hgb) in enumerate(PLATELETS_REACHED_THEN_LOST)
    )
    report = report_from_text(text)
    person = only(report)
    recovery = milestone(person, "platelet-recovery")
    assert (recovery.status, recovery.collected_at) == ("lost", "2026-06-03")
    assert recovery.lost_at is not None
    assert recovery.lost_at.collected_at == "2026-06-10"
    assert state(person, "plt") == "lost"
    assert [(a.code, a.urgency) for a in person.alerts] == [("platelet-recovery-lost", "soon")]
    assert "2026-06-03" in person.alerts[0].message
    assert "2026-06-10" in person.alerts[0].message
    assert person.urgency in ("soon", "now")
    out = " ".join(_render(report, 100).split())
    assert "reached, then lost: Platelet recovery" in out
    assert "from 2026-06-03" in out
    assert "fell back below 20 on 2026-06-10" in out
    assert (
        "Platelet recovery (20 or more on 3 successive draws; a draw within 7 days of a "
        "platelet transfusion does not count): not yet" not in out
    )
    col = {name: i for i, name in enumerate(TREND_CSV_COLUMNS)}
    by_date = {r[col["collected_at"]]: r for r in trend_rows(report) if r[col["analyte"]] == "plt"}
    assert by_date["2026-06-03"][col["milestones"]] == "platelet-recovery"
    assert by_date["2026-06-10"][col["lost"]] == "platelet-recovery"
    assert by_date["2026-06-10"][col["state"]] == "lost"
    assert by_date["2026-06-10"][col["alerts"]] == "platelet-recovery-lost"


def test_anc_falling_back_below_0_5_after_recovery_raises_an_alert() -> None:
    # ANC 0.6, 0.7, 0.8 after a nadir of 0.1 is neutrophil recovery (ASTCT); 0.4 afterwards is
    # below 0.5 again. The fall from 0.8 is not the ANC-from-1.0 change rule, so only the lost
    # milestone can raise it: an alert worth a call.
    rows = [
        ("2026-05-01", 2.0, 100, 12.0),
        ("2026-05-06", 0.1, 100, 12.0),
        ("2026-05-12", 0.6, 100, 12.0),
        ("2026-05-13", 0.7, 100, 12.0),
        ("2026-05-14", 0.8, 100, 12.0),
        ("2026-05-16", 0.4, 100, 12.0),
    ]
    person = only(report_from_text(series(rows), since=date(2026, 5, 1), transplant="pb"))
    recovery = milestone(person, "neutrophil-recovery")
    assert (recovery.status, recovery.day) == ("lost", 11)
    assert recovery.lost_at is not None
    assert recovery.lost_at.day == 15
    assert not any(c.after.day == 15 for c in person.changes)
    alert = next(a for a in person.alerts if a.code == "neutrophil-recovery-lost")
    assert alert.urgency == "soon"
    assert "day +11" in alert.message
    assert "day +15" in alert.message
    assert "graft" in alert.message
    assert "you have" not in alert.message.lower()
    words = next(s.message for s in person.states if s.analyte == "anc")
    assert words.startswith("ANC: reached neutrophil recovery")
    assert "fell back below 0.5 on 2026-05-16 (day +15), at 0.40" in words
    # Three draws >= 0.5 again regain it: reached, the fall still said, no alert.
    again = rows + [(f"2026-05-{d}", 0.9, 100, 12.0) for d in (18, 19, 20)]
    back = only(report_from_text(series(again), since=date(2026, 5, 1), transplant="pb"))
    recovery = milestone(back, "neutrophil-recovery")
    assert recovery.status == "reached"
    assert recovery.lost_at is not None
    assert recovery.regained_at is not None
    assert (recovery.lost_at.day, recovery.regained_at.day) == (15, 17)
    assert "was at or above it again" in recovery.note
    assert not any(a.code.endswith("-lost") for a in back.alerts)


@pytest.mark.parametrize(
    ("day", "where"),
    [
        (3, "counts usually keep falling"),
        (10, "usually at their lowest"),
        (20, "usually recover"),
        (31, "past the usual 3 to 4 weeks"),
        (45, "within day 40 to 60"),
        (70, "past day 60"),
    ],
)
def test_chemotherapy_timeline_explains_the_usual_course(day: int, where: str) -> None:
    # Counts lowest about 7-14 days after chemotherapy, recovering over 3-4 weeks; marrow
    # cellularity usually normal by 40-60 days: counts still low then deserve a review.
    rows = [
        ("2026-01-01", 3.0, 200, 12.0),
        (str(date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + day)), 3.0, 200, 12.0),
    ]
    person = only(report_from_text(series(rows), since=date(2026, 1, 1)))
    assert person.timeline is not None
    assert person.timeline.startswith(f"Day {day} after chemotherapy: ")
    assert where in person.timeline
    for usual in ("7 to 14 days", "3 to 4 weeks", "day 40 to 60", "not a prediction"):
        assert usual in person.timeline
    # Context, never a prognosis.
    assert " will " not in person.timeline


def test_after_chemotherapy_a_count_still_low_past_day_60_is_not_rising() -> None:
    # Counts usually rise within about 30 days and the marrow is usually back by day 40-60: ANC
    # 0.3 on day 70 after chemotherapy, even if up from its nadir, is "not yet" and worth a review.
    rows = [
        ("2026-01-01", 3.0, 200, 12.0),
        ("2026-01-12", 0.1, 200, 12.0),
        ("2026-03-01", 0.2, 200, 12.0),
        ("2026-03-12", 0.3, 200, 12.0),
    ]
    person = only(report_from_text(series(rows), since=date(2026, 1, 1)))
    assert state(person, "anc") == "not-yet"
    words = next(s.message for s in person.states if s.analyte == "anc")
    assert "day 70" in words
    assert "past day 60" in words
    # The same rise on day 25 is within the usual recovery: rising.
    early = [
        ("2026-01-01", 3.0, 200, 12.0),
        ("2026-01-12", 0.1, 200, 12.0),
        ("2026-01-20", 0.2, 200, 12.0),
        ("2026-01-26", 0.3, 200, 12.0),
    ]
    assert state(only(report_from_text(series(early), since=date(2026, 1, 1))), "anc") == "rising"


def test_json_and_schema_carry_lost_milestones_states_and_transfusion_info(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from pydantic import TypeAdapter

    target = tmp_path / "lost.csv"
    target.write_text(series(PLATELETS_REACHED_THEN_LOST), encoding="utf-8")
    code, out, _ = run(capsys, "trend", str(target), "-f", "json")
    assert code == 0
    TypeAdapter(TrendReport).validate_json(out)
    person = json.loads(out)["persons"][0]
    assert person["transfusion_info"] == "not-given"
    recovery = next(m for m in person["milestones"] if m["code"] == "platelet-recovery")
    assert (recovery["status"], recovery["collected_at"]) == ("lost", "2026-06-03")
    assert recovery["lost_at"]["collected_at"] == "2026-06-10"
    assert recovery["transfusion_info"] == "not-given"
    assert {"analyte": "plt", "state": "lost"}.items() <= next(
        s for s in person["states"] if s["analyte"] == "plt"
    ).items()
    assert "platelet-recovery-lost" in [a["code"] for a in person["alerts"]]
    _, schema, _ = run(capsys, "schema", "--trend")
    defs = json.loads(schema)["$defs"]
    assert {"lost_at", "regained_at", "transfusion_info"} <= set(defs["Milestone"]["properties"])
    assert "lost" in json.dumps(defs["Milestone"]["properties"]["status"])
    assert set(defs["CountState"]["properties"]["state"]["enum"]) == {
        "recovered",
        "recovering",
        "rising",
        "not-yet",
        "lost",
        "not-needed",
        "cannot-tell",
    }
    assert {"states", "rising", "transfusion_info"} <= set(defs["PersonTrend"]["properties"])


# --- The reader's notes on the columns cbc trend reads itself ----------------------------------

# A transfusion column, a second one (trend reads only the first, series.TRANSFUSION_COLUMNS
# order of the header), a result cbc does not know and a plain comment column.
_READ_HEADER = (
    "patient_id,collected_at,sex,age,anc,plt,hgb,platelet_transfusion,plt_transfusion,"
    "hb_a1c,comment"
)
_READ_ROWS = "P,2026-03-02,F,50,1.0,100,12,no,no,5,a\nP,2026-03-09,F,50,0.4,30,9,yes,no,5,b\n"
_READ_NOTES = [
    "column 'platelet_transfusion' is read as platelet transfusions (yes or no)",
    "column 'plt_transfusion' looks like a lab result but is not a name cbc knows: it is "
    "ignored; if it holds a count cbc reads, map it with --column 'plt_transfusion'=ANALYTE "
    "(wbc, rbc, hgb, hct, mcv, mch, mchc, rdw, plt, anc, neut_pct, band_pct, alc, lymph_pct)",
    "column 'hb_a1c' looks like a lab result but is not a name cbc knows: it is ignored; if it "
    "holds a count cbc reads, map it with --column 'hb_a1c'=ANALYTE (wbc, rbc, hgb, hct, mcv, "
    "mch, mchc, rdw, plt, anc, neut_pct, band_pct, alc, lymph_pct)",
    # Of 11 columns: the second transfusion column, hb_a1c and the comment; not the first.
    "3 of 11 columns ignored (2 that look like results)",
]


def test_the_reader_says_the_transfusion_column_is_read_on_both_routes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "series.csv"
    path.write_text(f"{_READ_HEADER}\n{_READ_ROWS}", encoding="utf-8")
    code, out, _ = run(capsys, "trend", str(path), "--format", "json")
    assert code == 0
    cli = json.loads(out)
    assert cli["notes"] == _READ_NOTES
    assert cli["persons"][0]["transfusions"] == ["2026-03-09"]  # the column is read indeed
    library = build(open_source(str(path)))
    assert library.notes == _READ_NOTES
    assert json.loads(json.dumps(trend_data(library))) == cli
    # cbc check reads no transfusion column: there it is ignored, and counted.
    _, _, err = run(capsys, "check", str(path), "--format", "csv")
    assert "column 'platelet_transfusion' looks like a lab result" in err
    assert "4 of 11 columns ignored (3 that look like results)" in err


@pytest.mark.parametrize("layout", ["tsv", "long", "ods"])
def test_every_tabular_layout_notes_the_transfusion_column_as_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, layout: str
) -> None:
    header = "patient_id,collected_at,sex,age,plt,platelet_transfusion,comment"
    rows = ["P,2026-03-02,F,50,100,no,a", "P,2026-03-09,F,50,30,yes,b"]
    if layout == "long":
        header = "patient_id,collected_at,sex,age,analyte,value,platelet_transfusion,comment"
        rows = ["P,2026-03-02,F,50,plt,100,no,a", "P,2026-03-09,F,50,plt,30,yes,b"]
    table = [line.split(",") for line in [header, *rows]]
    if layout == "ods":
        from test_spreadsheet import ods_bytes

        path = tmp_path / "series.ods"
        path.write_bytes(ods_bytes(table))  # type: ignore[arg-type]
    else:
        path = tmp_path / "series.tsv"
        sep = "\t" if layout == "tsv" else ","
        path.write_text("\n".join(sep.join(r) for r in table) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "trend", str(path), "--format", "json")
    assert code == 0
    report = json.loads(out)
    # Only plain columns are left unread: nothing is said of them, and no count.
    assert report["notes"] == [
        "column 'platelet_transfusion' is read as platelet transfusions (yes or no)"
    ]
    assert report["persons"][0]["transfusions"] == ["2026-03-09"]
    assert build(open_source(str(path))).notes == report["notes"]


def test_a_json_series_says_nothing_of_its_fields() -> None:
    # The JSON readers write no notes on the fields they skip, with or without also_reads.
    text = '{"patient_id": "P", "collected_at": "2026-03-02", "plt": 100, "hb_a1c": 5}\n'
    for reads in (None, TREND_READS):
        source = text_source(text)
        data = read_input(source, "ndjson", also_reads=reads)
        list(data.records)
        assert data.notes == []
