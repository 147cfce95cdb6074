"""cbc-cli: interpret complete blood counts against fitting reference ranges and grading schemes.

Information only; not a medical device. The public API::

    from cbc_cli import interpret, interpret_file
    result = interpret({"hgb": "9.1", "anc": "0.8", "plt": "62"}, sex="female", temp=38.5)
    result.to_dict()                        # plain data; result.to_json() for JSON text
    for result in interpret_file("results.csv", grading="ctcae6"):
        ...

Keywords match the ``cbc check`` options (``KEYWORDS`` maps each to its option).
"""

from cbc_cli.api import (
    KEYWORDS,
    build_panel,
    build_patient,
    interpret,
    interpret_file,
    make_report,
    parse_lab_range,
    resolve_scheme,
    schema_document,
)
from cbc_cli.errors import CbcError, InputError, RangeFileError, UsageError
from cbc_cli.models import Finding, Report, Result
from cbc_cli.panel import LabRange, Panel, Patient

__version__ = "0.1.0"

__all__ = [
    "KEYWORDS",
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
    "interpret_file",
    "make_report",
    "parse_lab_range",
    "resolve_scheme",
    "schema_document",
]
