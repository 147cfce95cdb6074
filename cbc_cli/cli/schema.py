"""The ``cbc schema`` command: the JSON Schemas of cbc's JSON outputs and of a range file."""

import sys
from typing import Annotated

import typer

from cbc_cli.errors import UsageError


def schema(
    ranges_file: Annotated[
        bool, typer.Option("--ranges", help="Print the schema of a range file instead.")
    ] = False,
    trend: Annotated[
        bool, typer.Option("--trend", help="Print the schema of cbc trend's JSON instead.")
    ] = False,
    brief: Annotated[
        bool,
        typer.Option("--brief", help="Print the schema of cbc check's --brief JSON instead."),
    ] = False,
) -> None:
    """Print the JSON Schema of cbc check's JSON output (or of trend's, or of a range file)."""
    import json

    from cbc_cli.api import schema_document

    if ranges_file + trend + brief > 1:
        raise UsageError(
            "--ranges, --trend and --brief each choose a schema",
            code="option.conflict",
            hint="give one of them",
        )
    kind = "trend" if trend else "ranges" if ranges_file else "brief" if brief else "result"
    document = schema_document(kind)
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
