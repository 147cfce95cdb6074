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

from cbc_cli.age import (
    DAYS_PER_UNIT,
    Age,
    AgeBound,
    AgeBounds,
    at_least,
    band_text,
    mean_days,
    parse_bound,
)
from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.errors import RangeFileError, UnitError
from cbc_cli.limits import DEFAULT_LIMITS, Limits, read_settings_file
from cbc_cli.panel import Patient, Sex
from cbc_cli.shape import Spec, conforms, first_error, json_schema, with_defaults
from cbc_cli.units import unit_factor

CONDITIONS = ("pregnancy-1", "pregnancy-2", "pregnancy-3", "profile-duffy-null", "age-unknown")
"""Conditions a row may be limited to; ``age-unknown`` is met exactly when no age is given."""
Kind = Literal["reference", "critical"]
SOME_AGE_FROM = AgeBound(1, "m")
"""Without an age, the critical limits of the age bands from here up (children and adults) are
weighed (RangeTable.critical_at_some_age); newborns' own limits need the baby's age."""

# Mean lengths (age.mean_days), used only to order, overlap-check and gap-check bands written
# in different units.
_days = mean_days


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


class Envelope(NamedTuple):
    """The limits a value is judged by (reference or critical).

    ``low``/``high`` are the outer envelope of every row that could apply to the person (the
    lowest low, the highest high), ``inner_low``/``inner_high`` the inner one (the highest low,
    the lowest high). For one chosen row both are that row's limits. None means no limit on that
    side: in the outer envelope, some row has none; in the inner one, no row has one.
    """

    low: float | None
    high: float | None
    inner_low: float | None
    inner_high: float | None


def envelope(rows: Sequence[ReferenceRange], kind: Kind = "reference") -> Envelope:
    """The outer and inner envelope of rows' limits (see :class:`Envelope`)."""
    if kind == "reference":
        lows = [r.low for r in rows]
        highs = [r.high for r in rows]
    else:
        lows = [r.critical_low for r in rows]
        highs = [r.critical_high for r in rows]
    known_lows = [x for x in lows if x is not None]
    known_highs = [x for x in highs if x is not None]
    return Envelope(
        low=min(known_lows) if known_lows and len(known_lows) == len(lows) else None,
        high=max(known_highs) if known_highs and len(known_highs) == len(highs) else None,
        inner_low=max(known_lows) if known_lows else None,
        inner_high=min(known_highs) if known_highs else None,
    )


class Selection(NamedTuple):
    """The row chosen for one analyte and person, or the reason none applies.

    When the row cannot be chosen (sex or age not given, or the age too coarse), ``candidates``
    holds every row that could apply to the person, provided that every person they could be
    has one; the value can then still be judged where all of them agree (:meth:`limits`).
    """

    range: ReferenceRange | None
    reason: str | None = None
    candidates: tuple[ReferenceRange, ...] = ()

    def limits(self, kind: Kind = "reference") -> Envelope | None:
        """The limits to judge a value by: the chosen row's, the envelope of the candidates,
        or None when no range applies."""
        if self.range is not None:
            return envelope([self.range], kind)
        if self.candidates:
            return envelope(self.candidates, kind)
        return None


def shipped_ranges_dir() -> Path:
    """The folder of the shipped range files: inside the wheel, or at the repository root."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "reference_ranges", here.parent / "reference_ranges"):
        if (candidate / "adult.toml").is_file():
            return candidate
    raise RangeFileError(  # pragma: no cover - a broken install
        "the shipped reference ranges are missing from this installation",
        code="range_file.missing",
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
            "no such file",
            code="range_file.missing",
            path=name,
            hint="check the path given to {ranges} or CBC_RANGES",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RangeFileError(f"cannot read: {exc.__class__.__name__}", path=name) from None
    except tomllib.TOMLDecodeError as exc:
        raise RangeFileError(
            f"not valid TOML ({exc})",
            path=name,
            hint="see the syntax comment at the top of a shipped range file",
        ) from None
    except ValueError:  # tomllib's int() of an integer of thousands of digits
        raise RangeFileError(
            "not valid TOML (a number too long to read)",
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
        # Every row names where its numbers come from (README, Reference ranges).
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


def _by_group(
    rows: Sequence[ReferenceRange],
) -> dict[tuple[str, str | None, Kind], list[tuple[int, ReferenceRange]]]:
    """Rows (with their position) by analyte, condition and kind of limit they set."""
    groups: dict[tuple[str, str | None, Kind], list[tuple[int, ReferenceRange]]] = {}
    kinds: tuple[Kind, ...] = ("reference", "critical")
    for i, row in enumerate(rows):
        for kind in kinds:
            if row.has(kind):
                groups.setdefault((row.analyte, row.condition, kind), []).append((i, row))
    return groups


def _for_sex(group: list[tuple[int, ReferenceRange]], sex: str) -> list[tuple[int, ReferenceRange]]:
    """The group's rows that apply to one sex (any-sex rows apply to both), by age."""
    rows = [(i, r) for i, r in group if r.sex in (sex, "any")]
    rows.sort(key=lambda item: (_days(item[1].age_from), _days(item[1].age_to), item[0]))
    return rows


def check_layer(rows: Sequence[ReferenceRange], *, complete: bool = False) -> None:
    """Refuse two rows of one layer that would both apply to the same person; with
    ``complete``, also an analyte whose age bands leave a gap.

    Overlap: two rows for one analyte, condition and kind of limit (reference or critical) whose
    sexes meet (``any`` meets both) and whose age bands overlap. Gap (``complete``): for every
    analyte, condition and kind with an age-banded row (one with ``age_to``), the rows for each
    sex present (``any`` counting for both) must cover 0d to no upper end. Both are checked by
    sorting the rows by age once per group and sex, so a file of thousands of rows takes
    milliseconds. Ages in different units are compared in mean days (1 m = 30.4375 d).

    Raises:
        RangeFileError: naming both overlapping rows, or the gap.
    """
    for (analyte, condition, kind), group in _by_group(rows).items():
        present = {r.sex for _, r in group}
        sexes = ("female", "male") if "any" in present else tuple(sorted(present))
        banded = complete and any(r.age_to is not None for _, r in group)
        for sex in sexes:
            ordered = _for_sex(group, sex)
            reach, holder = 0.0, None
            for i, row in ordered:
                start = _days(row.age_from)
                if holder is not None and start < reach:
                    a, b = sorted((holder, (i, row)))
                    raise RangeFileError(
                        f"{a[1].origin} and {b[1].origin} both set the {kind} range of {analyte} "
                        f"for {a[1].describe()} / {b[1].describe()}",
                        hint="make the age bands or sexes of the two rows not overlap",
                    )
                if banded and start > reach:
                    raise _gap(analyte, condition, kind, sex, reach, holder and holder[1], row)
                if holder is None or _days(row.age_to) > reach:
                    reach, holder = _days(row.age_to), (i, row)
            if banded and reach != float("inf"):
                raise _gap(analyte, condition, kind, sex, reach, holder and holder[1], None)


def _gap(
    analyte: str,
    condition: str | None,
    kind: Kind,
    sex: str,
    reach: float,
    before: ReferenceRange | None,
    after: ReferenceRange | None,
) -> RangeFileError:
    start = _day_text(reach)
    end = f"{after.age_from}" if after is not None else "no upper end"
    where = f" ({condition})" if condition else ""
    rows = [f"after {before.origin}"] if before is not None else []
    rows += [f"before {after.origin}"] if after is not None else []
    return RangeFileError(
        f"the {kind} ranges of {analyte} for {sex}{where} leave a gap from {start} to {end} "
        f"({', '.join(rows)})",
        hint="add a row for that age band, so that every age from 0d on has one",
    )


def _day_text(days: float) -> str:
    """Mean days as the largest whole unit that gives them back exactly (``6574.5`` -> 18y)."""
    if days == float("inf"):
        return "no upper end"
    if days == 0:
        return "0d"
    for unit in ("y", "m", "w", "d"):
        n = days / AgeBound(1, unit).mean_days()
        if n == int(n):
            return f"{int(n)}{unit}"
    return f"{days:g} days"


def _span(age: Age | None) -> tuple[float, float]:
    """The ages in days a person could be: all ages when unknown, and for a declared age as
    wide as ``age.at_least`` allows (``1m`` is 28 to 62 days)."""
    if age is None:
        return 0.0, float("inf")
    if age.exact_days is not None:
        return float(age.exact_days), age.exact_days + 1.0
    shortest, longest = DAYS_PER_UNIT[age.unit]
    return float(age.n * shortest), float((age.n + 1) * longest)


def _bound_days(bound: AgeBound | None, age: Age | None, span: tuple[float, float]) -> float:
    """A band's end in days, placed against the span of ages a person could be (_span): a bound
    the person is certainly past, or certainly short of, lies at or beyond that end of the span.

    A bound that may fall within the span (``at_least`` cannot tell) is placed inside it: at the
    middle of where the bound's possible days (1m: 28 to 31) meet the span, so that the bands on
    both sides of it each cover some of the ages the person could be.

    Mean days alone (1m = 30.4 days) left part of a declared month (0 m: up to 31 days) outside
    bands that end at 1m, so that the critical limits of every day of a baby's first month were
    dropped as leaving a gap; and placed 1m past every age "28d" could be, so that the band from
    1 month was dropped for it."""
    days = _days(bound)
    if bound is None or age is None:
        return days
    past = at_least(age, bound)
    if past is True:
        return min(days, span[0])
    if past is False:
        return max(days, span[1])
    shortest, longest = DAYS_PER_UNIT[bound.unit]
    low, high = max(bound.n * shortest, span[0]), min(bound.n * longest, span[1])
    return (low + high) / 2 if low <= high else days


def _subtract(
    pieces: list[tuple[float, float]], taken: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The parts of ``pieces`` (intervals [lo, hi)) that no interval of ``taken`` covers."""
    for t_lo, t_hi in taken:
        left: list[tuple[float, float]] = []
        for lo, hi in pieces:
            if t_hi <= lo or t_lo >= hi:
                left.append((lo, hi))
                continue
            if lo < t_lo:
                left.append((lo, t_lo))
            if t_hi < hi:
                left.append((t_hi, hi))
        pieces = left
    return pieces


def _name(analyte: str) -> str:
    """The analyte's name for a reason a reader sees (``band neutrophils``), not its id."""
    return ANALYTES[analyte].name if analyte in ANALYTES else analyte


class RangeTable:
    """All loaded range rows, layered: a higher layer (a lab's file) wins over a lower one."""

    def __init__(self, rows: Iterable[ReferenceRange], sources: Sequence[str] = ()) -> None:
        self.rows = tuple(rows)
        self.sources = tuple(sources)
        self._by_analyte: dict[str, list[ReferenceRange]] = {}
        for row in self.rows:
            self._by_analyte.setdefault(row.analyte, []).append(row)
        # A batch asks the same question for every row: answers are kept by class of persons
        # (see select), and by exact age for the few whose text names the age.
        self._classed: dict[tuple[object, ...], Selection] = {}
        self._by_age: dict[tuple[object, ...], Selection] = {}
        self._bounds: dict[tuple[str, str], AgeBounds] = {}
        self._grouped: dict[tuple[str, str], list[list[ReferenceRange]]] = {}
        self._some_age: dict[tuple[str, str | None], Envelope | None] = {}

    def rows_for(self, analyte: str) -> list[ReferenceRange]:
        """Every row for an analyte, in load order."""
        return self._by_analyte.get(analyte, [])

    def select(self, analyte: str, patient: Patient, kind: Kind = "reference") -> Selection:
        """Pick the row that applies to this person, or say why none does.

        Condition rows the person meets (pregnancy, an opted-in profile) come first, then general
        rows; within each, the highest layer; within a layer, the sex-specific row over ``any``
        and the narrower age band over the wider. When a row might apply but cannot be decided
        (sex or age unknown or too coarse), no row is chosen: the selection gives the reason and
        every row that could apply to the person (``candidates``), so that the value is judged
        against all of them and a lower or less specific row is never borrowed in their place.
        With no age given the person meets the ``age-unknown`` condition, whose rows come first.
        """
        # Only the sex, the conditions and where the age lies among the age bounds of the
        # analyte's rows choose a row (Patient.fits, Patient.conditions; not temperature or
        # days since chemotherapy): persons alike in these get the same row, whatever their
        # exact ages, so a file of as many ages as birth dates asks the rules a few times.
        bounds = self._bounds.get((analyte, kind))
        if bounds is None:
            rows = (row for group in self._groups(analyte, kind) for row in group)
            bounds = AgeBounds(b for row in rows for b in (row.age_from, row.age_to))
            self._bounds[(analyte, kind)] = bounds
        sides = bounds.sides(patient.age)
        key = (
            analyte,
            kind,
            patient.sex,
            patient.pregnancy_trimester,
            patient.profiles,
            sides,
        )
        chosen = self._classed.get(key)
        if chosen is not None:
            return chosen
        exact = (
            analyte,
            kind,
            patient.sex,
            patient.age,
            patient.pregnancy_trimester,
            patient.profiles,
        )
        chosen = self._by_age.get(exact)
        if chosen is None:
            chosen = self._select(analyte, patient, kind)
            # A chosen row is the class's; so are the candidates when the age is on one side of
            # every bound (each row that fits then covers the person's whole span of ages). The
            # rest are kept by exact age: a "no range" names the person's age, and the
            # candidates for an age too coarse depend on the span of ages it declares.
            shared = (
                chosen.range is not None
                or patient.age is None
                or (bool(chosen.candidates) and AgeBounds.decided(sides))
            )
            cache, at = (self._classed, key) if shared else (self._by_age, exact)
            if len(cache) < 100_000:
                cache[at] = chosen
        return chosen

    def critical_at_some_age(self, analyte: str, patient: Patient) -> Envelope | None:
        """For a person whose age is not given: the critical limits of every age band from
        SOME_AGE_FROM up (the highest layer's rows without a condition that fit the person's
        sex), as an envelope; beyond its outer limits (the lowest low, the highest high) a value
        is critical at every one of those ages. None when the age is given or no such row is
        loaded.

        The shipped age-unknown rows are the inner limits (the strictest), so that a value
        critical at any of those ages is critical without an age; between them and the outer
        ones it is critical for some ages only, which the value's note says (engine.judge_value,
        docs/clinical.md section 5).
        """
        if patient.age is not None:
            return None
        key = (analyte, patient.sex)
        if key not in self._some_age:
            found: Envelope | None = None
            for group in self._groups(analyte, "critical"):
                rows = [
                    r
                    for r in group
                    if r.condition is None
                    and _days(r.age_to) > _days(SOME_AGE_FROM)
                    and (patient.sex is None or r.sex in ("any", patient.sex))
                ]
                if rows:
                    found = envelope(rows, "critical")
                    break
            self._some_age[key] = found
        return self._some_age[key]

    def cache_size(self) -> int:
        """How many answers :meth:`select` keeps: one for each analyte, kind of limit and
        class of persons asked about (alike in sex, conditions and the side of each of the
        analyte's age bounds their age lies on), and one for each exact age whose answer names
        that age (no range applies)."""
        return len(self._classed) + len(self._by_age)

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
        groups = self._groups(analyte, kind)
        for group in groups:
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
                reason = self._undecided_reason(analyte, patient, undecided, kind)
                return self._could_apply(analyte, patient, kind, groups, reason)
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
            f"no {label} for {_name(analyte)}"
            + (f" ({', '.join(who)})" if who else "")
            + " in the loaded files",
        )

    def _could_apply(
        self,
        analyte: str,
        patient: Patient,
        kind: Kind,
        groups: list[list[ReferenceRange]],
        reason: str,
    ) -> Selection:
        """Every row that could apply when the person's row cannot be chosen.

        For each sex the person could be and each age they could be, the row selection would
        choose (condition rows first, then the highest layer) is a candidate; a lower group's row
        counts only for the ages the higher groups leave uncovered. When some sex and age the
        person could be has no row at all, there are no candidates: no range applies.
        """
        sexes: tuple[Sex, ...] = (patient.sex,) if patient.sex else ("female", "male")
        span = _span(patient.age)
        conditions = patient.conditions
        found: dict[int, ReferenceRange] = {}
        missing: list[tuple[str, float, float]] = []
        for sex in sexes:
            person = patient._replace(sex=sex)
            uncovered = [span]
            for group in groups:
                taken: list[tuple[float, float]] = []
                for row in group:
                    if row.condition is not None and row.condition not in conditions:
                        continue
                    sex_ok, age_ok = person.fits(row.sex, row.age_from, row.age_to)
                    if sex_ok is False or age_ok is False:
                        continue
                    piece = (
                        span
                        if age_ok
                        else (
                            _bound_days(row.age_from, patient.age, span),
                            _bound_days(row.age_to, patient.age, span),
                        )
                    )
                    if _subtract(uncovered, [piece]) != uncovered:  # covers some of what is left
                        found.setdefault(id(row), row)
                        taken.append(piece)
                uncovered = _subtract(uncovered, taken)
                if not uncovered:
                    break
            missing.extend((sex, lo, hi) for lo, hi in uncovered)
        if missing:
            label = "critical limit" if kind == "critical" else "range"
            parts = sorted(
                {
                    f"{_day_text(lo)} and over"
                    if hi == float("inf")
                    else f"{_day_text(lo)} to {_day_text(hi)}"
                    for _, lo, hi in missing
                }
            )
            whose = {sex for sex, _, _ in missing}
            who = f"{whose.pop()}s aged" if len(whose) == 1 and not patient.sex else "ages"
            unknown = [] if patient.sex else ["sex"]
            if patient.age is None:
                unknown.append("age")
            given = (
                f"the {' and '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not given"
                if unknown
                else f"age {patient.age.describe() if patient.age else ''} is not precise enough"
            )
            return Selection(
                None,
                f"no {_name(analyte)} {label} is loaded for {who} {', '.join(parts)}, and {given}",
            )
        return Selection(None, reason, tuple(found.values()))

    @staticmethod
    def _undecided_reason(
        analyte: str, patient: Patient, undecided: list[tuple[ReferenceRange, str]], kind: Kind
    ) -> str:
        label = "critical limits" if kind == "critical" else "ranges"
        # Said for a reader: the analyte's name, and the bands youngest first.
        name = _name(analyte)
        if any(why == "sex" for _, why in undecided):
            if patient.age is None:
                return f"{name} {label} depend on sex and age, and neither is given"
            return f"{name} {label} differ by sex, and the sex is not given"
        if patient.age is None:
            return f"{name} {label} depend on age, and the age is not given"
        rows = sorted((r for r, _ in undecided), key=lambda r: (_days(r.age_from), _days(r.age_to)))
        bands = ", ".join(dict.fromkeys(band_text(r.age_from, r.age_to) for r in rows))
        return (
            f"age {patient.age.describe()} is not precise enough to choose between {name} "
            f"{label} for {bands}: give the birth and collection dates, or the age in months "
            "or days"
        )


def load_ranges(
    extra: Sequence[Path] = (), *, defaults: bool = True, limits: Limits = DEFAULT_LIMITS
) -> RangeTable:
    """Load the shipped defaults (layer 0) and each extra file as a layer above them (each
    within ``limits.ranges_file``).

    Raises:
        RangeFileError: a file is missing or invalid, one layer has overlapping rows, or the
            shipped defaults leave a gap in age.
    """
    rows: list[ReferenceRange] = []
    sources: list[str] = []
    if defaults:
        shipped = sorted(shipped_ranges_dir().glob("*.toml"))
        layer_rows = [row for path in shipped for row in load_range_file(path, 0)]
        # The defaults must leave no age without a range where they give any age band.
        check_layer(layer_rows, complete=True)
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
