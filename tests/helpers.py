"""Helpers shared by the test modules."""

from __future__ import annotations

import pytest

from cbc_cli.cli import main
from cbc_cli.models import Result


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
