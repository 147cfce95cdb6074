"""The ``cbc`` app: its commands put together, and the process around them (exit codes, the
one-line errors, the end without the interpreter's teardown).

Each command lives in its own module (check, check_file, trend, explain, ranges, schema) and
what they share in options; this module imports a command's module only when that command runs,
and no command module imports this one.
"""

import contextlib
import errno
import os
import signal
import sys
from typing import Annotated, Literal, NoReturn

import typer

from cbc_cli import __version__
from cbc_cli.cli.options import CONTEXT
from cbc_cli.errors import CODES, CbcError
from cbc_cli.output import Terminated, fate, forget_fate

COMMANDS = ("check", "explain", "schema", "trend", "ranges", "config", "presets", "completion")
"""The commands, in the order ``cbc --help`` lists them."""


EXIT_CODES = {"usage": 2, "input": 3, "settings": 4, "internal": 70}
"""The exit code of each kind of error code (README, Exit codes; docs/errors.md)."""

_OPTIONS = {
    "output": "-o",
    "format": "--format",
    "jobs": "--jobs",
    "patient": "--patient",
    "since": "--since",
    "transfusion": "--transfusion",
    "analyte": "--analyte",
}


def option_name(keyword: str) -> str:
    """The option of ``cbc`` that gives a library keyword (``age`` -> ``--age``)."""
    from cbc_cli.api import KEYWORDS

    return KEYWORDS.get(keyword) or _OPTIONS.get(keyword) or "--" + keyword.replace("_", "-")


def exit_code(error: CbcError) -> int:
    """The exit code of an error: that of its code's kind (a code not in CODES: its class's)."""
    known = CODES.get(error.code)
    return EXIT_CODES[known.kind if known else error.kind]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cbc {__version__}")
        raise typer.Exit


def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Interpret complete blood counts."""


RICH_HELP_FROM = 100
"""The narrowest terminal (columns) that gets the help in Rich's panels: below it Rich cuts
option names (``--no-formula-gu…``), so the help is Click's plain layout, which wraps instead."""


def help_markup() -> Literal["rich"] | None:
    """How help is laid out: Rich's panels on a wide terminal, Click's plain layout (every option
    name whole, help text wrapped) on a narrow one, in a pipe or a file."""
    import shutil

    return "rich" if shutil.get_terminal_size((80, 24)).columns >= RICH_HELP_FROM else None


def build_app(only: str | None = None) -> typer.Typer:
    """The cbc app; with ``only``, the app with just that command.

    Typer builds every registered command's parameters on each run, which costs more start-up
    time than interpreting a sample: a run registers only the command it runs.
    """
    markup = help_markup()
    app = typer.Typer(
        name="cbc",
        help="Interpret complete blood counts: reference ranges, grades, plain-language flags.\n\n"
        "Information only; not a medical device.",
        add_completion=False,
        no_args_is_help=True,
        rich_markup_mode=markup,
        pretty_exceptions_enable=False,
        context_settings=CONTEXT,
    )
    app.callback()(_root)
    from cbc_cli.cli import examples

    def epilog(lines: tuple[str, ...]) -> str:
        return examples.epilog(lines, plain=markup is None)

    wanted = COMMANDS if only is None else (only,)
    if "check" in wanted:
        from cbc_cli.cli.check import check

        app.command(epilog=epilog(examples.CHECK))(check)
    if "explain" in wanted:
        from cbc_cli.cli.explain import explain

        app.command(epilog=epilog(examples.EXPLAIN))(explain)
    if "schema" in wanted:
        from cbc_cli.cli.schema import schema

        app.command(epilog=epilog(examples.SCHEMA))(schema)
    if "trend" in wanted:
        from cbc_cli.cli.trend import trend

        app.command(epilog=epilog(examples.TREND))(trend)
    if "ranges" in wanted:
        from cbc_cli.cli.ranges import ranges_app

        app.add_typer(ranges_app, name="ranges", epilog=epilog(examples.RANGES))
    if "config" in wanted:
        from cbc_cli.cli.config import config_app

        app.add_typer(config_app, name="config")
    if "presets" in wanted:
        from cbc_cli.cli.config import presets_app

        app.add_typer(presets_app, name="presets")
    if "completion" in wanted:
        from cbc_cli.cli.completion import completion

        app.command(epilog=epilog(examples.COMPLETION))(completion)
    return app


def _app_for(argv: list[str]) -> typer.Typer:
    """The app with only the subcommand being run (the full app for none, --help, --version or
    an unknown name, so that it can say what there is)."""
    wanted = next((a for a in argv if not a.startswith("-")), None)
    return build_app(wanted if wanted in COMMANDS else None)


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

    numpy's OpenBLAS is held to one thread unless the caller chose otherwise: cbc does no
    linear algebra, and starting a thread per core when numpy is imported cost about 50 ms of
    every file run on a 2-core machine (measured with ``python -c "import numpy"``).
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
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
    if "_CBC_COMPLETE" in os.environ:
        # The shell asks for completions (the script of `cbc completion`): Typer's completion
        # classes answer, registered only then.
        from typer._completion_classes import completion_init

        completion_init()
    command = typer.main.get_command(_app_for(sys.argv[1:] if argv is None else argv))
    forget_fate()
    try:
        code = command.main(args=argv, prog_name="cbc", standalone_mode=False)
        if code == 130:  # Typer turns Ctrl-C into this code before it reaches the handler below
            _die(f"interrupted{fate()}", 130)
    except CbcError as exc:
        message, hint = exc.render(option_name)
        shown = f" ({hint})" if hint else ""
        _die(f"error: {message}{shown}{fate(exc)}", exit_code(exc))
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
