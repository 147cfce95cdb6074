"""Reference ranges and critical limits: loading and validating range files, layering, selection.

Range files are TOML (their syntax is documented at the top of each shipped file). The shipped
defaults are one layer; each lab file given with ``--ranges`` is a layer above them. Selection
never borrows another sex's or age band's range: when nothing fits it says why.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from cbc_cli.age import AgeBound, band_text, parse_bound
from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.errors import RangeFileError, UnitError
from cbc_cli.limits import DEFAULT_LIMITS, Limits, read_settings_file
from cbc_cli.panel import Patient
from cbc_cli.shape import Spec, conforms, first_error, json_schema, with_defaults
from cbc_cli.units import unit_factor

CONDITIONS = ("pregnancy-1", "pregnancy-2", "pregnancy-3", "profile-duffy-null")
Kind = Literal["reference", "critical"]
# Mean lengths, used only to order and overlap-check bands written in different units.
_MEAN_DAYS = {"d": 1.0, "w": 7.0, "m": 30.4375, "y": 365.25}


def _days(bound: AgeBound | None) -> float:
    return float("inf") if bound is None else bound.n * _MEAN_DAYS[bound.unit]


_ROW: Spec = {
    "analyte": (str, ...),
    "sex": (Literal["female", "male", "any"], "any"),
    "age_from": (str, "0d"),
    "age_to": (str | None, None),
    "condition": (str | None, None),
    "low": (float | None, None),
    "high": (float | None, None),
    "critical_low": (float | None, None),
    "critical_high": (float | None, None),
    "unit": (str, ...),
    "source": (str, ...),
}
_FILE: Spec = {"range": ([_ROW], ...)}


class ReferenceRange(NamedTuple):
    """One validated row of a range file, its numbers in the analyte's canonical unit."""

    analyte: str
    sex: str
    age_from: AgeBound
    age_to: AgeBound | None
    condition: str | None
    low: float | None
    high: float | None
    critical_low: float | None
    critical_high: float | None
    unit: str
    source: str
    origin: str
    """Where the row was read: ``file.toml, range #3``."""
    layer: int = 0

    def has(self, kind: Kind) -> bool:
        """Whether the row sets a reference interval (``reference``) or critical limits."""
        if kind == "reference":
            return self.low is not None or self.high is not None
        return self.critical_low is not None or self.critical_high is not None

    def describe(self) -> str:
        """Who the row is for, e.g. ``female, 18y and over, pregnancy-2``."""
        parts = [
            self.sex if self.sex != "any" else "any sex",
            band_text(self.age_from, self.age_to),
        ]
        if self.condition:
            parts.append(self.condition)
        return ", ".join(parts)


class Selection(NamedTuple):
    """The row chosen for one analyte and person, or the reason none applies."""

    range: ReferenceRange | None
    reason: str | None = None


def shipped_ranges_dir() -> Path:
    """The folder of the shipped range files: inside the wheel, or at the repository root."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "reference_ranges", here.parent / "reference_ranges"):
        if (candidate / "adult.toml").is_file():
            return candidate
    raise RangeFileError(  # pragma: no cover - a broken install
        "the shipped reference ranges are missing from this installation",
        hint="reinstall cbc-cli",
    )


def load_range_file(
    path: Path, layer: int = 0, limits: Limits = DEFAULT_LIMITS
) -> list[ReferenceRange]:
    """Read and validate one range file (at most ``limits.ranges_file`` bytes of it).

    Raises:
        RangeFileError: missing, too large, not TOML, or a row that fails validation; the
            message names the file and the row (``range #3``).
    """
    name = str(path)
    try:
        raw = tomllib.loads(read_settings_file(path, limits))
    except RecursionError:
        # tomllib parses nested arrays and tables recursively: a few hundred levels exhaust it.
        raise RangeFileError(
            "not valid TOML (arrays or tables nested too deeply)",
            path=name,
            hint="see the syntax comment at the top of a shipped range file",
        ) from None
    except FileNotFoundError:
        raise RangeFileError(
            "no such file", path=name, hint="check the path given to --ranges or CBC_RANGES"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RangeFileError(f"cannot read: {exc.__class__.__name__}", path=name) from None
    except tomllib.TOMLDecodeError as exc:
        raise RangeFileError(
            f"not valid TOML ({exc})",
            path=name,
            hint="see the syntax comment at the top of a shipped range file",
        ) from None
    if not conforms(raw, _FILE):
        found = first_error(raw, _FILE, "RangeFile")
        loc, msg = found if found else ((), "does not match the range-file syntax")
        location = f"range #{int(loc[1]) + 1}" if len(loc) > 1 and isinstance(loc[1], int) else None
        field = ".".join(str(p) for p in loc[2:])
        message = f"{field}: {msg.lower()}" if field else msg.lower()
        if loc == ("range",):
            message = "no [[range]] tables: a range file holds one [[range]] table per row"
        if loc and loc[0] != "range":
            message = f"unknown key {loc[0]!r}: a range file holds only [[range]] tables"
        raise RangeFileError(message, path=name, location=location)
    return [
        _convert_row(with_defaults(row, _ROW), name, i, layer)
        for i, row in enumerate(raw["range"], start=1)
    ]


def _convert_row(row: dict[str, Any], name: str, index: int, layer: int) -> ReferenceRange:
    location = f"range #{index}"

    def fail(message: str, hint: str | None = None) -> RangeFileError:
        return RangeFileError(message, path=name, location=location, hint=hint)

    analyte = find_analyte(row["analyte"])
    if analyte is None:
        raise fail(f"unknown analyte {row['analyte']!r}", "known: " + ", ".join(ANALYTES))
    try:
        factor = unit_factor(analyte, row["unit"])
    except UnitError as exc:
        raise fail(exc.message, exc.hint) from None
    try:
        start = parse_bound(row["age_from"])
        end = parse_bound(row["age_to"]) if row["age_to"] is not None else None
    except ValueError as exc:
        raise fail(str(exc)) from None
    if end is not None and _days(start) >= _days(end):
        raise fail(f"age_from {start} is not before age_to {end}")
    if row["condition"] is not None and row["condition"] not in CONDITIONS:
        raise fail(f"unknown condition {row['condition']!r}", "known: " + ", ".join(CONDITIONS))
    if len(row["source"].strip()) < 3:
        # Every row names where its numbers come from (DESIGN.md section 7).
        raise fail("source is empty", "say where the numbers come from, e.g. the lab's name")
    if all(v is None for v in (row["low"], row["high"], row["critical_low"], row["critical_high"])):
        raise fail("the row sets no limit", "give low and/or high, or critical_low/critical_high")
    for lo_name, hi_name in (("low", "high"), ("critical_low", "critical_high")):
        lo, hi = row[lo_name], row[hi_name]
        if lo is not None and hi is not None and lo > hi:
            raise fail(f"{lo_name} {lo:g} is greater than {hi_name} {hi:g}")
    for field_name in ("low", "high", "critical_low", "critical_high"):
        value = row[field_name]
        if value is not None and value < 0:
            raise fail(f"{field_name} {value:g} is negative")

    def scaled(value: float | None) -> float | None:
        return None if value is None else value * factor

    return ReferenceRange(
        analyte=analyte.id,
        sex=row["sex"],
        age_from=start,
        age_to=end,
        condition=row["condition"],
        low=scaled(row["low"]),
        high=scaled(row["high"]),
        critical_low=scaled(row["critical_low"]),
        critical_high=scaled(row["critical_high"]),
        unit=analyte.unit,
        source=row["source"],
        origin=f"{Path(name).name}, {location}",
        layer=layer,
    )


def _overlap(a: ReferenceRange, b: ReferenceRange) -> bool:
    if a.analyte != b.analyte or a.condition != b.condition:
        return False
    if a.sex != b.sex and "any" not in (a.sex, b.sex):
        return False
    return _days(a.age_from) < _days(b.age_to) and _days(b.age_from) < _days(a.age_to)


def check_layer(rows: Sequence[ReferenceRange]) -> None:
    """Refuse two rows of one layer that would both apply to the same person.

    Raises:
        RangeFileError: naming both rows.
    """
    by_analyte: dict[str, list[ReferenceRange]] = {}
    for row in rows:
        by_analyte.setdefault(row.analyte, []).append(row)
    for group in by_analyte.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                for kind in ("reference", "critical"):
                    if a.has(kind) and b.has(kind) and _overlap(a, b):
                        raise RangeFileError(
                            f"{a.origin} and {b.origin} both set the {kind} range of {a.analyte} "
                            f"for {a.describe()} / {b.describe()}",
                            hint="make the age bands or sexes of the two rows not overlap",
                        )


class RangeTable:
    """All loaded range rows, layered: a higher layer (a lab's file) wins over a lower one."""

    def __init__(self, rows: Iterable[ReferenceRange], sources: Sequence[str] = ()) -> None:
        self.rows = tuple(rows)
        self.sources = tuple(sources)
        self._by_analyte: dict[str, list[ReferenceRange]] = {}
        for row in self.rows:
            self._by_analyte.setdefault(row.analyte, []).append(row)
        # A batch asks the same question for every row; selection depends only on these keys.
        self._chosen: dict[tuple[object, ...], Selection] = {}
        self._grouped: dict[tuple[str, str], list[list[ReferenceRange]]] = {}

    def rows_for(self, analyte: str) -> list[ReferenceRange]:
        """Every row for an analyte, in load order."""
        return self._by_analyte.get(analyte, [])

    def select(self, analyte: str, patient: Patient, kind: Kind = "reference") -> Selection:
        """Pick the row that applies to this person, or say why none does.

        Condition rows the person meets (pregnancy, an opted-in profile) come first, then general
        rows; within each, the highest layer; within a layer, the sex-specific row over ``any``
        and the narrower age band over the wider. A row that might apply but cannot be decided
        (sex or age unknown or too coarse) stops the search with a reason, so that a lower or
        less specific row is never borrowed in its place.
        """
        # Only these fields choose a range (not temperature or days since chemotherapy).
        key = (
            analyte,
            kind,
            patient.sex,
            patient.age,
            patient.pregnancy_trimester,
            patient.profiles,
        )
        chosen = self._chosen.get(key)
        if chosen is None:
            chosen = self._select(analyte, patient, kind)
            if len(self._chosen) < 100_000:
                self._chosen[key] = chosen
        return chosen

    def _groups(self, analyte: str, kind: Kind) -> list[list[ReferenceRange]]:
        """The analyte's rows of this kind in the order they are tried: condition rows before
        general ones, then by layer, highest first."""
        found = self._grouped.get((analyte, kind))
        if found is None:
            groups: dict[tuple[bool, int], list[ReferenceRange]] = {}
            for row in self.rows_for(analyte):
                if row.has(kind):
                    groups.setdefault((row.condition is not None, row.layer), []).append(row)
            found = [groups[key] for key in sorted(groups, reverse=True)]
            self._grouped[(analyte, kind)] = found
        return found

    def _select(self, analyte: str, patient: Patient, kind: Kind) -> Selection:
        conditions = patient.conditions
        for group in self._groups(analyte, kind):
            matches: list[ReferenceRange] = []
            undecided: list[tuple[ReferenceRange, str]] = []
            for row in group:
                if row.condition is not None and row.condition not in conditions:
                    continue  # a condition this person does not meet
                sex_ok, age_ok = patient.fits(row.sex, row.age_from, row.age_to)
                if sex_ok is False or age_ok is False:
                    continue
                if sex_ok is None:
                    undecided.append((row, "sex"))
                elif age_ok is None:
                    undecided.append((row, "age"))
                else:
                    matches.append(row)
            if undecided:
                return Selection(None, self._undecided_reason(analyte, patient, undecided, kind))
            if matches:
                best = min(
                    matches, key=lambda r: (r.sex == "any", _days(r.age_to) - _days(r.age_from))
                )
                return Selection(best)
        who: list[str] = []
        if patient.sex:
            who.append(patient.sex)
        if patient.age is not None:
            who.append(f"age {patient.age.describe()}")
        label = "critical limit" if kind == "critical" else "range"
        return Selection(
            None,
            f"no {label} for {analyte}"
            + (f" ({', '.join(who)})" if who else "")
            + " in the loaded files",
        )

    @staticmethod
    def _undecided_reason(
        analyte: str, patient: Patient, undecided: list[tuple[ReferenceRange, str]], kind: Kind
    ) -> str:
        label = "critical limits" if kind == "critical" else "ranges"
        if any(why == "sex" for _, why in undecided):
            if patient.age is None:
                return f"{analyte} {label} depend on sex and age, and neither is given"
            return f"{analyte} {label} differ by sex, and the sex is not given"
        if patient.age is None:
            return f"{analyte} {label} depend on age, and the age is not given"
        bands = ", ".join(sorted({band_text(r.age_from, r.age_to) for r, _ in undecided}))
        return (
            f"age {patient.age.describe()} is not precise enough to choose between {analyte} "
            f"{label} for {bands}: give the birth and collection dates, or the age in months "
            "or days"
        )


def load_ranges(
    extra: Sequence[Path] = (), *, defaults: bool = True, limits: Limits = DEFAULT_LIMITS
) -> RangeTable:
    """Load the shipped defaults (layer 0) and each extra file as a layer above them (each
    within ``limits.ranges_file``).

    Raises:
        RangeFileError: a file is missing or invalid, or one layer has overlapping rows.
    """
    rows: list[ReferenceRange] = []
    sources: list[str] = []
    if defaults:
        shipped = sorted(shipped_ranges_dir().glob("*.toml"))
        layer_rows = [row for path in shipped for row in load_range_file(path, 0)]
        check_layer(layer_rows)
        rows.extend(layer_rows)
        sources.extend(str(p) for p in shipped)
    for layer, path in enumerate(extra, start=1):
        layer_rows = load_range_file(Path(path), layer, limits)
        check_layer(layer_rows)
        rows.extend(layer_rows)
        sources.append(str(path))
    return RangeTable(rows, sources)


def range_file_schema() -> dict[str, object]:
    """The JSON Schema of a range file (its TOML read as data)."""
    return json_schema(_FILE, "RangeFile")
