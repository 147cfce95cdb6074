"""Where a command's output goes: standard output, or a file written whole or not at all.

``-o FILE`` is written to a temporary file beside FILE (same folder, so the rename is atomic)
and renamed over FILE only when the run ends without an error. A run that stops early (an input
error that ends it, Ctrl-C or SIGTERM, a worker that died, a full disk, a bug) removes the
temporary file and leaves FILE as it was; with ``--partial`` what was written is renamed into
place instead, and the error says up to which input line it goes. The error says which
happened: the text is attached to the exception (:func:`fate`) and the CLI adds it to its one
line.

An edge module: it touches the file system and signals, never the rules.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import TextIO

from cbc_cli.errors import UsageError

_FATE = "_cbc_output"


class Terminated(BaseException):
    """SIGTERM came while an output file was open: raised to unwind the run, so that the file is
    discarded (or kept with --partial) instead of left half-written beside the target."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


_last_fate = [""]
"""The fate of the last output ended by an error: Typer turns Ctrl-C into an exit code and
drops the exception that carried it."""


def fate(exc: BaseException | None = None) -> str:
    """What became of the output file when ``exc`` ended the run ("" when nothing to say),
    ready to add to the error line: ``; no output was written (out.csv is unchanged)``. Without
    ``exc``, that of the last output an error ended."""
    text = _last_fate[0] if exc is None else getattr(exc, _FATE, "")
    return text if isinstance(text, str) else ""


def forget_fate() -> None:
    """Start a run: no output has ended yet (the CLI may run more than once in one process)."""
    _last_fate[0] = ""


def _set_fate(exc: BaseException, text: str) -> None:
    setattr(exc, _FATE, text)
    _last_fate[0] = text


def check_target(path: Path | None, inputs: Iterable[str | Path | None]) -> None:
    """Refuse an output path that cannot be written or that is one of the inputs.

    Called before anything is read: writing over the input would destroy it (read back as it is
    written, it can also grow without end). A symbolic or hard link to an input is the input;
    ``-`` (standard input) never names a file.

    Raises:
        UsageError: a folder, a missing folder, or an input file (exit 2).
    """
    if path is None:
        return
    shown = str(path)
    real = os.path.realpath(path)
    if os.path.isdir(real):
        raise UsageError(
            f"{{output}} {shown} is a folder",
            code="output.invalid",
            field="output",
            hint="give a file name, e.g. {output} out.csv",
        )
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise UsageError(
            f"{{output}} {shown}: the folder {os.path.dirname(shown) or folder} does not exist",
            code="output.invalid",
            field="output",
            hint="create it first, or give another path",
        )
    for name in inputs:
        if name is None or str(name) == "-":
            continue
        same = os.path.realpath(name) == real
        if not same and os.path.exists(real) and os.path.exists(name):
            with suppress(OSError):
                same = os.path.samefile(name, real)
        if same:
            raise UsageError(
                f"{{output}} {shown} is the input file {name}: writing it would destroy the input",
                code="output.invalid",
                field="output",
                hint="give another output file",
            )


class OutputTarget:
    """Standard output, or ``path`` written atomically; use as a context manager.

    ``stream`` is what to write to. ``through`` is the last input line whose output has been
    handed to ``stream`` (the caller keeps it up to date), for the message of a partial file.
    """

    def __init__(self, path: Path | None, *, partial: bool = False) -> None:
        self.path = path
        self.partial = partial
        self.through: int | None = None
        self.stream: TextIO = sys.stdout
        self._temp: str | None = None
        self._real: str | None = None
        self._existed = False
        self._on_term: object = None
        self._term_set = False

    def __enter__(self) -> OutputTarget:
        if self.path is None:
            return self
        real = os.path.realpath(self.path)  # a symbolic link keeps pointing at the new file
        try:
            before: os.stat_result | None = os.stat(real)
        except FileNotFoundError:
            before = None
        except OSError as exc:
            raise self._unwritable(exc) from None
        try:
            if before is not None and not stat.S_ISREG(before.st_mode):
                # A device or a pipe (/dev/null, a FIFO): nothing to rename over; written as is.
                self.stream = open(real, "w", encoding="utf-8", newline="")
                return self
            import tempfile

            folder, name = os.path.split(real)
            fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        except OSError as exc:
            raise self._unwritable(exc) from None
        self._temp, self._real, self._existed = temp, real, before is not None
        with suppress(ValueError):  # not the main thread (a library caller): SIGTERM as it was
            self._on_term = signal.signal(signal.SIGTERM, _terminated)
            self._term_set = True
        try:
            # mkstemp makes the file 0600: give it the mode the target has, or a new file gets.
            os.fchmod(fd, stat.S_IMODE(before.st_mode) if before else 0o666 & ~_umask())
            self.stream = os.fdopen(fd, "w", encoding="utf-8", newline="")
        except BaseException:
            os.close(fd)
            os.unlink(temp)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.path is None:
            return
        if self._temp is None:  # a device or a pipe
            if exc is None:
                self.stream.close()
            else:
                self._close_quietly()
            return
        try:
            self._end(exc)
        finally:
            if self._term_set:  # None: a handler not set from Python, which is the default
                previous = signal.SIG_DFL if self._on_term is None else self._on_term
                signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]

    def _end(self, exc: BaseException | None) -> None:
        if exc is None:
            self._commit()  # its own failure says what became of the file
            return
        shown = str(self.path)
        if self.partial:
            try:
                self._commit()
            except BaseException as failed:  # the run's own error is the one reported
                _set_fate(exc, fate(failed))
                return
            held = f"the rows up to input line {self.through}" if self.through else "no row"
            _set_fate(exc, f"; {shown} holds {held} and is incomplete (--partial)")
            return
        self._discard()
        kept = "is unchanged" if self._existed else "was not created"
        _set_fate(exc, f"; no output was written ({shown} {kept})")

    def _commit(self) -> None:
        assert self._temp is not None
        assert self._real is not None
        with _no_interrupt():  # a Ctrl-C between the last write and the rename would lose both
            try:
                self.stream.close()
                os.replace(self._temp, self._real)
            except BaseException as exc:
                self._discard()
                kept = "is unchanged" if self._existed else "was not created"
                _set_fate(exc, f"; no output was written ({self.path} {kept})")
                raise

    def _discard(self) -> None:
        with _no_interrupt():
            self._close_quietly()
            if self._temp is not None:
                with suppress(FileNotFoundError):
                    os.unlink(self._temp)

    def _close_quietly(self) -> None:
        # Closing flushes what is buffered: on a full disk that fails, and nothing is kept.
        with suppress(OSError):
            self.stream.close()
        with suppress(OSError, ValueError):
            self.stream.close()  # a failed flush can leave it open: the second close closes

    def _unwritable(self, exc: OSError) -> UsageError:
        return UsageError(
            f"{{output}} {self.path}: cannot be written ({exc.strerror})",
            code="output.invalid",
            field="output",
            hint="give a file in a folder you can write to",
        )


def _umask() -> int:
    mask = os.umask(0o022)  # read by setting it; set back at once
    os.umask(mask)
    return mask


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """SIGINT and SIGTERM held back: delivered, if they came, when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
