"""The library API: build a panel from plain values and context, interpret it, wrap results.

The CLI is a thin layer over these functions, so that ``cbc check --format json`` and
``interpret(...)`` give the same result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path

from cbc_cli.age import Age, parse_age
from cbc_cli.analytes import get_analyte
from cbc_cli.engine import interpret_panel
from cbc_cli.errors import InputError, UsageError
from cbc_cli.grading import (
    DEFAULT_SCHEME,
    SCHEME_ALIASES,
    SCHEME_CHOICES,
    SCHEMES,
    Scheme,
    load_scheme,
)
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import Report, Result, SchemeInfo
from cbc_cli.panel import PROFILES, LabRange, Panel, Patient, Transplant
from cbc_cli.parse import parse_date, parse_range_text, parse_sex, parse_temperature
from cbc_cli.ranges import RangeTable, load_ranges
from cbc_cli.units import Quantity, to_canonical


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
            f"unknown grading scheme {name!r}", hint="use " + ", ".join(SCHEME_CHOICES)
        )
    return load_scheme(key)


def scheme_info(scheme: Scheme) -> SchemeInfo:
    """The output description of a scheme."""
    return SchemeInfo(
        id=scheme.id, title=scheme.title, version=scheme.version, source=scheme.source
    )


def parse_lab_range(text: str) -> tuple[str, LabRange]:
    """Read ``--lab-range`` text such as ``hgb=12.0-15.5`` or ``plt=150-400 10^3/uL``.

    Raises:
        UsageError: no ``=``; InputError: unknown analyte or unreadable range.
    """
    name, sep, rng = text.partition("=")
    if not sep:
        raise UsageError(
            f"--lab-range {text!r} needs the form ANALYTE=LOW-HIGH",
            hint="e.g. --lab-range hgb=12.0-15.5",
        )
    analyte = get_analyte(name)
    lab = parse_range_text(rng, analyte.id)
    return analyte.id, LabRange(lab.low, lab.high, "lab range given with --lab-range")


def build_patient(
    *,
    sex: str | None = None,
    age: str | int | None = None,
    dob: str | date | None = None,
    collected: str | date | None = None,
    pregnant: int | None = None,
    profiles: Iterable[str] = (),
    temperature: str | float | None = None,
    days_since_chemo: int | None = None,
    transplant: str | None = None,
) -> Patient:
    """Check and combine the person's context.

    Raises:
        UsageError: conflicting options (``--age`` with ``--dob``, pregnancy with male sex, an
            unknown profile, a trimester other than 1-3, a transplant other than auto or allo).
        InputError: a value that cannot be read.
    """
    sex_value = parse_sex(sex)
    if age is not None and dob is not None:
        raise UsageError("give either --age or --dob, not both")
    person_age: Age | None = None
    if age is not None:
        person_age = parse_age(str(age))
    elif dob is not None:
        if collected is None:
            raise UsageError(
                "--dob needs --collected (the collection date)",
                hint="age is computed on the day the sample was taken",
            )
        born = dob if isinstance(dob, date) else parse_date(dob, "dob")
        on = collected if isinstance(collected, date) else parse_date(collected, "collected")
        person_age = Age.from_dates(born, on)
    elif collected is not None:
        raise UsageError("--collected is used with --dob", hint="give --dob too, or use --age")
    if pregnant is not None:
        if pregnant not in (1, 2, 3):
            raise UsageError(f"--pregnant {pregnant} is not a trimester", hint="use 1, 2 or 3")
        if sex_value == "male":
            raise UsageError("--pregnant conflicts with --sex male")
        sex_value = "female"
    chosen = tuple(dict.fromkeys(p.strip().lower() for p in profiles))
    for profile in chosen:
        if profile not in PROFILES:
            raise UsageError(f"unknown profile {profile!r}", hint="known: " + ", ".join(PROFILES))
    temp = None
    if temperature is not None:
        temp = parse_temperature(str(temperature))
    if days_since_chemo is not None and days_since_chemo < 0:
        raise UsageError("--days-since-chemo cannot be negative")
    kind: Transplant | None = None
    if transplant is not None:
        kinds: dict[str, Transplant] = {"auto": "auto", "allo": "allo"}
        kind = kinds.get(transplant.strip().lower())
        if kind is None:
            raise UsageError(
                f"--transplant {transplant!r} is not a transplant kind",
                hint="use auto (own stem cells) or allo (donor cells)",
            )
    return Patient(
        sex=sex_value,
        age=person_age,
        pregnancy_trimester=pregnant,
        profiles=chosen,
        temperature_c=temp,
        days_since_chemo=days_since_chemo,
        transplant=kind,
    )


def build_panel(
    values: Mapping[str, str | float],
    *,
    patient: Patient | None = None,
    lab_ranges: Mapping[str, str] | None = None,
    sample_id: str | None = None,
) -> Panel:
    """Read values (``{"hgb": "9.1", "plt": "62 10^3/uL"}``) into a panel.

    Keys may be ids, aliases or LOINC codes; a bare number is in the canonical unit.

    Raises:
        InputError: an unknown analyte, a value given twice, or a value that cannot be read.
    """
    quantities: dict[str, Quantity] = {}
    for name, raw in values.items():
        analyte = get_analyte(name)
        if analyte.id in quantities:
            raise InputError(f"{analyte.id} is given twice ({name!r})", field=analyte.id)
        quantities[analyte.id] = to_canonical(analyte, str(raw))
    ranges: dict[str, LabRange] = {}
    for name, text in (lab_ranges or {}).items():
        analyte = get_analyte(name)
        ranges[analyte.id] = parse_range_text(text, analyte.id)
    return Panel(quantities, patient or Patient(), sample_id, ranges)


def interpret(
    values: Mapping[str, str | float] | Panel,
    *,
    grading: str | None = None,
    range_files: Sequence[str | Path] = (),
    **context: object,
) -> Result:
    """Interpret one complete blood count.

    Args:
        values: ``{"hgb": "9.1", "anc": 0.8, "plt": "62"}`` or a ready :class:`Panel`.
        grading: ``ctcae5`` (default), ``ctcae6``, ``ctcae4`` or ``daids``.
        range_files: lab range files layered over the shipped defaults.
        **context: ``sex``, ``age``, ``dob``, ``collected``, ``pregnant``, ``profiles``,
            ``temperature``, ``days_since_chemo``, ``transplant`` as for :func:`build_patient`.

    Returns:
        The result model (``cbc_cli.models.to_data(result)`` for plain data).

    Raises:
        InputError, UsageError, RangeFileError: bad values, options or range files.

    Example:
        >>> r = interpret({"hgb": "9.1", "anc": "0.8", "plt": "62"}, sex="female", age=54)
        >>> [(f.code, f.grade) for f in r.findings]
        [('anemia', 2), ('neutropenia', 3), ('thrombocytopenia', 2), ('pancytopenia', None)]
    """
    if isinstance(values, Panel):
        panel = values
    else:
        patient = build_patient(**context)  # type: ignore[arg-type]
        panel = build_panel(values, patient=patient)
    table = default_ranges(tuple(str(p) for p in range_files))
    return interpret_panel(panel, table, resolve_scheme(grading))


def make_report(results: Sequence[Result], scheme: Scheme) -> Report:
    """Wrap results in the JSON document of README, Outputs."""
    return Report(grading=scheme_info(scheme), results=list(results))
