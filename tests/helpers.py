"""Helpers shared by the test modules."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import BinaryIO

import pytest

from cbc_cli.api import default_ranges, resolve_scheme
from cbc_cli.batch import BatchStats
from cbc_cli.cli import main
from cbc_cli.columnar import ColumnarCsv, plan
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import Result
from cbc_cli.panel import Patient
from cbc_cli.readers.source import Source, open_source


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``cbc ARGV`` in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


def flags(result: Result) -> dict[str, str | None]:
    """Each analyte's flag."""
    return {a.analyte: a.flag for a in result.analytes}


def interpretation(result: Result) -> tuple[object, ...]:
    """What must survive a round trip through HL7 or FHIR: flags, grades, findings, urgency."""
    return (
        flags(result),
        result.grades,
        [(f.code, f.grade, f.pattern) for f in result.findings],
        result.urgency,
    )


def columnar_runner(
    path: Path,
    scheme_id: str = "ctcae5",
    *,
    jobs: int = 1,
    stream: BinaryIO | None = None,
    limits: Limits = DEFAULT_LIMITS,
    sink: str = "csv",
) -> tuple[ColumnarCsv, Source]:
    """A columnar run of the export at ``path`` (or of its header, then ``stream`` as stdin),
    writing to a StringIO, and its source for the caller to close."""
    source = open_source(str(path))
    fast = plan(source, "auto", {}, {}, limits)
    assert fast is not None
    if stream is not None:
        source.close()
        source = Source(stream, "stdin")
    runner = ColumnarCsv(
        fast=fast,
        source=source,
        ranges=default_ranges(),
        scheme=resolve_scheme(scheme_id),
        context=Patient(),
        out=io.StringIO(),
        formula_guard=True,
        stats=BatchStats(),
        columns={},
        units={},
        jobs=jobs,
        limits=limits,
        sink=sink,
    )
    return runner, source


class QuietPipe(io.BytesIO):
    """Gives its bytes, then blocks as a pipe whose writer has gone quiet."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__(data)
        self.limit = limit
        self.more = threading.Event()
        self.waiting = threading.Event()
        """Set once a read has found the pipe quiet (everything before it has been read)."""

    def peek(self, size: int = 1) -> bytes:
        """The next bytes without consuming them, as a buffered stdin gives them."""
        return self.getvalue()[self.tell() : min(self.limit, self.tell() + max(size, 1))]

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.limit:
            self.waiting.set()
            self.more.wait(20)
            return b""
        return super().read(size)
