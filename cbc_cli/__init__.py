"""cbc-cli: interpret complete blood counts against fitting reference ranges and grading schemes.

Information only; not a medical device. The public API::

    from cbc_cli import interpret
    result = interpret({"hgb": "9.1", "anc": "0.8", "plt": "62"}, sex="female", age=54)
"""

from cbc_cli.api import (
    build_panel,
    build_patient,
    interpret,
    make_report,
    parse_lab_range,
    resolve_scheme,
)
from cbc_cli.errors import CbcError, InputError, RangeFileError, UsageError
from cbc_cli.models import Finding, Report, Result
from cbc_cli.panel import LabRange, Panel, Patient

__version__ = "0.1.0"

__all__ = [
    "CbcError",
    "Finding",
    "InputError",
    "LabRange",
    "Panel",
    "Patient",
    "RangeFileError",
    "Report",
    "Result",
    "UsageError",
    "__version__",
    "build_panel",
    "build_patient",
    "interpret",
    "make_report",
    "parse_lab_range",
    "resolve_scheme",
]
