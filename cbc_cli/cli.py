"""The command line: options, prompts, exit codes. The only module that touches stdin, stdout,
the environment or the process exit; everything else is called through the library API."""

import contextlib
import errno
import io
import os
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO, NoReturn, TextIO

import typer

from cbc_cli import __version__
from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.api import (
    build_panel,
    build_patient,
    default_ranges,
    make_report,
    parse_lab_range,
    resolve_scheme,
    scheme_info,
)
from cbc_cli.engine import interpret_panel
from cbc_cli.errors import CbcError, InputError, UsageError
from cbc_cli.limits import DEFAULT_LIMITS, Limits, parse_limits
from cbc_cli.models import Result, Urgency, to_json
from cbc_cli.output import OutputTarget, Terminated, check_target, fate, forget_fate
from cbc_cli.panel import Panel

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from cbc_cli.grading import Scheme
    from cbc_cli.ranges import RangeTable

# -h as well as --help, on every command.
_CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    name="cbc",
    help="Interpret complete blood counts: reference ranges, grades, plain-language flags.\n\n"
    "Information only; not a medical device.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings=_CONTEXT,
)
ranges_app = typer.Typer(
    help="Show the reference ranges loaded, or check a lab's range file.",
    no_args_is_help=True,
    context_settings=_CONTEXT,
)
app.add_typer(ranges_app, name="ranges")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    ndjson = "ndjson"
    csv = "csv"
    fhir = "fhir"
    hl7 = "hl7"
    html = "html"
    pdf = "pdf"
    parquet = "parquet"


class InputFormat(StrEnum):
    auto = "auto"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    ndjson = "ndjson"
    hl7 = "hl7"
    fhir = "fhir"
    xlsx = "xlsx"
    ods = "ods"


class FailOn(StrEnum):
    never = "never"
    abnormal = "abnormal"
    critical = "critical"


class Transplant(StrEnum):  # explanations.TRANSPLANT_KINDS (a test checks)
    auto = "auto"
    allo = "allo"


class Grading(StrEnum):  # the members are grading.SCHEME_CHOICES (a test checks)
    ctcae5 = "ctcae5"
    ctcae6 = "ctcae6"
    ctcae4 = "ctcae4"
    daids = "daids"


def _console(stderr: bool = False) -> "Console":
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False, emoji=False)


def _print(renderable: "RenderableType") -> None:
    _console().print(renderable)


def _range_files(options: list[Path] | None) -> tuple[str, ...]:
    # CBC_RANGES is read here, at the edge, and passed down: the core never reads the environment.
    from_env = [p for p in os.environ.get("CBC_RANGES", "").split(os.pathsep) if p.strip()]
    return (*from_env, *(str(p) for p in options or []))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cbc {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Interpret complete blood counts."""


# Options that `check` and `trend` share, declared once.
SexOpt = Annotated[str | None, typer.Option(help="female or male.", rich_help_panel="Person")]
AgeOpt = Annotated[
    str | None,
    typer.Option(
        help="Age in whole years (54), or months/weeks/days for a baby (6m, 3w, 10d).",
        rich_help_panel="Person",
    ),
]
ProfileOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="Opt-in range profile: duffy-null (only when the person knows their status).",
        rich_help_panel="Person",
    ),
]
InputFormatOpt = Annotated[
    InputFormat,
    typer.Option(help="Input format; auto detects it from the content.", rich_help_panel="Files"),
]
ColumnOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="Map a column the aliases do not know: NAME=ANALYTE (repeatable).",
        rich_help_panel="Files",
    ),
]
UnitOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="Unit of a column without one in its header: ANALYTE=UNIT (repeatable).",
        rich_help_panel="Files",
    ),
]
LabRangesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--ranges",
        help="A lab's range file layered over the defaults (repeatable; also CBC_RANGES).",
        rich_help_panel="Ranges and grading",
    ),
]
GradingOpt = Annotated[
    Grading, typer.Option(help="Grading scheme.", rich_help_panel="Ranges and grading")
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file instead of standard output.",
        rich_help_panel="Output",
    ),
]
PartialOpt = Annotated[
    bool,
    typer.Option(
        "--partial",
        help="With -o, keep what was written when the run stops early (the error says up to "
        "which input line); by default the file is left as it was.",
        rich_help_panel="Output",
    ),
]
FormulaGuardOpt = Annotated[
    bool,
    typer.Option(
        help="In CSV output, prefix text cells that a spreadsheet would run as a "
        "formula (=, +, -, @) with a quote.",
        rich_help_panel="Output",
    ),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        help="Processes that judge a large wide CSV export side by side when the output is CSV "
        "(default: one per CPU, at most 4; 1 keeps to one process).",
        show_default=False,
        rich_help_panel="Files",
    ),
]

LimitOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--limit",
        help="Change an input limit: NAME=SIZE, e.g. line=64MiB or field=4MiB (repeatable; "
        "names, defaults and what happens past each: README, Limits).",
        show_default=False,
        rich_help_panel="Files",
    ),
]


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


def _stdin_bytes() -> BinaryIO:
    """Standard input as a buffered byte stream that can be peeked (call once per run)."""
    raw = sys.stdin.buffer
    if hasattr(raw, "peek"):
        return raw
    return io.BufferedReader(raw)  # type: ignore[type-var]


def _fail_code(urgencies: Counter[Urgency | None], fail_on: FailOn) -> int:
    if fail_on is FailOn.abnormal and any(n for u, n in urgencies.items() if u != "none"):
        return 1
    if fail_on is FailOn.critical and urgencies.get("now"):
        return 1
    return 0


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


@app.command()
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
    skip_lines: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Lines above the header to skip (default: the header is found in the first "
            "30 lines).",
            rich_help_panel="Files",
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            help="The sheet of an .xlsx/.ods file: its name or position from 1 (default: the "
            "first).",
            rich_help_panel="Files",
        ),
    ] = None,
    output: OutputOpt = None,
    partial: PartialOpt = False,
    formula_guard: FormulaGuardOpt = True,
    jobs: JobsOpt = None,
    limit: LimitOpt = None,
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
    check_target(output, [file, *_range_files(ranges)])
    scheme = resolve_scheme(grading.value)
    table = default_ranges(_range_files(ranges), limits)
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
    }
    stdin: BinaryIO | None = None
    if file is None and not given and not sys.stdin.isatty():
        # Piped input is read as a file; an empty pipe means no input at all (exit 2).
        stdin = _stdin_bytes()
        if not stdin.peek(1):  # type: ignore[attr-defined]
            raise UsageError(
                "no input: give values (--hgb 9.1 ...) or a FILE", hint="see cbc check --help"
            )
        file = "-"
    if file is not None:
        if given:
            raise UsageError("give either a FILE or values as options, not both")
        if lab_range:
            raise UsageError(
                "--lab-range applies to values given as options",
                hint="in a file, give the lab's ranges in ref_low/ref_high or reference_range "
                "columns",
            )
        context = build_patient(**patient_args)  # type: ignore[arg-type]
        if jobs is not None and jobs < 1:
            raise UsageError(f"--jobs {jobs}: give 1 or more processes")
        options = BatchOptions(
            input_format.value, column or [], unit or [], formula_guard, jobs, limits, partial
        )
        options.skip_lines, options.sheet = skip_lines, sheet
        from cbc_cli.batch_cli import run_file

        if file == "-" and stdin is None:
            if sys.stdin.isatty():
                # Never wait silently: say what is expected and how to end it.
                sys.stderr.write(
                    "cbc: reading results from the terminal: paste a CSV with its "
                    "header, then press Ctrl-D\n"
                )
            stdin = _stdin_bytes()
        stats = run_file(file, options, context, table, scheme, output_format.value, output, stdin)
        raise typer.Exit(3 if stats.failed else _fail_code(stats.urgency, fail_on))
    if output_format is OutputFormat.parquet:
        raise UsageError("Parquet output is written from a Parquet file", hint="use --format csv")
    if not given:
        given = _prompt_panel(_console(stderr=True), patient_args)
        if not given:
            raise UsageError("no values were given", hint="see cbc check --help")
    patient = build_patient(**patient_args)  # type: ignore[arg-type]
    if scheme.id == "daids21" and (patient.sex is None or patient.age is None):
        raise UsageError("DAIDS grades by age and sex", hint="give --age (or --dob) and --sex")
    lab = dict(parse_lab_range(text) for text in lab_range or [])
    panel = build_panel(given, patient=patient)
    panel = Panel(panel.values, patient, None, lab, panel.lab_flags)
    result = interpret_panel(panel, table, scheme)
    with OutputTarget(output, partial=partial) as target:
        _write_results(target.stream, [result], scheme, output_format, given, panel, collected)
    raise typer.Exit(_fail_code(Counter[Urgency | None]([result.urgency]), fail_on))


def _write_results(
    out: TextIO,
    results: list[Result],
    scheme: "Scheme",
    output_format: OutputFormat,
    given: dict[str, str],
    panel: Panel | None = None,
    collected: str | None = None,
) -> None:
    if output_format in (OutputFormat.fhir, OutputFormat.hl7):
        # Imported here: the standards' writers are off the single-sample start-up path.
        from cbc_cli.readers.records import Record
        from cbc_cli.writers.fhir_writer import FhirWriter
        from cbc_cli.writers.hl7_writer import Hl7Writer

        standard = FhirWriter if output_format is OutputFormat.fhir else Hl7Writer
        writer = standard(out, scheme_info(scheme))
        for r in results:
            writer.write(Record(None, panel=panel, collected_at=collected), r)
        writer.close()
    elif output_format is OutputFormat.json:
        out.write(to_json(make_report(results, scheme), indent=2) + "\n")
    elif output_format is OutputFormat.ndjson:
        for r in results:
            out.write(to_json(r) + "\n")
    elif output_format in (OutputFormat.html, OutputFormat.pdf):
        from cbc_cli.report import check_document, write_document

        write_document(out, check_document(results, scheme_info(scheme), output_format.value))
    elif output_format is OutputFormat.csv:
        from cbc_cli.writers.csv_writer import write_single

        write_single(out, given, results[0], scheme)
    else:
        from rich.console import Console

        from cbc_cli.render import result_view

        console = (
            _console() if out is sys.stdout else Console(file=out, highlight=False, emoji=False)
        )
        console.print(result_view(results[0], scheme_info(scheme)))


@dataclass
class BatchOptions:
    """The options that only a file input uses."""

    input_format: str
    columns: list[str]
    units: list[str]
    formula_guard: bool
    jobs: int | None = None
    """Processes for a columnar run; None for one per CPU (see batch_cli)."""
    limits: Limits = DEFAULT_LIMITS
    """The input limits in force (``--limit``; README, Limits)."""
    partial: bool = False
    """Keep what was written to -o FILE when the run stops early (see cbc_cli.output)."""
    skip_lines: int | None = None
    """Lines above the header to skip (None: found, readers.tabular.find_header)."""
    sheet: str | None = None
    """A workbook's sheet, by name or position from 1 (None: the first)."""


@app.command()
def explain(
    finding: Annotated[
        str | None,
        typer.Argument(
            help="A finding code (anemia) or a topic (infection-precautions).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Explain a finding or a patient topic in plain language (no argument: list them)."""
    from cbc_cli.explanations import EXPLANATIONS, TOPICS
    from cbc_cli.render import explanation_list, explanation_view, topic_view

    if finding is None:
        _print(explanation_list())
        return
    name = finding.strip().lower()
    if name in EXPLANATIONS:
        _print(explanation_view(EXPLANATIONS[name]))
    elif name in TOPICS:
        _print(topic_view(TOPICS[name]))
    else:
        import difflib

        near = difflib.get_close_matches(name, [*EXPLANATIONS, *TOPICS], n=1, cutoff=0.7)
        raise UsageError(
            f"unknown finding or topic {finding!r}"
            + (f": did you mean {near[0]!r}?" if near else ""),
            hint="findings: " + ", ".join(EXPLANATIONS) + "; topics: " + ", ".join(TOPICS),
        )


RangesOpt = Annotated[
    list[Path] | None,
    typer.Option("--ranges", help="A lab's range file layered over the defaults (repeatable)."),
]


def _rows_json(table: "RangeTable", analyte: str | None = None) -> str:
    import json

    rows = [
        {
            "analyte": r.analyte,
            "sex": r.sex,
            "age_from": str(r.age_from),
            "age_to": str(r.age_to) if r.age_to else None,
            "condition": r.condition,
            "low": r.low,
            "high": r.high,
            "critical_low": r.critical_low,
            "critical_high": r.critical_high,
            "unit": r.unit,
            "source": r.source,
            "origin": r.origin,
            "layer": r.layer,
        }
        for r in table.rows
        if analyte is None or r.analyte == analyte
    ]
    return json.dumps(rows, indent=2)


@ranges_app.command("list")
def ranges_list(
    ranges: RangesOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """List every loaded range row and the file it comes from."""
    table = default_ranges(_range_files(ranges))
    if as_json:
        sys.stdout.write(_rows_json(table) + "\n")
        return
    from cbc_cli.render import ranges_view

    _print(ranges_view(table.rows, "Loaded from: " + ", ".join(table.sources)))


@ranges_app.command("show")
def ranges_show(
    analyte: Annotated[str, typer.Argument(help="Analyte id, alias or LOINC code.")],
    ranges: RangesOpt = None,
    sex: Annotated[str | None, typer.Option(help="Show the row chosen for this sex.")] = None,
    age: Annotated[str | None, typer.Option(help="... and this age.")] = None,
    pregnant: Annotated[int | None, typer.Option(help="... and this trimester.")] = None,
    profile: Annotated[list[str] | None, typer.Option(help="... and this profile.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Show the rows for one analyte, their sources, and which applies to a person."""
    found = find_analyte(analyte)
    if found is None:
        raise UsageError(f"unknown analyte {analyte!r}", hint="known: " + ", ".join(ANALYTES))
    table = default_ranges(_range_files(ranges))
    if as_json:
        sys.stdout.write(_rows_json(table, found.id) + "\n")
        return
    from rich.text import Text

    from cbc_cli.render import range_sources_view, ranges_view

    rows = table.rows_for(found.id)
    if any(v is not None for v in (sex, age, pregnant)) or profile:
        patient = build_patient(sex=sex, age=age, pregnant=pregnant, profiles=profile or ())
        chosen = table.select(found.id, patient)
        if chosen.range:
            line = f"Applies: {chosen.range.origin} ({chosen.range.describe()})"
        elif chosen.candidates:
            line = (
                f"No single range: {chosen.reason}; a value is judged against the "
                f"{len(chosen.candidates)} rows that could apply (low only when below all of "
                "them, high only when above all, normal only when within all)"
            )
        else:
            line = f"None applies: {chosen.reason}"
        _print(Text(line, style="bold"))
    _print(ranges_view(rows, f"{found.name} ({found.id}), unit {found.unit}"))
    _print(range_sources_view(type(table)(rows)))


@ranges_app.command("validate")
def ranges_validate(
    files: Annotated[list[Path], typer.Argument(help="Range files to check.")],
    complete: Annotated[
        bool,
        typer.Option(
            "--complete",
            help="Also require every analyte with an age band to cover all ages from 0d, for "
            "each sex, without a gap (as the shipped defaults do).",
        ),
    ] = False,
    limit: LimitOpt = None,
) -> None:
    """Check lab range files: syntax, analytes, units, limits, overlapping bands (and gaps)."""
    from cbc_cli.ranges import check_layer, load_range_file

    limits = parse_limits(limit or [])
    for path in files:
        rows = load_range_file(path, 1, limits)
        check_layer(rows, complete=complete)
        typer.echo(f"{path}: {len(rows)} rows, valid{', no gaps' if complete else ''}")


@app.command()
def schema(
    ranges_file: Annotated[
        bool, typer.Option("--ranges", help="Print the schema of a range file instead.")
    ] = False,
    trend: Annotated[
        bool, typer.Option("--trend", help="Print the schema of cbc trend's JSON instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of cbc check's JSON output (or of trend's, or of a range file)."""
    import json

    from cbc_cli.api import schema_document

    if ranges_file and trend:
        raise UsageError("--ranges and --trend each choose a schema", hint="give one of them")
    document = schema_document("trend" if trend else "ranges" if ranges_file else "result")
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


_HERE = ("check", "explain", "ranges", "schema")
"""Commands defined in this module; the others live in their own modules (cli_trend)."""


def _app_for(argv: list[str]) -> typer.Typer:
    """The app with only the subcommand being run: Typer builds every command's parameters on
    each run, which costs more start-up time than interpreting a sample."""
    wanted = next((a for a in argv if not a.startswith("-")), None)
    if wanted not in _HERE:
        import cbc_cli.cli_trend  # noqa: F401 - registers `cbc trend` on the app
    commands = [
        c
        for c in app.registered_commands
        if (c.name or (c.callback.__name__ if c.callback else "")) == wanted
    ]
    groups = [g for g in app.registered_groups if g.name == wanted]
    if not commands and not groups:
        return app  # no subcommand, --help, --version or an unknown name: the full app says
    small = typer.Typer(
        name=app.info.name,
        help=app.info.help,
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings=_CONTEXT,
    )
    small.registered_callback = app.registered_callback
    small.registered_commands = commands
    small.registered_groups = groups
    return small


def _bare_traceback(exc: BaseException) -> str:
    """The traceback of an unexpected error and of the errors it came from, with each error's
    class but not its message: a message may quote a cell of the input (a patient value).
    Notes (a worker's own traceback, made the same way) are kept."""
    import traceback

    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        notes = "".join(f"{n}\n" for n in getattr(current, "__notes__", ()))
        parts.append(
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_tb(current.__traceback__))
            + f"{current.__class__.__module__}.{current.__class__.__qualname__} "
            "(message not shown: it may hold a value from the input)\n" + notes
        )
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\nThe error above led to the one below:\n\n".join(reversed(parts))


def _die(message: str, code: int) -> NoReturn:
    sys.stderr.write(f"cbc: {message}\n")
    sys.exit(code)


# Errors that say the output could not be written (the disk or a quota is full), not a bug.
_DEVICE_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def entry() -> NoReturn:
    """The ``cbc`` command: ``main``, then an end without the interpreter's teardown.

    Freeing every module and object at exit takes 40-50 ms once numpy is loaded, and nothing is
    left to do by then: every file cbc opened is closed, and the standard streams are flushed
    here.
    """
    try:
        main()
    except SystemExit as done:
        status = done.code if isinstance(done.code, int) else 0 if done.code is None else 1
        if isinstance(done.code, str) and sys.stderr is not None:
            sys.stderr.write(done.code + "\n")
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # None when cbc was started with it closed
                    stream.flush()
        except OSError as exc:
            if status < 2:  # else the run has said what went wrong (the same, most likely)
                with contextlib.suppress(OSError, AttributeError):
                    sys.stderr.write(f"cbc: error: could not write the output ({exc.strerror})\n")
                    sys.stderr.flush()
                status = 70
        os._exit(status)


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the command line and exit with the documented code."""
    if hasattr(signal, "SIGPIPE"):
        # `cbc ... | head` closes the pipe early: end quietly as other Unix tools do.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    command = typer.main.get_command(_app_for(sys.argv[1:] if argv is None else argv))
    forget_fate()
    try:
        code = command.main(args=argv, prog_name="cbc", standalone_mode=False)
        if code == 130:  # Typer turns Ctrl-C into this code before it reaches the handler below
            _die(f"interrupted{fate()}", 130)
    except CbcError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        _die(f"error: {exc.message}{hint}{fate(exc)}", exc.exit_code)
    except KeyboardInterrupt as exc:
        _die(f"interrupted{fate(exc)}", 130)
    except Terminated as exc:  # SIGTERM while an output file was open
        _die(f"terminated{fate(exc)}", 143)
    except Exception as exc:
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            # Typer's own usage errors (unknown option, bad choice): one line, exit 2.
            message = exc.format_message().replace("\n", " ")
            if not message.strip():
                # A command given nothing to do (a bare `cbc`): its help was shown; nothing to
                # add but the usage-error code.
                sys.exit(2)
            ctx = getattr(exc, "ctx", None)
            where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            _die(f"error: {message}{where}", 2 if exc.exit_code in (1, 2) else exc.exit_code)
        if isinstance(exc, OSError) and exc.errno in _DEVICE_FULL:
            _die(f"error: could not write the output ({exc.strerror}){fate(exc)}", 70)
        if os.environ.get("CBC_DEBUG"):
            sys.stderr.write(_bare_traceback(exc))
        _die(
            f"internal error (a bug): {exc.__class__.__name__}{fate(exc)}. Run again with "
            "CBC_DEBUG=1 to see the traceback, and please report it.",
            70,
        )
    sys.exit(code if isinstance(code, int) else 0)
