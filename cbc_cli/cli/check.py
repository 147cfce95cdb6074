"""The ``cbc check`` command: one sample given as options (or typed at the prompt), or a file of
results handed to cbc_cli.cli.check_file."""

import sys
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

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
    DateFormatOpt,
    FailOn,
    FormulaGuardOpt,
    Grading,
    GradingOpt,
    InputFormat,
    InputFormatOpt,
    JobsOpt,
    LabRangesOpt,
    LimitOpt,
    OutputFormat,
    OutputOpt,
    PartialOpt,
    ProfileOpt,
    SexOpt,
    Transplant,
    UnitOpt,
    fail_code,
    make_console,
    range_files,
    stdin_bytes,
)
from cbc_cli.engine import interpret_panel
from cbc_cli.errors import InputError, UsageError
from cbc_cli.limits import parse_limits
from cbc_cli.models import Urgency
from cbc_cli.output import OutputTarget, check_target
from cbc_cli.parse import check_date_format

if TYPE_CHECKING:
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


def _ask(err: "Console", label: str) -> str | None:
    err.print(label, end="")
    line = sys.stdin.readline()
    if not line:
        err.print()
        return None
    return line.strip()


def _prompt_panel(err: "Console", patient_args: dict[str, object]) -> dict[str, str]:
    """Ask for the counts one by one on a terminal; an empty answer skips."""
    err.print(
        "Type each count from the lab report, with its unit if it is not the usual one. "
        "Press Enter to skip."
    )
    if patient_args.get("sex") is None:
        patient_args["sex"] = _ask(err, "Sex (female/male): ") or None
    if patient_args.get("age") is None and patient_args.get("dob") is None:
        patient_args["age"] = _ask(err, "Age in years: ") or None
    values: dict[str, str] = {}
    for analyte_id in PROMPT_ORDER:
        analyte = ANALYTES[analyte_id]
        while True:
            answer = _ask(err, f"{analyte.name} ({analyte.unit}): ")
            if not answer:
                break
            try:
                build_panel({analyte_id: answer})
            except InputError as exc:
                err.print(f"  {exc}", markup=False, emoji=False)
                continue
            values[analyte_id] = answer
            break
    while True:
        answer = _ask(err, "Other counts as NAME=VALUE (e.g. mcv=104), or Enter to finish: ")
        if not answer:
            break
        name, _, value = answer.partition("=")
        try:
            build_panel({name.strip(): value.strip()})
        except InputError as exc:
            err.print(f"  {exc}", markup=False, emoji=False)
            continue
        values[name.strip()] = value.strip()
    return values


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
    input_format: InputFormatOpt = InputFormat.auto,
    column: ColumnOpt = None,
    unit: UnitOpt = None,
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
    grading: GradingOpt = Grading.ctcae5,
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
    check_target(output, [file, *range_files(ranges)])
    scheme = resolve_scheme(grading.value)
    table = default_ranges(range_files(ranges), limits)
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
            input_format.value, column or [], unit or [], formula_guard, jobs, limits, partial
        )
        options.date_format = check_date_format(date_format)
        options.brief = brief
        from cbc_cli.cli.check_file import run_file

        if file == "-" and stdin is None:
            if sys.stdin.isatty():
                # Never wait silently: say what is expected and how to end it.
                sys.stderr.write(
                    "cbc: reading results from the terminal: paste a CSV with its "
                    "header, then press Ctrl-D\n"
                )
            stdin = stdin_bytes()
        stats = run_file(file, options, context, table, scheme, output_format.value, output, stdin)
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
    result = interpret_panel(panel, table, scheme)
    with OutputTarget(output, partial=partial) as target:
        one = OneSample(scheme, given, panel, collected, brief=brief)
        writer = open_writer(output_format.value, target.stream, one)
        writer.write(result)
        writer.close()
    raise typer.Exit(fail_code(Counter[Urgency | None]([result.urgency]), fail_on))
