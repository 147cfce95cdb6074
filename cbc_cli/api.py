"""The library API: build a panel from plain values and context, interpret it, wrap results.

The CLI is a thin layer over these functions, so that ``cbc check --format json`` and
``interpret(...)`` give the same result.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from io import TextIOBase
from os import PathLike, fspath
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, BinaryIO

from cbc_cli.analytes import get_analyte
from cbc_cli.engine import interpret_panel
from cbc_cli.errors import InputError, UsageError
from cbc_cli.grading import (
    DEFAULT_SCHEME,
    SCHEME_ALIASES,
    SCHEME_CHOICES,
    SCHEMES,
    Scheme,
    context_error,
    load_scheme,
    missing_context,
)

# scheme_info lives with the schemes (the trend core uses it too); the library API names it.
from cbc_cli.grading import scheme_info as scheme_info  # noqa: PLC0414
from cbc_cli.keywords import PERSON_KEYWORDS
from cbc_cli.limits import DEFAULT_LIMITS, Limits, parse_limits
from cbc_cli.models import Report, Result, carry_moments, identified, json_schema
from cbc_cli.panel import LabRange, Panel, Patient
from cbc_cli.parse import (
    Moment,
    build_patient,
    check_date_format,
    parse_moment,
    parse_range_text,
)
from cbc_cli.ranges import RangeTable, load_ranges
from cbc_cli.units import Quantity, to_canonical

if TYPE_CHECKING:
    from cbc_cli.readers import Input
    from cbc_cli.readers.source import Source


@cache
def default_ranges(extra: tuple[str, ...] = (), limits: Limits = DEFAULT_LIMITS) -> RangeTable:
    """The shipped ranges with ``extra`` files layered above them (cached per list of files),
    each read within ``limits.ranges_file``."""
    return load_ranges([Path(p) for p in extra], limits=limits)


def resolve_scheme(name: str | None) -> Scheme:
    """Load a grading scheme by id or alias (``daids`` is DAIDS v2.1).

    Raises:
        UsageError: unknown scheme.
    """
    key = (name or DEFAULT_SCHEME).strip().lower()
    key = SCHEME_ALIASES.get(key, key)
    if key not in SCHEMES:
        raise UsageError(
            f"unknown grading scheme {name!r}",
            code="scheme.unknown",
            field="grading",
            hint="use " + ", ".join(SCHEME_CHOICES),
        )
    return load_scheme(key)


def require_context(scheme: Scheme, patient: Patient) -> None:
    """Refuse a person without what ``scheme`` grades by (DAIDS v2.1: age and sex).

    Raises:
        UsageError: ``patient.age_required`` or ``patient.sex_required`` (field ``age`` or
            ``sex``). A file's sample without them becomes an error row instead (cbc_cli.batch).
    """
    need = missing_context(scheme, patient)
    if need is not None:
        raise context_error(scheme, need)


def parse_lab_range(text: str) -> tuple[str, LabRange]:
    """Read ``--lab-range`` text such as ``hgb=12.0-15.5`` or ``plt=150-400 10^3/uL``.

    Raises:
        UsageError: no ``=``; InputError: unknown analyte or unreadable range.
    """
    name, sep, rng = text.partition("=")
    if not sep:
        raise UsageError(
            f"{{lab_range}} {text!r} needs the form ANALYTE=LOW-HIGH",
            field="lab_range",
            hint="e.g. {lab_range} hgb=12.0-15.5",
        )
    analyte = get_analyte(name)
    lab = parse_range_text(rng, analyte.id)
    return analyte.id, LabRange(lab.low, lab.high, "lab range given with --lab-range")


def build_panel(
    values: Mapping[str, str | float],
    *,
    patient: Patient | None = None,
    lab_ranges: Mapping[str, str] | None = None,
    sample_id: str | None = None,
    collected: str | date | None = None,
    date_format: str | None = None,
) -> Panel:
    """Read values (``{"hgb": "9.1", "plt": "62 10^3/uL"}``) into a panel.

    Keys may be ids, aliases or LOINC codes; a bare number is in the canonical unit. A lab's
    flag printed with a value (``"9.1 L"``, ``"*12.0"``) is kept to compare with cbc's.
    ``collected`` (a date, or a text :func:`cbc_cli.parse.parse_moment` reads) is carried to the
    result's ``collected_at``.

    Raises:
        InputError: an unknown analyte, a value given twice, or a value that cannot be read.
    """
    quantities: dict[str, Quantity] = {}
    flags: dict[str, str] = {}
    for name, raw in values.items():
        analyte = get_analyte(name)
        if analyte.id in quantities:
            raise InputError(
                f"{analyte.id} is given twice ({name!r})", code="value.duplicate", field=analyte.id
            )
        text = str(raw).strip()
        if text[:1] in ("*", "!") or text[-1:] in ("L", "H", "A", "*", "!", ")"):
            # A lab's flag typed with the value ("9.1 L"): read as every reader reads it. The
            # readers load only when a value may carry one (a single check stays light).
            from cbc_cli.readers.records import split_lab_flag

            text, flag = split_lab_flag(text)
            if flag:
                flags[analyte.id] = flag
        quantities[analyte.id] = to_canonical(analyte, text)
    ranges: dict[str, LabRange] = {}
    for name, text in (lab_ranges or {}).items():
        analyte = get_analyte(name)
        ranges[analyte.id] = parse_range_text(text, analyte.id)
    moment = None
    if isinstance(collected, date):
        moment = Moment(datetime(collected.year, collected.month, collected.day), "day")
    elif collected is not None:
        moment = parse_moment(collected, "{collected}", date_format)
    return Panel(quantities, patient or Patient(), sample_id, ranges, flags, collected=moment)


# Every keyword of interpret() and interpret_file(), and the `cbc check` option it stands for. The
# CLI's spelling (temp, profile, lab_range, ranges) and the longer Python one (temperature,
# profiles, lab_ranges, range_files) are both accepted; giving both is an error.
KEYWORDS: MappingProxyType[str, str] = MappingProxyType(
    {
        **PERSON_KEYWORDS,
        "grading": "--grading",
        "ranges": "--ranges",
        "range_files": "--ranges",
        "lab_range": "--lab-range",
        "lab_ranges": "--lab-range",
        "input_format": "--input-format",
        "column": "--column",
        "columns": "--column",
        "unit": "--unit",
        "units": "--unit",
        "limit": "--limit",
        "limits": "--limit",
        "skip_lines": "--skip-lines",
        "sheet": "--sheet",
        "date_format": "--date-format",
        "config": "--config",
        "preset": "--preset",
    }
)
"""Keyword -> the ``cbc check`` option it stands for (values mean the same as there)."""
# Each person keyword (and date_format) under the name build_patient takes.
_PERSON = {
    **{keyword: keyword for keyword in PERSON_KEYWORDS},
    "profile": "profiles",
    "temp": "temperature",
    "date_format": "date_format",
}
_FILE_ONLY = ("input_format", "column", "columns", "unit", "units", "skip_lines", "sheet")
_VALUES_ONLY = ("lab_range", "lab_ranges")


def _options(
    options: Mapping[str, object], caller: str, refused: Sequence[str]
) -> dict[str, object]:
    """The options under one name each (``temp`` -> ``temperature``); TypeError when unknown."""
    accepted = [k for k in KEYWORDS if k not in refused]
    chosen: dict[str, object] = {}
    given_as: dict[str, str] = {}
    for key, value in options.items():
        if key not in accepted:
            raise TypeError(
                f"{caller}() got an unexpected keyword argument {key!r}; "
                f"accepted: {', '.join(accepted)}"
            )
        name = _PERSON.get(key) or KEYWORDS[key].lstrip("-").replace("-", "_")
        if name in chosen:
            raise TypeError(f"{caller}() got both {given_as[name]!r} and {key!r}: give one")
        chosen[name] = value
        given_as[name] = key
    profiles = chosen.get("profiles")
    if isinstance(profiles, str):
        chosen["profiles"] = (profiles,)
    return _settled(chosen)


def _settled(chosen: dict[str, object]) -> dict[str, object]:
    """Fill what the keywords leave unsaid from ``config=`` (a settings file or dict) and
    ``preset=`` (README, Config files and presets); the keywords win. No environment variable
    and no ``cbc.toml`` of the working folder or the user is read: only what the call names."""
    config, preset = chosen.pop("config", None), chosen.pop("preset", None)
    if config is None and preset is None:
        return chosen
    if preset is not None and not isinstance(preset, str):
        raise TypeError(f"preset= takes a preset's name, not {type(preset).__name__}")
    if not isinstance(config, str | PathLike | Mapping | None):
        raise TypeError(f"config= takes a path or a dict, not {type(config).__name__}")
    from cbc_cli.config import resolve

    settings = resolve(
        options={
            "grading": chosen.get("grading"),
            "input_format": chosen.get("input_format"),
            "ranges": _strings(chosen.get("ranges")),
            "columns": _strings(chosen.get("column")),
            "units": _strings(chosen.get("unit")),
            "date_format": chosen.get("date_format"),
        },
        config=config,
        preset=preset,
    )
    chosen["date_format"] = settings.date_format.value
    chosen["grading"] = settings.grading.value
    chosen["ranges"] = settings.range_files()
    chosen["input_format"] = settings.input_format.value
    chosen["column"] = settings.column_options()
    chosen["unit"] = settings.unit_options()
    return chosen


def _strings(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | PathLike):
        return [fspath(value)]
    if isinstance(value, Mapping):
        return [f"{k}={v}" for k, v in value.items()]
    return [str(v) for v in value]  # type: ignore[attr-defined]


def _context(chosen: dict[str, object]) -> tuple[Patient, Scheme, RangeTable]:
    person = {k: v for k, v in chosen.items() if k in _PERSON.values()}
    patient = build_patient(**person)  # type: ignore[arg-type]
    scheme = resolve_scheme(chosen.get("grading"))  # type: ignore[arg-type]
    table = default_ranges(tuple(_strings(chosen.get("ranges"))), _limits(chosen))
    return patient, scheme, table


def _limits(chosen: Mapping[str, object]) -> Limits:
    """``limit=["line=64MiB"]`` (or a mapping, or a ready :class:`Limits`), as ``--limit``."""
    given = chosen.get("limit")
    if isinstance(given, Limits):
        return given
    return parse_limits(_strings(given))


def interpret(values: Mapping[str, str | float] | Panel, **options: object) -> Result:
    """Interpret one complete blood count, as ``cbc check --hgb ... --format json`` does.

    Args:
        values: ``{"hgb": "9.1", "anc": 0.8, "plt": "62 10^3/uL"}`` (ids, aliases or LOINC
            codes; a value may carry its unit) or a ready :class:`Panel`.
        **options: the ``cbc check`` options by name (see :data:`KEYWORDS`): ``sex``, ``age``,
            ``dob``, ``collected``, ``pregnant``, ``profile``/``profiles`` (one name or a list),
            ``temp``/``temperature``, ``days_since_chemo``, ``transplant``, ``grading``
            (``ctcae5`` by default, ``ctcae6``, ``ctcae4``, ``daids``), ``ranges``/
            ``range_files`` (lab range files over the shipped ones), ``lab_range``/
            ``lab_ranges`` (``{"hgb": "12.0-15.5"}`` or ``["hgb=12.0-15.5"]``) and ``limit``/
            ``limits`` (``["ranges_file=8MiB"]``, a mapping, or a ``Limits``).

    Returns:
        The result; ``result.to_dict()`` is plain data, ``result.to_json()`` its JSON.

    Raises:
        TypeError: an unknown keyword (the message lists the accepted ones), or one option given
            under both its names; person options with a ready Panel (it carries its own).
        InputError, UsageError, RangeFileError: bad values, options or range files.

    Example:
        >>> r = interpret({"hgb": "9.1", "anc": "0.8", "plt": "62"}, sex="female", age=54)
        >>> [(f.code, f.grade) for f in r.findings]
        [('anemia', 2), ('neutropenia', 3), ('thrombocytopenia', 2), ('pancytopenia', None)]
    """
    chosen = _options(options, "interpret", _FILE_ONLY)
    if isinstance(values, Panel):
        person = sorted(k for k in options if k in _PERSON or k in _VALUES_ONLY)
        if person:
            raise TypeError(
                f"interpret() got {', '.join(person)} with a Panel, which carries its own "
                "person and ranges: give them to build_patient() or build_panel()"
            )
        _, scheme, table = _context(chosen)
        require_context(scheme, values.patient)
        return _interpreted(values, table, scheme)
    patient, scheme, table = _context(chosen)
    require_context(scheme, patient)
    panel = build_panel(
        values,
        patient=patient,
        collected=chosen.get("collected"),  # type: ignore[arg-type]
        date_format=chosen.get("date_format"),  # type: ignore[arg-type]
    )
    lab = dict(parse_lab_range(text) for text in _strings(chosen.get("lab_range")))
    if lab:
        panel = replace(panel, lab_ranges=lab)  # the values' lab flags and collection time kept
    return _interpreted(panel, table, scheme)


def _interpreted(panel: Panel, table: RangeTable, scheme: Scheme) -> Result:
    """The engine's result for a panel, with its typed collection time and birth date."""
    result = interpret_panel(panel, table, scheme)
    return carry_moments(result, panel.collected, panel.patient.born)


def interpret_file(source: str | PathLike[str] | BinaryIO, **options: object) -> Iterator[Result]:
    """Interpret every sample of a file, as ``cbc check FILE --format json`` does.

    The same readers and engine as the command: CSV, TSV, JSON, NDJSON, HL7 v2 and FHIR R4,
    gzip or not, detected from the content (or ``input_format=``). One result per sample, in
    input order; a sample that cannot be read is a result with ``status`` "error", never
    dropped.

    Args:
        source: a path (``str`` or ``Path``) or a binary stream (``open(p, "rb")``,
            ``sys.stdin.buffer``, ``io.BytesIO``); a stream is read, not closed.
        **options: as for :func:`interpret` (the person options fill what a row does not say),
            plus ``input_format``, ``column``/``columns`` (``["Leuko=wbc"]`` or a mapping),
            ``unit``/``units`` (``["wbc=10*3/mL"]``), ``skip_lines`` (lines above the header)
            and ``sheet`` (a workbook's sheet, name or position from 1); not ``lab_range`` (a
            file's rows carry their own ranges). ``config`` (a ``cbc.toml`` path or a dict of its
            keys) and ``preset`` (a shipped preset's name) fill what the other keywords leave
            unsaid.

    Raises:
        TypeError: an unknown keyword or a text stream. InputError, UsageError: as the command
            (a missing file, an empty input, a bad ``column`` option), raised by this call, not
            by the first step of the iteration.

    Example:
        >>> import io
        >>> csv = b"sample_id,sex,age,hgb,anc\\nA1,F,54,9.1,0.8\\n"
        >>> [r.urgency for r in interpret_file(io.BytesIO(csv))]
        ['soon']
    """
    from cbc_cli.readers import read_input  # the readers load only for files

    chosen = _options(options, "interpret_file", _VALUES_ONLY)
    context, scheme, table = _context(chosen)
    opened = _open(source)
    try:
        data = read_input(
            opened,
            str(chosen.get("input_format") or "auto"),
            _strings(chosen.get("column")),
            _strings(chosen.get("unit")),
            limits=_limits(chosen),
            skip_lines=_whole_number(chosen.get("skip_lines")),
            sheet=None if chosen.get("sheet") is None else str(chosen.get("sheet")),
            date_format=check_date_format(chosen.get("date_format")),  # type: ignore[arg-type]
        )
    except BaseException:
        opened.close()
        raise
    return _results(opened, data, table, scheme, context)


def _whole_number(value: object) -> int | None:
    """``skip_lines``: None, or a whole number of 0 or more."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(
            f"{{skip_lines}} {value!r}: give a whole number of lines, 0 or more",
            field="skip_lines",
        )
    return value


def _open(source: str | PathLike[str] | BinaryIO) -> Source:
    from cbc_cli.readers.source import open_source

    if isinstance(source, str | PathLike):
        return open_source(fspath(source))
    if isinstance(source, TextIOBase) or isinstance(source.read(0), str):
        raise TypeError(
            "interpret_file() reads bytes: give a path, or a stream opened with open(path, 'rb')"
        )
    opened = open_source("-", source)  # a stream is read as standard input is: never closed
    opened.name = str(getattr(source, "name", "<stream>"))
    return opened


def _results(
    source: Source, data: Input, table: RangeTable, scheme: Scheme, context: Patient
) -> Iterator[Result]:
    from cbc_cli.batch import run

    try:
        for _, result in run(data.records, table, scheme, context):
            yield result
    finally:
        source.close()


def schema_document(kind: str = "result") -> dict[str, Any]:
    """The JSON Schema ``cbc schema`` prints: of ``cbc check``'s JSON (``result``), of its
    ``--brief`` JSON (``brief``), of ``cbc trend``'s (``trend``) or of a range file
    (``ranges``), each with ``$schema`` and a stable ``$id``
    (``urn:cbc-cli:schema:KIND[:SCHEMA_VERSION]``)."""
    if kind == "trend":
        from cbc_cli.trend import TREND_SCHEMA_VERSION, trend_json_schema

        return identified(trend_json_schema(), "trend", TREND_SCHEMA_VERSION)
    if kind == "ranges":
        from cbc_cli.ranges import range_file_schema

        return identified(dict(range_file_schema()), "ranges")
    if kind == "brief":
        from cbc_cli.brief import brief_schema

        return brief_schema()
    return json_schema()


def make_report(results: Sequence[Result], scheme: Scheme) -> Report:
    """Wrap results in the JSON document of README, Outputs."""
    return Report(grading=scheme_info(scheme), results=list(results))


__all__ = [
    "KEYWORDS",
    "build_panel",
    "build_patient",
    "default_ranges",
    "interpret",
    "interpret_file",
    "make_report",
    "parse_lab_range",
    "resolve_scheme",
    "schema_document",
    "scheme_info",
]
