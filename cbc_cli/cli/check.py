"""The ``cbc check`` command: one sample given as options (or typed at the prompt), or a file of
results handed to cbc_cli.cli.check_file."""

import sys
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from cbc_cli.age import parse_age
from cbc_cli.analytes import ANALYTES
from cbc_cli.api import (
    build_panel,
    build_patient,
    default_ranges,
    parse_lab_range,
    require_context,
    resolve_scheme,
)
from cbc_cli.cli.formats import OneSample, open_writer
from cbc_cli.cli.options import (
    AgeOpt,
    ColumnOpt,
    ConfigOpt,
    DateFormatOpt,
    FailOn,
    FormulaGuardOpt,
    GradingOpt,
    InputFormatOpt,
    JobsOpt,
    LabRangesOpt,
    LimitOpt,
    OutputFormat,
    OutputOpt,
    PartialOpt,
    PresetOpt,
    ProfileOpt,
    SexOpt,
    SheetOpt,
    SkipLinesOpt,
    Transplant,
    UnitOpt,
    fail_code,
    make_console,
    settings,
    stdin_bytes,
)
from cbc_cli.engine import interpret_panel
from cbc_cli.errors import CbcError, InputError, UsageError
from cbc_cli.limits import parse_limits
from cbc_cli.models import Urgency, carry_moments
from cbc_cli.output import OutputTarget, check_target
from cbc_cli.parse import check_date_format, parse_sex, parse_temperature

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console


def _value(analyte_id: str) -> object:
    analyte = ANALYTES[analyte_id]
    name = analyte.name[0].upper() + analyte.name[1:]
    return typer.Option(
        help=f"{name}, in {analyte.unit} unless a unit follows "
        f'the number ("{_EXAMPLES.get(analyte_id, "9.1")}").',
        rich_help_panel="Counts",
    )


_EXAMPLES = {
    "hgb": "91 g/L",
    "wbc": "2100/uL",
    "plt": "62000/uL",
    "anc": "800 cells/uL",
    "alc": "1200/uL",
    "rbc": "3.1 x10^12/L",
    "hct": "0.28 L/L",
    "mchc": "330 g/L",
}
_UNITLESS = {
    "mcv": "104",
    "mch": "31",
    "rdw": "14.2",
    "neut_pct": "40",
    "band_pct": "5",
    "lymph_pct": "22",
}
_EXAMPLES.update({k: f"{v} {ANALYTES[k].unit}" for k, v in _UNITLESS.items()})

# Values are prompted in this order on a terminal when none are given.
PROMPT_ORDER = ("hgb", "wbc", "anc", "plt")


class _EndOfAnswers(Exception):
    """Ctrl-D at a prompt: stop asking and go on with what was typed so far."""


def _ask(err: "Console", label: str) -> str:
    """One answer, stripped (empty: skipped); Ctrl-D (end of input) ends the prompting."""
    err.print(label, end="", markup=False, emoji=False)
    line = sys.stdin.readline()
    if not line:
        err.print()
        raise _EndOfAnswers
    return line.strip()


def _ask_until_read(err: "Console", label: str, read: "Callable[[str], object]") -> str | None:
    """Ask until the answer reads (``read`` raises a CbcError with the reason otherwise), each
    bad answer refused with its one-line reason; None when skipped."""
    while True:
        answer = _ask(err, label)
        if not answer:
            return None
        try:
            read(answer)
        except CbcError as exc:
            message, hint = exc.render(lambda term: term)
            shown = f" ({hint})" if hint else ""
            err.print(f"  {message}{shown}", markup=False, emoji=False)
            continue
        return answer


def _read_days(text: str) -> int:
    """Days since the last chemotherapy: a whole number, 0 or more."""
    if not text.isdigit():
        raise InputError(
            "days since the last chemotherapy is a whole number of days (0 or more)",
            code="value.unreadable",
            hint="e.g. 10",
        )
    return int(text)


def _prompt_panel(err: "Console", patient_args: dict[str, object]) -> dict[str, str]:
    """Ask for the person and the counts one by one on a terminal: each answer is checked as it
    is typed and asked again with the reason; an empty answer skips, Ctrl-D ends the asking
    (what was typed so far is kept)."""
    err.print(
        "Type each count from the lab report, with its unit if it is not the usual one. "
        "Press Enter to skip, Ctrl-D to finish."
    )
    values: dict[str, str] = {}
    try:
        if patient_args.get("sex") is None:
            patient_args["sex"] = _ask_until_read(err, "Sex (female/male): ", parse_sex)
        if patient_args.get("age") is None and patient_args.get("dob") is None:
            patient_args["age"] = _ask_until_read(
                err, "Age in years (or 6m, 3w for a baby): ", parse_age
            )
        if patient_args.get("temperature") is None:
            patient_args["temperature"] = _ask_until_read(
                err,
                "Temperature, if you have one (e.g. 38.2 or 100.8F), Enter to skip: ",
                parse_temperature,
            )
        if patient_args.get("days_since_chemo") is None:
            days = _ask_until_read(
                err, "Days since the last chemotherapy, Enter to skip: ", _read_days
            )
            patient_args["days_since_chemo"] = None if days is None else int(days)
        for analyte_id in PROMPT_ORDER:
            analyte = ANALYTES[analyte_id]
            answer = _ask_until_read(
                err,
                f"{analyte.name} ({analyte.unit}): ",
                lambda text, a=analyte_id: build_panel({a: text}),  # type: ignore[misc]
            )
            if answer is not None:
                values[analyte_id] = answer
        while True:
            answer = _ask_until_read(
                err,
                "Other counts as NAME=VALUE (e.g. mcv=104), or Enter to finish: ",
                lambda text: build_panel({_other(text)[0]: _other(text)[1]}),
            )
            if answer is None:
                break
            name, value = _other(answer)
            values[name] = value
    except _EndOfAnswers:
        pass
    return values


def _other(answer: str) -> tuple[str, str]:
    name, _, value = answer.partition("=")
    return name.strip(), value.strip()


def check(
    file: Annotated[
        str | None,
        typer.Argument(
            help="A file of results (CSV, TSV, JSON, NDJSON, HL7, FHIR), or - for standard input.",
            show_default=False,
        ),
    ] = None,
    wbc: Annotated[str | None, _value("wbc")] = None,
    rbc: Annotated[str | None, _value("rbc")] = None,
    hgb: Annotated[str | None, _value("hgb")] = None,
    hct: Annotated[str | None, _value("hct")] = None,
    mcv: Annotated[str | None, _value("mcv")] = None,
    mch: Annotated[str | None, _value("mch")] = None,
    mchc: Annotated[str | None, _value("mchc")] = None,
    rdw: Annotated[str | None, _value("rdw")] = None,
    plt: Annotated[str | None, _value("plt")] = None,
    anc: Annotated[str | None, _value("anc")] = None,
    neut_pct: Annotated[str | None, _value("neut_pct")] = None,
    band_pct: Annotated[str | None, _value("band_pct")] = None,
    alc: Annotated[str | None, _value("alc")] = None,
    lymph_pct: Annotated[str | None, _value("lymph_pct")] = None,
    sex: SexOpt = None,
    age: AgeOpt = None,
    dob: Annotated[
        str | None,
        typer.Option(
            help="Date of birth, YYYY-MM-DD (with --collected).", rich_help_panel="Person"
        ),
    ] = None,
    collected: Annotated[
        str | None,
        typer.Option(help="Date the sample was taken, YYYY-MM-DD.", rich_help_panel="Person"),
    ] = None,
    pregnant: Annotated[
        int | None, typer.Option(help="Pregnancy trimester: 1, 2 or 3.", rich_help_panel="Person")
    ] = None,
    profile: ProfileOpt = None,
    temp: Annotated[
        str | None,
        typer.Option(
            help="Body temperature in Celsius (or with F), to check for febrile neutropenia.",
            rich_help_panel="Person",
        ),
    ] = None,
    days_since_chemo: Annotated[
        int | None,
        typer.Option(
            help="Days since the last chemotherapy: adds the usual recovery timeline.",
            rich_help_panel="Person",
        ),
    ] = None,
    transplant: Annotated[
        Transplant | None,
        typer.Option(
            help="A stem cell transplant: auto (own cells) or allo (donor cells); adds how "
            "counts recover after it.",
            rich_help_panel="Person",
            show_default=False,
        ),
    ] = None,
    input_format: InputFormatOpt = None,
    column: ColumnOpt = None,
    unit: UnitOpt = None,
    skip_lines: SkipLinesOpt = None,
    sheet: SheetOpt = None,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    output: OutputOpt = None,
    partial: PartialOpt = False,
    formula_guard: FormulaGuardOpt = True,
    jobs: JobsOpt = None,
    limit: LimitOpt = None,
    date_format: DateFormatOpt = None,
    ranges: LabRangesOpt = None,
    lab_range: Annotated[
        list[str] | None,
        typer.Option(
            help="The lab's printed range for one analyte, e.g. hgb=12.0-15.5 (repeatable).",
            rich_help_panel="Ranges and grading",
        ),
    ] = None,
    grading: GradingOpt = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="Output format.", rich_help_panel="Output"),
    ] = OutputFormat.table,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            help="Exit 1 on an abnormal result (finding or flag) or a critical one (urgency now).",
            rich_help_panel="Output",
        ),
    ] = FailOn.never,
    brief: Annotated[
        bool,
        typer.Option(
            "--brief",
            help="json/ndjson: codes, grades, flags, values, urgency and message per sample, "
            "without the explanations (cbc explain --format json gives them once).",
            rich_help_panel="Output",
        ),
    ] = False,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="With a machine format (csv, ndjson, json, fhir, hl7, html, pdf): also print "
            "the terminal summary (findings by grade, urgency counts) to stderr at the end.",
            rich_help_panel="Output",
        ),
    ] = False,
) -> None:
    """Interpret one complete blood count given as options, or a file of results."""
    given = {
        name: value
        for name, value in {
            "wbc": wbc,
            "rbc": rbc,
            "hgb": hgb,
            "hct": hct,
            "mcv": mcv,
            "mch": mch,
            "mchc": mchc,
            "rdw": rdw,
            "plt": plt,
            "anc": anc,
            "neut_pct": neut_pct,
            "band_pct": band_pct,
            "alc": alc,
            "lymph_pct": lymph_pct,
        }.items()
        if value is not None
    }
    limits = parse_limits(limit or [])
    if brief and output_format not in (OutputFormat.json, OutputFormat.ndjson, OutputFormat.csv):
        raise UsageError(
            f"--brief applies to --format json, ndjson or csv, not {output_format.value}",
            code="option.conflict",
            hint="drop --brief, or give --format ndjson",
        )
    if summary and output_format is OutputFormat.parquet:
        raise UsageError(
            "--summary applies to the formats cbc writes row by row, not parquet",
            code="option.conflict",
            hint="drop --summary, or give --format csv",
        )
    # The table is the summary already: --summary adds nothing to it.
    summary = summary and output_format is not OutputFormat.table
    chosen = settings(
        config,
        preset,
        grading=grading.value if grading else None,
        input_format=input_format.value if input_format else None,
        date_format=date_format,
        columns=column,
        units=unit,
        ranges=ranges,
    )
    date_format = chosen.date_format.value
    check_target(output, [file, *chosen.range_files(), *chosen.files])
    scheme = resolve_scheme(chosen.grading.value)
    table = default_ranges(chosen.range_files(), limits)
    patient_args: dict[str, object] = {
        "sex": sex,
        "age": age,
        "dob": dob,
        "collected": collected,
        "pregnant": pregnant,
        "profiles": profile or (),
        "temperature": temp,
        "days_since_chemo": days_since_chemo,
        "transplant": transplant.value if transplant else None,
        "date_format": check_date_format(date_format),
    }
    stdin: BinaryIO | None = None
    if file is None and not given and not sys.stdin.isatty():
        # Piped input is read as a file; an empty pipe means no input at all (exit 2).
        stdin = stdin_bytes()
        if not stdin.peek(1):  # type: ignore[attr-defined]
            raise UsageError(
                "no input: give values (--hgb 9.1 ...) or a FILE",
                code="input.missing",
                hint="see cbc check --help",
            )
        file = "-"
    if file is not None:
        if given:
            raise UsageError(
                "give either a FILE or values as options, not both", code="option.conflict"
            )
        if lab_range:
            raise UsageError(
                "--lab-range applies to values given as options",
                code="option.conflict",
                hint="in a file, give the lab's ranges in ref_low/ref_high or reference_range "
                "columns",
            )
        context = build_patient(**patient_args)  # type: ignore[arg-type]
        if jobs is not None and jobs < 1:
            raise UsageError(f"--jobs {jobs}: give 1 or more processes")
        from cbc_cli.batch import BatchOptions

        options = BatchOptions(
            chosen.input_format.value,
            chosen.column_options(),
            chosen.unit_options(),
            formula_guard,
            jobs,
            limits,
            partial,
        )
        options.date_format = check_date_format(date_format)
        options.brief = brief
        options.skip_lines, options.sheet = skip_lines, sheet
        from cbc_cli.cli.check_file import run_file

        if file == "-" and stdin is None:
            if sys.stdin.isatty():
                # Never wait silently: say what is expected and how to end it.
                sys.stderr.write(
                    "cbc: reading results from the terminal: paste a CSV with its "
                    "header, then press Ctrl-D\n"
                )
            stdin = stdin_bytes()
        stats = run_file(
            file,
            options,
            context,
            table,
            scheme,
            output_format.value,
            output,
            stdin,
            summary=summary,
        )
        raise typer.Exit(3 if stats.failed else fail_code(stats.urgency, fail_on))
    if output_format is OutputFormat.parquet:
        raise UsageError(
            "Parquet output is written from a Parquet file",
            code="output.invalid",
            hint="use --format csv",
        )
    if not given:
        given = _prompt_panel(make_console(stderr=True), patient_args)
        if not given:
            raise UsageError(
                "no values were given", code="input.missing", hint="see cbc check --help"
            )
    patient = build_patient(**patient_args)  # type: ignore[arg-type]
    require_context(scheme, patient)
    lab = dict(parse_lab_range(text) for text in lab_range or [])
    panel = build_panel(
        given, patient=patient, collected=collected, date_format=check_date_format(date_format)
    )
    panel = replace(panel, lab_ranges=lab)
    result = carry_moments(
        interpret_panel(panel, table, scheme), panel.collected, panel.patient.born
    )
    with OutputTarget(output, partial=partial) as target:
        one = OneSample(scheme, given, panel, collected, brief=brief)
        writer = open_writer(output_format.value, target.stream, one)
        writer.write(result)
        writer.close()
    if summary:
        from cbc_cli.batch import BatchSummary
        from cbc_cli.cli.formats import print_file_table

        board = BatchSummary()
        board.add(result)
        print_file_table(sys.stderr, scheme, board, result)
    raise typer.Exit(fail_code(Counter[Urgency | None]([result.urgency]), fail_on))
