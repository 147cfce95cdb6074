"""The ``cbc trend`` command: counts over time for each person in a file of dated results.

Kept apart from check so that ``cbc check`` does not build it: Typer builds every registered
command's parameters on each run. cbc_cli.cli.app imports this module when trend or the full app
is needed.
"""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import ExitStack
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from cbc_cli.api import build_patient, default_ranges, resolve_scheme
from cbc_cli.cli.formats import TrendRun, open_writer
from cbc_cli.cli.options import (
    AgeOpt,
    ColumnOpt,
    ConfigOpt,
    DateFormatOpt,
    FailOn,
    FormulaGuardOpt,
    GradingOpt,
    InputFormatOpt,
    LabRangesOpt,
    LimitOpt,
    OutputOpt,
    PresetOpt,
    ProfileOpt,
    SexOpt,
    SheetOpt,
    SkipLinesOpt,
    UnitOpt,
    fail_code,
    settings,
    stdin_bytes,
)
from cbc_cli.errors import InputError, UsageError
from cbc_cli.limits import parse_limits
from cbc_cli.models import Urgency
from cbc_cli.output import OutputTarget, check_target
from cbc_cli.parse import check_date_format
from cbc_cli.wording import noun_for, plural


class TrendFormat(StrEnum):
    """What `cbc trend --format` writes."""

    table = "table"
    json = "json"
    csv = "csv"
    html = "html"
    pdf = "pdf"


class Graft(StrEnum):
    """The graft sources `cbc trend --transplant` takes (peripheral blood, marrow, cord blood)."""

    pb = "pb"
    marrow = "marrow"
    cord = "cord"


def _option_date(text: str | None, option: str) -> date | None:
    from cbc_cli.parse import parse_date

    if text is None:
        return None
    try:
        return parse_date(text, option)
    except InputError as exc:
        # A date given as an option is a usage error (exit 2), as every bad option value.
        raise UsageError(exc.template, field=exc.field, hint=exc.hint_template) from None


def trend(
    file: Annotated[
        str | None,
        typer.Argument(
            help="Dated results (CSV, TSV, JSON, NDJSON, HL7, FHIR), or - for standard input.",
            show_default=False,
        ),
    ] = None,
    patient: Annotated[
        str | None,
        typer.Option(
            metavar="COLUMN",
            help="The column that holds the person id (default: patient_id or mrn; without "
            "one, all draws are one person).",
            rich_help_panel="Series",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="Day 0, YYYY-MM-DD: the start of the chemotherapy cycle, or the transplant.",
            rich_help_panel="Series",
        ),
    ] = None,
    transplant: Annotated[
        Graft | None,
        typer.Option(
            help="Graft source of a stem cell transplant: turns on the engraftment rules "
            "(needs --since).",
            rich_help_panel="Series",
        ),
    ] = None,
    transfusion: Annotated[
        list[str] | None,
        typer.Option(
            help="Date of a platelet transfusion, YYYY-MM-DD (repeatable); a "
            "platelet_transfusion column (yes/no) works too.",
            rich_help_panel="Series",
        ),
    ] = None,
    analyte: Annotated[
        list[str] | None,
        typer.Option(
            "--analyte",
            "-a",
            help="A count to follow (repeatable; default: anc, plt, hgb).",
            rich_help_panel="Series",
        ),
    ] = None,
    sex: SexOpt = None,
    age: AgeOpt = None,
    dob: Annotated[
        str | None,
        typer.Option(
            help="Date of birth, YYYY-MM-DD: the age is worked out at each draw.",
            rich_help_panel="Person",
        ),
    ] = None,
    profile: ProfileOpt = None,
    input_format: InputFormatOpt = None,
    column: ColumnOpt = None,
    unit: UnitOpt = None,
    skip_lines: SkipLinesOpt = None,
    sheet: SheetOpt = None,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    limit: LimitOpt = None,
    date_format: DateFormatOpt = None,
    ranges: LabRangesOpt = None,
    grading: GradingOpt = None,
    output_format: Annotated[
        TrendFormat,
        typer.Option("--format", "-f", help="Output format.", rich_help_panel="Output"),
    ] = TrendFormat.table,
    output: OutputOpt = None,
    formula_guard: FormulaGuardOpt = True,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            help="Exit 1 when a person's latest draw or changes call for the care team "
            "(abnormal), or call for them now (critical).",
            rich_help_panel="Output",
        ),
    ] = FailOn.never,
) -> None:
    """Follow counts over time: nadir, days below key levels, recovery milestones, changes."""
    from cbc_cli.readers import read_input
    from cbc_cli.readers.source import open_source
    from cbc_cli.trend import DEFAULT_ANALYTES, TREND_READS, TrendOptions, build_trend

    if file is None:
        if sys.stdin.isatty():
            raise UsageError(
                "give a FILE of dated results, or - for standard input", code="input.missing"
            )
        file = "-"
    if age is not None and dob is not None:
        raise UsageError("give either --age or --dob, not both", code="option.conflict")
    options = TrendOptions(
        since=_option_date(since, "--since"),
        transplant=transplant.value if transplant else None,
        transfusions=tuple(d for t in transfusion or [] if (d := _option_date(t, "--transfusion"))),
        analytes=tuple(analyte or DEFAULT_ANALYTES),
        patient_column=patient,
        context=build_patient(sex=sex, age=age, profiles=profile or ()),
        dob=_option_date(dob, "--dob"),
    )
    limits = parse_limits(limit or [])
    # The same layers as cbc check: options over CBC_* over --config over --preset over
    # ./cbc.toml over the user's file (README, Config files and presets).
    chosen = settings(
        config,
        preset,
        grading=grading.value if grading else None,
        input_format=input_format.value if input_format else None,
        date_format=date_format,
        # --patient COLUMN maps the column to the person id for every reader, JSON included.
        columns=[*(column or []), *([f"{patient}=patient_id"] if patient else [])],
        units=unit,
        ranges=ranges,
    )
    check_target(output, [file, *chosen.range_files(), *chosen.files])
    table = default_ranges(chosen.range_files(), limits)
    scheme = resolve_scheme(chosen.grading.value)
    source = open_source(file, stdin_bytes() if file == "-" else None)
    with ExitStack() as stack:
        stack.callback(source.close)
        # Written whole or not at all: the series is read and sorted before anything is written.
        target = stack.enter_context(OutputTarget(output))
        data = read_input(
            source,
            chosen.input_format.value,
            chosen.column_options(),
            chosen.unit_options(),
            limits=limits,
            skip_lines=skip_lines,
            sheet=sheet,
            date_format=check_date_format(chosen.date_format.value),
            also_reads=TREND_READS,
        )
        report = build_trend(
            data.records, table, scheme, options, header=data.header, input_notes=data.notes
        )
        writer = open_writer(output_format.value, target.stream, TrendRun(formula_guard))
        writer.write(report)
        writer.close()
    for note in source.warnings:
        sys.stderr.write(f"cbc: note: {note}\n")
    if report.failed:
        lines = sorted({u.line for u in report.unplaced if u.line is not None})
        shown = ", ".join(str(n) for n in lines[:20]) + (" ..." if len(lines) > 20 else "")
        shown = f" ({noun_for(len(lines), 'line')} {shown})" if lines else ""
        cells = sum(len(d.errors) for p in report.persons for d in p.draws)
        parts = []
        if report.unplaced:
            parts.append(
                f"{plural(len(report.unplaced), 'draw')} could not be read or placed{shown}"
            )
        if cells:
            parts.append(f"{plural(cells, 'cell')} could not be read (the rest of their draws was)")
        sys.stderr.write(f"cbc: {' and '.join(parts)}; the report says why\n")
        raise typer.Exit(3)
    raise typer.Exit(fail_code(Counter[Urgency | None](report.urgencies), fail_on))
