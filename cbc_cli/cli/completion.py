"""``cbc completion SHELL``: print the script that makes a shell complete cbc's commands,
options and choices.

The script calls ``cbc`` with ``_CBC_COMPLETE`` set whenever Tab is pressed;
:func:`cbc_cli.cli.app.main` then answers through Typer's completion. Typer's own
``--install-completion``/``--show-completion`` options are left off: they would be built on
every run (and detect the shell on start-up) for a script printed once.
"""

from enum import StrEnum
from typing import Annotated

import typer

COMPLETE_VAR = "_CBC_COMPLETE"
"""The variable the completion script sets when it asks cbc for completions."""


class Shell(StrEnum):
    """The shells `cbc completion` writes a script for."""

    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion_script(shell: str) -> str:
    """The completion script of ``cbc`` for ``shell`` (bash, zsh or fish)."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="cbc", complete_var=COMPLETE_VAR, shell=shell)


def completion(
    shell: Annotated[
        Shell,
        typer.Argument(help="The shell: bash, zsh or fish.", show_default=False),
    ],
) -> None:
    """Print the shell completion script for cbc (source it from the shell's start-up file)."""
    typer.echo(completion_script(shell.value))
