"""The ``cbc config show`` and ``cbc presets list|show`` commands: the settings in force and the
shipped presets. The logic lives in :mod:`cbc_cli.config`."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from cbc_cli.cli.options import (
    CONTEXT,
    ColumnOpt,
    ConfigOpt,
    DateFormatOpt,
    Grading,
    InputFormat,
    LabRangesOpt,
    PresetOpt,
    UnitOpt,
    settings,
)

config_app = typer.Typer(
    help="Show the settings in force (cbc.toml files, presets, CBC_* variables, options).",
    no_args_is_help=True,
    context_settings=CONTEXT,
)
presets_app = typer.Typer(
    help="List the shipped settings presets, or print one to copy as cbc.toml.",
    no_args_is_help=True,
    context_settings=CONTEXT,
)


@config_app.command("show")
def config_show(
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    grading: Annotated[Grading | None, typer.Option(show_default=False)] = None,
    input_format: Annotated[InputFormat | None, typer.Option(show_default=False)] = None,
    column: ColumnOpt = None,
    unit: UnitOpt = None,
    ranges: LabRangesOpt = None,
    date_format: DateFormatOpt = None,
) -> None:
    """Print the settings cbc check and cbc trend would use here, as TOML, each with its origin."""
    chosen = settings(
        config,
        preset,
        grading=grading.value if grading else None,
        input_format=input_format.value if input_format else None,
        date_format=date_format,
        columns=column,
        units=unit,
        ranges=[str(Path(p)) for p in ranges or []],
    )
    sys.stdout.write(chosen.show())


@presets_app.command("list")
def presets_list() -> None:
    """List the shipped presets with what each is for."""
    from cbc_cli.config import preset_description, preset_names

    names = preset_names()
    width = max(len(n) for n in names)
    for name in names:
        sys.stdout.write(f"{name:<{width}}  {preset_description(name)}\n")


@presets_app.command("show")
def presets_show(
    name: Annotated[str, typer.Argument(help="The preset's name (cbc presets list).")],
) -> None:
    """Print a preset's TOML: save it as cbc.toml and edit it (cbc presets show NAME > cbc.toml)."""
    from cbc_cli.config import preset_text

    sys.stdout.write(preset_text(name))
