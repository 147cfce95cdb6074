"""What the commands share: the option types and enums, the console, the range files named by
CBC_RANGES and --ranges, standard input, and the --fail-on exit code.

An edge module: it reads the environment (CBC_RANGES) and standard input for the commands.
"""

import io
import os
import sys
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from cbc_cli.models import Urgency

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from cbc_cli.config import Settings

# -h as well as --help, on every command.
CONTEXT = {"help_option_names": ["-h", "--help"]}


class OutputFormat(StrEnum):
    """What `cbc check --format` writes (README, Outputs)."""

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
    """What `--input-format` reads a file as (``auto``: told by its name and first bytes)."""

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
    """Which results make `--fail-on` end with exit 1 (README, Exit codes)."""

    never = "never"
    abnormal = "abnormal"
    critical = "critical"


class Transplant(StrEnum):  # explanations.TRANSPLANT_KINDS (a test checks)
    """The kinds of stem-cell transplant `--transplant` takes: own cells or a donor's."""

    auto = "auto"
    allo = "allo"


class Grading(StrEnum):  # the members are grading.SCHEME_CHOICES (a test checks)
    """The grading schemes `--grading` names."""

    ctcae5 = "ctcae5"
    ctcae6 = "ctcae6"
    ctcae4 = "ctcae4"
    daids = "daids"


def make_console(stderr: bool = False) -> "Console":
    """A Rich console on standard output (or error) without highlighting or emoji."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False, emoji=False)


def print_view(renderable: "RenderableType") -> None:
    """Print a Rich view on standard output."""
    make_console().print(renderable)


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
    InputFormat | None,
    typer.Option(
        help="Input format (default: auto, detected from the content; also CBC_INPUT_FORMAT).",
        show_default=False,
        rich_help_panel="Files",
    ),
]
ColumnOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="Map a column the aliases do not know: NAME=ANALYTE (repeatable).",
        rich_help_panel="Files",
    ),
]
SkipLinesOpt = Annotated[
    int | None,
    typer.Option(
        min=0,
        help="Lines above the header to skip (default: the header is found in the first 30 lines).",
        rich_help_panel="Files",
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        help="The sheet of an .xlsx/.ods file: its name or position from 1 (default: the first).",
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
    Grading | None,
    typer.Option(
        help="Grading scheme (default: ctcae5; also CBC_SCHEME).",
        show_default=False,
        rich_help_panel="Ranges and grading",
    ),
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
        help="Processes that judge a large CSV export side by side (default: one per CPU, at "
        "most 4; 1 keeps to one process).",
        show_default=False,
        rich_help_panel="Files",
    ),
]
DateFormatOpt = Annotated[
    str | None,
    typer.Option(
        help="How dates with the year last are read: dmy (31.12.2024, 31/12/2024), mdy "
        "(12/31/2024), ymd, or a strptime pattern such as %d/%m/%Y. Default: only dates whose "
        "order is plain (03/04/2024 is refused).",
        show_default=False,
        rich_help_panel="Files",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="A settings file (cbc.toml syntax; also CBC_CONFIG), read in place of ./cbc.toml "
        "and over the user's; options and CBC_* variables override it (README, Config files "
        "and presets).",
        show_default=False,
        rich_help_panel="Settings",
    ),
]
PresetOpt = Annotated[
    str | None,
    typer.Option(
        "--preset",
        help="A shipped settings preset for a common export (cbc presets list; also CBC_PRESET).",
        show_default=False,
        rich_help_panel="Settings",
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


def settings(config: Path | None, preset: str | None, **options: object) -> "Settings":
    """The settings in force for ``cbc check``, ``cbc trend`` and ``cbc config show``: options
    over CBC_* variables over --config/CBC_CONFIG over --preset/CBC_PRESET over ./cbc.toml (not
    read when --config or CBC_CONFIG names a file) over the user's cbc.toml (README, Config files
    and presets). The environment and the working folder are read here, at the edge."""
    from cbc_cli.config import resolve

    try:
        cwd: Path | None = Path.cwd()
    except OSError:  # the working folder was removed: it holds no cbc.toml
        cwd = None
    return resolve(options=options, config=config, preset=preset, environ=os.environ, cwd=cwd)


def stdin_bytes() -> BinaryIO:
    """Standard input as a buffered byte stream that can be peeked (call once per run)."""
    raw = sys.stdin.buffer
    if hasattr(raw, "peek"):
        return raw
    return io.BufferedReader(raw)  # type: ignore[type-var]


def fail_code(urgencies: Counter[Urgency | None], fail_on: FailOn) -> int:
    """The exit code --fail-on asks for, given the urgencies of a run (0 or 1)."""
    if fail_on is FailOn.abnormal and any(n for u, n in urgencies.items() if u != "none"):
        return 1
    if fail_on is FailOn.critical and urgencies.get("now"):
        return 1
    return 0
