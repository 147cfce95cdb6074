"""Header mapping: which input column holds which analyte (and unit), and which holds context.

Headers are matched case-insensitively through the analyte catalogue's aliases and LOINC codes;
a unit may sit in the header (``Hb (g/L)``, ``PLT [10^3/uL]``) or in a unit column
(``hgb_unit``). ``--column NAME=analyte`` and ``--unit analyte=UNIT`` map what aliases cannot.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from cbc_cli.analytes import ANALYTES, find_analyte, get_analyte, header_names, names_of
from cbc_cli.errors import CbcError, InputError, UsageError
from cbc_cli.text import fold
from cbc_cli.units import normalize_unit, unit_factor

_UNIT_IN_HEADER = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<p>[^()]*)\)|\[(?P<b>[^\[\]]*)\])\s*$")
_PER_ANALYTE = re.compile(
    r"^(?P<name>.+?)[\s_]*(?P<what>unit|units|ref_low|ref_high|low|high|range|reference_range|"
    r"ref_range|flag)$",
    re.IGNORECASE,
)
# Unit spellings a header may end in after an underscore (WBC_G_L, HCT_pct).
_PERCENT_WORDS = frozenset({"pct", "percent", "perc", "%"})
# What makes an unknown header look like a lab result: a unit of the kind labs print.
_LAB_UNIT = re.compile(
    r"%|10\s*(?:\^|\*\*?|e|x)\s*\d|(?<![a-z])(?:g/dl|g/l|mmol/l|fl|pg|/ul|/nl|/mm3|t/l|l/l|"
    r"k/ul|g/l|cells/ul|thou/ul)(?![a-z])",
    re.IGNORECASE,
)
CONTEXT_KEYS = (
    "sample_id",
    "patient_id",
    "sex",
    "age",
    "dob",
    "collected_at",
    "temperature",
    "pregnant",
    "profile",
    "analyte",
    "value",
    "unit",
    "ref_low",
    "ref_high",
    "reference_range",
    "lab_flag",
)
"""The context columns a header may name (README "Inputs"); their names are in headers.toml."""


@cache
def _context_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for key, entry in header_names()["context"].items():
        for alias in names_of(entry):
            if table.setdefault(fold(alias), key) != key:  # pragma: no cover - data bug
                raise RuntimeError(f"headers.toml: {alias!r} names two context columns")
    return table


@cache
def _count_or_percent() -> dict[str, tuple[str, str]]:
    """Names that hold either the absolute count or the percentage: the unit says which."""
    return {
        fold(name): (entry["count"], entry["percent"])
        for entry in header_names()["count_or_percent"].values()
        for name in names_of(entry)
    }


@cache
def _not_read() -> frozenset[str]:
    return frozenset(fold(n) for n in names_of(header_names()["not_read"]))


# Words of analyte names that say nothing by themselves ("Account number" is no count).
_GENERIC = frozenset(
    [
        "of",
        "in",
        "de",
        "en",
        "di",
        "da",
        "do",
        "w",
        "na",
        "la",
        "le",
        "el",
        "the",
        "and",
        "per",
        "por",
        "del",
        "der",
        "die",
        "das",
        "von",
        "van",
        "het",
        "des",
        "della",
        "cell",
        "cells",
        "red",
        "mean",
        "count",
        "total",
        "blood",
        "white",
        "number",
        "absolute",
        "percent",
        "media",
        "medio",
        "medie",
        "volume",
        "width",
        "concentration",
        "distribution",
        "corpuscular",
        "abs",
    ]
)


@cache
def _analyte_words() -> tuple[frozenset[str], tuple[str, ...]]:
    """The short codes (wbc, hb) and the longer words (leukozyten) of every analyte name, to tell
    an unknown header that looks like a lab result."""
    codes: set[str] = set()
    words: set[str] = set()
    tables = [header_names()["analyte"], header_names()["count_or_percent"]]
    for entry in (e for table in tables for e in table.values()):
        for name in names_of(entry):
            for word in re.findall(r"[a-z]+", fold(name)):
                (words if len(word) >= 5 else codes).add(word)
    codes.update(a for a in ANALYTES if "_" not in a)
    return frozenset(codes - _GENERIC), tuple(sorted(words - _GENERIC))


@dataclass(frozen=True)
class HeaderMatch:
    """What one header names: an analyte id or a context key, and the unit the header gives."""

    target: str
    unit: str | None = None


def recognise_header(
    name: str, extra_aliases: Mapping[str, str] | None = None
) -> HeaderMatch | None:
    """What a header names, or None: ``extra_aliases`` first ({folded header: analyte id or
    context key}, e.g. from ``--column`` or a config file; keys folded with
    :func:`cbc_cli.text.fold`), then the names in headers.toml, with a unit in brackets or after
    an underscore.

    >>> recognise_header("WBC(10^3/uL)")
    HeaderMatch(target='wbc', unit='10^3/uL')
    >>> recognise_header("Thrombozyten_G_L")
    HeaderMatch(target='plt', unit='G/L')
    >>> recognise_header("Geschlecht")
    HeaderMatch(target='sex', unit=None)
    """
    if extra_aliases:
        target = extra_aliases.get(fold(name))
        if target is not None:
            return HeaderMatch(target)
    return _builtin_match(name)


@lru_cache(maxsize=4096)
def _builtin_match(raw: str) -> HeaderMatch | None:
    name = raw.strip().lstrip("\ufeff").strip()
    if not name:
        return None
    analyte = find_analyte(name)
    if analyte is not None:
        return HeaderMatch(analyte.id)
    match = _UNIT_IN_HEADER.match(name)
    # A whole alias wins over a unit in brackets: "Hemoglobin (HGB)" names no unit.
    if match and (match["p"] or match["b"]):
        inner = (match["p"] or match["b"]).strip()
        analyte = find_analyte(match["name"])
        if analyte is not None and find_analyte(inner) is not None:
            return HeaderMatch(analyte.id)  # "Platelets (PLT)": the brackets hold a name
        if analyte is not None:
            return HeaderMatch(analyte.id, inner)
        target = _by_unit(match["name"], inner)
        if target is not None:
            return HeaderMatch(target, inner if normalize_unit(inner) != "%" else None)
    tokens = re.split(r"[\s_]+", name)
    for cut in range(len(tokens) - 1, 0, -1):
        head, tail = " ".join(tokens[:cut]), tokens[cut:]
        analyte = find_analyte(head)
        for unit in _unit_spellings(tail):
            if analyte is not None and _is_unit_of(analyte.id, unit):
                return HeaderMatch(analyte.id, unit)
            target = None if analyte is not None else _by_unit(head, unit)
            if target is not None:
                return HeaderMatch(target, unit if normalize_unit(unit) != "%" else None)
    key = _context_lookup().get(fold(name))
    return HeaderMatch(key) if key else None


def _unit_spellings(tail: list[str]) -> list[str]:
    """The units the end of a header may spell: ``G_L`` is G/L, ``10_9_L`` is 10^9/L."""
    if len(tail) == 1:
        word = tail[0]
        return ["%"] if word.casefold() in _PERCENT_WORDS else [word]
    if len(tail) == 3 and tail[0] == "10" and tail[1].isdigit():
        return [f"10^{tail[1]}/{tail[2]}"]
    if len(tail) == 2:
        return [f"{tail[0]}/{tail[1]}", " ".join(tail)]
    return []


def _is_unit_of(analyte_id: str, unit: str) -> bool:
    try:
        unit_factor(ANALYTES[analyte_id], unit)
    except CbcError:
        return False
    return True


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
    unread: list[int] = field(default_factory=list)
    """Columns that name nothing cbc reads (carried through untouched)."""

    @property
    def is_long(self) -> bool:
        """A row per result: an analyte column and a value column, no analyte-named columns."""
        return "analyte" in self.context and "value" in self.context and not self.analytes


def _by_unit(name: str, unit: str) -> str | None:
    """``Neutrophils (10^9/L)`` is the absolute count, ``Neutrophils (%)`` the percentage."""
    pair = _count_or_percent().get(fold(name))
    if pair is None:
        return None
    count, percent = pair
    if normalize_unit(unit) == "%" or unit.casefold() in _PERCENT_WORDS:
        return percent
    return count if _is_unit_of(count, unit) else None


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
        key = analyte.id if analyte else _context_key(target)
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


def _context_key(name: str) -> str | None:
    """The context key a name gives (``sex``, ``Geschlecht``, ``sample_id``, ...), or None."""
    folded = fold(name)
    if folded in CONTEXT_KEYS:
        return folded
    return _context_lookup().get(folded)


def map_columns(
    header: Sequence[str],
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
    extra_aliases: Mapping[str, str] | None = None,
) -> ColumnMap:
    """Decide what each header names (:func:`recognise_header`). Unrecognised columns are
    carried through untouched. ``column_options`` ({folded header: target}, from ``--column``)
    win over ``extra_aliases`` ({header: analyte id or context key}, e.g. from a config file;
    folded here), which win over the names cbc knows.

    Raises:
        InputError: two columns name the same analyte.
        UsageError: a ``--unit`` that conflicts with a header's unit.
    """
    extra = {fold(k): v for k, v in (extra_aliases or {}).items()}
    overrides = {**extra, **(column_options or {})}
    cmap = ColumnMap(list(header))
    per_analyte: list[tuple[int, str, str]] = []
    named: set[str] = set()  # context columns an option (or settings file) names
    for index, raw in enumerate(header):
        found = recognise_header(raw, overrides)
        if found is None:
            name = raw.strip().lstrip("\ufeff")
            per = _PER_ANALYTE.match(name) if name else None
            if per and (a := find_analyte(per["name"])) is not None:
                per_analyte.append((index, a.id, per["what"].lower()))
            elif name:
                cmap.unread.append(index)
            continue
        target, unit = found.target, found.unit
        folded = fold(raw)  # named by an option (or settings file) when overrides hold it
        if target in ANALYTES:
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
        elif target not in cmap.context or (folded in overrides and target not in named):
            # A column named by an option wins over one matched by alias ("ORDER_ID" named as
            # the sample id over an "ACCESSION" column before it); otherwise the first wins.
            if target in cmap.context:
                cmap.unread.append(cmap.context[target])  # the alias's column is carried through
            cmap.context[target] = index
            if folded in overrides:
                named.add(target)
        else:
            cmap.unread.append(index)
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
    cmap.unread.sort()
    return cmap


def looks_clinical(header: str) -> bool:
    """Whether a header cbc does not know still looks like a lab result: it holds a unit of the
    kind labs print (``10^9/L``, ``g/dL``, ``fL``, ``%``) or a word close to an analyte name
    (``Leukozten``, ``Haemoglobine``), or an analyte code as a word of its own (``WBC corr``)."""
    folded = fold(header).replace("_", " ")
    if _LAB_UNIT.search(folded):
        return True
    codes, words = _analyte_words()
    for word in re.findall(r"[a-z]+", folded):
        if word in codes:
            return True
        if len(word) >= 5 and difflib.get_close_matches(word, words, n=1, cutoff=0.8):
            return True
    return False


def unread_notes(cmap: ColumnMap, also_reads: Mapping[str, str] | None = None) -> list[str]:
    """Notes on the columns of a header that cbc does not read: one per column that looks like
    a lab result (saying how to map it), one listing the results cbc does not interpret, and a
    count of every column ignored. Empty when no ignored column looks like a result: plain
    columns (a comment, a ward) are carried through without a word.

    ``also_reads`` ({column name: what the caller reads it as}) names the columns a caller reads
    itself (``cbc trend``'s platelet transfusion column): the first such column of each kind,
    as the caller finds it, is noted as read (``column 'X' is read as ...``), never as ignored
    nor counted among the ignored."""
    if not cmap.unread:
        return []

    def column(index: int) -> str:
        return cmap.header[index].strip().lstrip("\ufeff")

    wanted = {fold(n): what for n, what in (also_reads or {}).items()}
    first: dict[str, int] = {}  # what -> the first column of that kind, as the caller finds it
    for index in range(len(cmap.header)):
        what = wanted.get(fold(column(index)))
        if what is not None:
            first.setdefault(what, index)
    read_as = {i: what for what, i in first.items() if i in cmap.unread}
    read = [f"column {column(i)!r} is read as {what}" for i, what in sorted(read_as.items())]
    ignored = [i for i in cmap.unread if i not in read_as]
    notes: list[str] = []
    known: list[str] = []
    unknown = 0
    for index in ignored:
        raw = column(index)
        bare = _UNIT_IN_HEADER.match(raw)
        name = bare["name"] if bare and (bare["p"] or bare["b"]) else raw
        if fold(name) in _not_read() or fold(raw) in _not_read():
            known.append(raw)
        elif looks_clinical(raw):
            unknown += 1
            notes.append(
                f"column {raw!r} looks like a lab result but is not a name cbc knows: it is "
                f"ignored; if it holds a count cbc reads, map it with --column '{raw}'=ANALYTE "
                f"({', '.join(a for a in ANALYTES)})"
            )
    if known:
        shown = ", ".join(repr(k) for k in known[:8]) + (", ..." if len(known) > 8 else "")
        notes.append(f"not interpreted by cbc (results outside the counts it judges): {shown}")
    if not notes:
        return read  # only plain columns (a comment, a ward): carried through, nothing to say
    parts = [f"{unknown} that look{'s' if unknown == 1 else ''} like results"] if unknown else []
    if known:
        parts.append(f"{len(known)} not interpreted")
    detail = f" ({', '.join(parts)})" if parts else ""
    total = len(cmap.header)
    notes.append(f"{len(ignored)} of {total} columns ignored{detail}")
    return read + notes
