"""Header mapping: which input column holds which analyte (and unit), and which holds context.

Headers are matched case-insensitively through the analyte catalogue's aliases and LOINC codes;
a unit may sit in the header (``Hb (g/L)``, ``PLT [10^3/uL]``) or in a unit column
(``hgb_unit``). ``--column NAME=analyte`` and ``--unit analyte=UNIT`` map what aliases cannot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cbc_cli.analytes import ANALYTES, find_analyte, get_analyte
from cbc_cli.errors import InputError, UnitError, UsageError
from cbc_cli.text import fold
from cbc_cli.units import normalize_unit, unit_factor

# Context columns and the header spellings that name them (compared case-insensitively).
CONTEXT_ALIASES: dict[str, tuple[str, ...]] = {
    "sample_id": (
        "sample_id",
        "sample",
        "sample id",
        "specimen_id",
        "specimen",
        "accession",
        "accession_number",
        "id",
        "lab_no",
        "order_id",
    ),
    "patient_id": ("patient_id", "patient", "patient id", "mrn", "subject_id", "subject"),
    "sex": ("sex", "gender"),
    "age": ("age", "age_years", "age (years)"),
    "dob": ("dob", "birth_date", "date_of_birth", "birthdate"),
    "collected_at": (
        "collected_at",
        "collected",
        "collection_date",
        "collection_time",
        "collection_datetime",
        "specimen_date",
        "date",
    ),
    "temperature": ("temperature", "temp", "temperature_c", "temp_c"),
    "pregnant": ("pregnant", "pregnancy_trimester", "trimester"),
    "profile": ("profile",),
    # long layout
    "analyte": (
        "analyte",
        "test",
        "test_name",
        "test_code",
        "code",
        "loinc",
        "observation",
        "parameter",
        "component",
    ),
    "value": ("value", "result", "result_value", "value_num"),
    "unit": ("unit", "units", "result_unit"),
    "ref_low": ("ref_low", "reference_low", "low", "range_low", "normal_low"),
    "ref_high": ("ref_high", "reference_high", "high", "range_high", "normal_high"),
    "reference_range": (
        "reference_range",
        "ref_range",
        "range",
        "normal_range",
        "reference_interval",
    ),
    "lab_flag": ("flag", "abnormal_flag", "lab_flag", "interpretation"),
}
_UNIT_IN_HEADER = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<p>[^()]*)\)|\[(?P<b>[^\[\]]*)\])\s*$")
_PER_ANALYTE = re.compile(
    r"^(?P<name>.+?)[\s_]*(?P<what>unit|units|ref_low|ref_high|low|high|range|reference_range|"
    r"ref_range|flag)$",
    re.IGNORECASE,
)


# Keyed by the folded spelling, as headers are looked up ("age (years)" -> "age_(years)").
_CONTEXT_LOOKUP = {
    fold(alias): key for key, aliases in CONTEXT_ALIASES.items() for alias in aliases
}


@dataclass
class ColumnMap:
    """What each input column holds, by column index."""

    header: list[str]
    analytes: dict[int, str] = field(default_factory=dict)
    """Column index -> analyte id (wide layout)."""
    header_units: dict[str, str] = field(default_factory=dict)
    """Analyte id -> unit read from its header or set with --unit."""
    unit_columns: dict[str, int] = field(default_factory=dict)
    ref_low_columns: dict[str, int] = field(default_factory=dict)
    ref_high_columns: dict[str, int] = field(default_factory=dict)
    range_columns: dict[str, int] = field(default_factory=dict)
    flag_columns: dict[str, int] = field(default_factory=dict)
    context: dict[str, int] = field(default_factory=dict)
    """Context key (sex, age, sample_id, ...) -> column index."""

    @property
    def is_long(self) -> bool:
        """A row per result: an analyte column and a value column, no analyte-named columns."""
        return "analyte" in self.context and "value" in self.context and not self.analytes


# Names that hold either the absolute count or the percentage: the unit in the header says which.
_COUNT_OR_PERCENT = {
    "neutrophils": ("anc", "neut_pct"),
    "neutrophil": ("anc", "neut_pct"),
    "neut": ("anc", "neut_pct"),
    "neuts": ("anc", "neut_pct"),
    "lymphocytes": ("alc", "lymph_pct"),
    "lymphocyte": ("alc", "lymph_pct"),
    "lymph": ("alc", "lymph_pct"),
    "lymphs": ("alc", "lymph_pct"),
}


def _by_unit(name: str, unit: str) -> str | None:
    """``Neutrophils (10^9/L)`` is the absolute count, ``Neutrophils (%)`` the percentage."""
    pair = _COUNT_OR_PERCENT.get(fold(name))
    if pair is None:
        return None
    count, percent = pair
    if normalize_unit(unit) == "%":
        return percent
    try:
        unit_factor(ANALYTES[count], unit)
    except UnitError:
        return None
    return count


def parse_column_options(columns: Sequence[str]) -> dict[str, str]:
    """Read ``--column NAME=analyte`` options into {folded header: analyte id}.

    Raises:
        UsageError: no ``=``, or an unknown analyte or context name.
    """
    out: dict[str, str] = {}
    for text in columns:
        name, sep, target = text.rpartition("=")
        if not sep or not name.strip():
            raise UsageError(
                f"{{column}} {text!r} needs the form NAME=ANALYTE",
                field="column",
                hint="e.g. {column} 'Neutrophils abs'=anc",
            )
        analyte = find_analyte(target)
        key = analyte.id if analyte else _CONTEXT_LOOKUP.get(fold(target))
        if key is None:
            raise UsageError(
                f"{{column}} {text!r}: {target!r} is not an analyte or context column",
                field="column",
                hint="use an analyte id (hgb, plt, ...) or sex, age, sample_id, ...",
            )
        out[fold(name)] = key
    return out


def parse_unit_options(units: Sequence[str]) -> dict[str, str]:
    """Read ``--unit analyte=UNIT`` options into {analyte id: unit}.

    Raises:
        UsageError: no ``=``; InputError/UnitError: unknown analyte or unit.
    """
    out: dict[str, str] = {}
    for text in units:
        name, sep, unit = text.partition("=")
        if not sep:
            raise UsageError(
                f"{{unit}} {text!r} needs the form ANALYTE=UNIT",
                field="unit",
                hint="e.g. {unit} hgb=g/L",
            )
        analyte = get_analyte(name)
        unit_factor(analyte, unit)
        out[analyte.id] = unit.strip()
    return out


def map_columns(
    header: Sequence[str],
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
) -> ColumnMap:
    """Decide what each header names. Unrecognised columns are carried through untouched.

    Raises:
        UsageError: two columns name the same analyte.
    """
    overrides = dict(column_options or {})
    cmap = ColumnMap(list(header))
    per_analyte: list[tuple[int, str, str]] = []
    for index, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff")
        if not name:
            continue
        folded = fold(name)
        target = overrides.get(folded)
        unit = None
        if target is None:
            match = _UNIT_IN_HEADER.match(name)
            # A whole alias wins over a unit in brackets: "Hemoglobin (HGB)" names no unit.
            if match and (match["p"] or match["b"]) and find_analyte(name) is None:
                inner = (match["p"] or match["b"]).strip()
                analyte = find_analyte(match["name"]) or find_analyte(inner)
                if analyte is not None and find_analyte(inner) is not None:
                    target = analyte.id  # "Platelets (PLT)": the brackets hold a name, no unit
                elif analyte is not None:
                    target, unit = analyte.id, inner
                else:
                    target = _by_unit(match["name"], inner)
                    unit = inner if target is not None and normalize_unit(inner) != "%" else None
            if target is None:
                analyte = find_analyte(name)
                target = analyte.id if analyte else _CONTEXT_LOOKUP.get(folded)
        if target is None:
            per = _PER_ANALYTE.match(name)
            if per and (a := find_analyte(per["name"])) is not None:
                per_analyte.append((index, a.id, per["what"].lower()))
            continue
        if find_analyte(target) is not None and target == get_analyte(target).id:
            if target in cmap.analytes.values():
                first = header[next(i for i, a in cmap.analytes.items() if a == target)]
                # The file's header is at fault (exit 3), though an option can work around it.
                raise InputError(
                    f"columns {first!r} and {raw!r} both hold {target}",
                    code="column.duplicate",
                    field=target,
                    hint=f"map one elsewhere with {{column}} '{raw}'=OTHER",
                )
            cmap.analytes[index] = target
            if unit:
                cmap.header_units[target] = unit
        elif target not in cmap.context:
            cmap.context[target] = index
    for index, analyte_id, what in per_analyte:
        slot = {
            "unit": cmap.unit_columns,
            "units": cmap.unit_columns,
            "ref_low": cmap.ref_low_columns,
            "low": cmap.ref_low_columns,
            "ref_high": cmap.ref_high_columns,
            "high": cmap.ref_high_columns,
            "range": cmap.range_columns,
            "reference_range": cmap.range_columns,
            "ref_range": cmap.range_columns,
            "flag": cmap.flag_columns,
        }[what]
        slot.setdefault(analyte_id, index)
    for analyte_id, unit in (unit_options or {}).items():
        cmap.header_units.setdefault(analyte_id, unit)
        if cmap.header_units[analyte_id] != unit:
            raise UsageError(
                f"{{unit}} {analyte_id}={unit} conflicts with the header's unit "
                f"{cmap.header_units[analyte_id]!r}",
                code="option.conflict",
                field="unit",
            )
    return cmap
