"""The ``cbc ranges`` commands: list the reference ranges loaded, show one analyte's rows and
which applies to a person, validate a lab's range files."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.api import build_patient, default_ranges
from cbc_cli.cli.options import CONTEXT, ConfigOpt, LimitOpt, PresetOpt, print_view, settings
from cbc_cli.errors import UsageError
from cbc_cli.limits import parse_limits
from cbc_cli.wording import plural

if TYPE_CHECKING:
    from cbc_cli.ranges import RangeTable

ranges_app = typer.Typer(
    help="Show the reference ranges loaded, or check a lab's range file.",
    no_args_is_help=True,
    context_settings=CONTEXT,
)


RangesOpt = Annotated[
    list[Path] | None,
    typer.Option("--ranges", help="A lab's range file layered over the defaults (repeatable)."),
]


def _loaded(ranges: list[Path] | None, config: Path | None, preset: str | None) -> "RangeTable":
    """The ranges ``cbc check`` would judge by here: the shipped ones with the lab's files from
    the settings (CBC_RANGES, --config, ./cbc.toml, ...) and --ranges layered above them."""
    chosen = settings(config, preset, ranges=[str(p) for p in ranges or []])
    return default_ranges(chosen.range_files())


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
    config: ConfigOpt = None,
    preset: PresetOpt = None,
) -> None:
    """List every loaded range row and the file it comes from."""
    table = _loaded(ranges, config, preset)
    if as_json:
        sys.stdout.write(_rows_json(table) + "\n")
        return
    from cbc_cli.render import ranges_view

    print_view(ranges_view(table.rows, "Loaded from: " + ", ".join(table.sources)))


@ranges_app.command("show")
def ranges_show(
    analyte: Annotated[str, typer.Argument(help="Analyte id, alias or LOINC code.")],
    ranges: RangesOpt = None,
    sex: Annotated[str | None, typer.Option(help="Show the row chosen for this sex.")] = None,
    age: Annotated[str | None, typer.Option(help="... and this age.")] = None,
    pregnant: Annotated[int | None, typer.Option(help="... and this trimester.")] = None,
    profile: Annotated[list[str] | None, typer.Option(help="... and this profile.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
) -> None:
    """Show the rows for one analyte, their sources, and which applies to a person."""
    found = find_analyte(analyte)
    if found is None:
        raise UsageError(
            f"unknown analyte {analyte!r}", field="analyte", hint="known: " + ", ".join(ANALYTES)
        )
    table = _loaded(ranges, config, preset)
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
                f"{plural(len(chosen.candidates), 'row')} that could apply (low only when below "
                "all of them, high only when above all, normal only when within all)"
            )
        else:
            line = f"None applies: {chosen.reason}"
        print_view(Text(line, style="bold"))
    print_view(ranges_view(rows, f"{found.name} ({found.id}), unit {found.unit}"))
    print_view(range_sources_view(type(table)(rows)))


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
        typer.echo(f"{path}: {plural(len(rows), 'row')}, valid{', no gaps' if complete else ''}")
