"""Grading schemes (CTCAE v5.0, v6.0, v4.03, DAIDS v2.1): reading criteria files, grading a value.

The criteria are data in ``reference_ranges/grading/``; this module only reads them and applies
the comparison rules of docs/clinical.md section 4: evaluate from the highest grade down, a
value on a threshold takes the milder grade, both sides rounded to 12 significant digits, and
"cannot grade" kept apart from grade 0.
"""

from __future__ import annotations

import operator
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from cbc_cli.age import AgeBound, AgeBounds, band_text, parse_bound
from cbc_cli.analytes import find_analyte
from cbc_cli.errors import RangeFileError, UnitError, UsageError
from cbc_cli.limits import read_settings_file
from cbc_cli.models import SchemeInfo
from cbc_cli.panel import Patient
from cbc_cli.ranges import shipped_ranges_dir
from cbc_cli.shape import Spec, conforms, first_error, with_defaults
from cbc_cli.units import unit_factor

SCHEMES = ("ctcae5", "ctcae6", "ctcae4", "daids21")
"""Scheme ids: the file names under reference_ranges/grading/."""
SCHEME_ALIASES = {
    "daids": "daids21",
    "ctcae": "ctcae5",
    "ctcae-v5": "ctcae5",
    "ctcae-v6": "ctcae6",
    "ctcae-v4": "ctcae4",
}
"""Other names accepted for a scheme id."""
SCHEME_CHOICES = ("ctcae5", "ctcae6", "ctcae4", "daids")
"""The names offered to people (``--grading``, messages): one per scheme."""
DEFAULT_SCHEME = "ctcae5"
_OPS = ("below", "at_most", "above", "at_least")
_COMPARE = {
    "below": operator.lt,
    "at_most": operator.le,
    "above": operator.gt,
    "at_least": operator.ge,
}
_LIMIT = re.compile(r"^(LLN|ULN)(?:\s*([+-])\s*(\d+(?:\.\d+)?))?$")


def guard(x: float) -> float:
    """Round to 12 significant digits so that 80 g/L and 8.0 g/dL compare equal."""
    return float(f"{x:.12g}")


@lru_cache(maxsize=4096)
def guard_limit(x: float) -> float:
    """:func:`guard` of a limit (a range's or a threshold's): limits are few and each is compared
    with many values, so each is rounded once."""
    return guard(x)


_GRADE: Spec = {
    "grade": (Literal[1, 2, 3, 4], ...),
    "below": (float | str | None, None),
    "at_most": (float | str | None, None),
    "above": (float | str | None, None),
    "at_least": (float | str | None, None),
}
_CRITERION: Spec = {
    "finding": (str, ...),
    "term": (str, ...),
    "analyte": (str, ...),
    "unit": (str, ...),
    "direction": (Literal["low", "high"], ...),
    "sex": (Literal["female", "male", "any"], "any"),
    "age_from": (str, "0d"),
    "age_to": (str | None, None),
    "max_lab_grade": (Literal[1, 2, 3, 4], ...),
    "note": (str | None, None),
    "note_from": (Literal[0, 1, 2, 3, 4], 0),
    "grades": ([_GRADE], ...),
}
_SCHEME: Spec = {
    "scheme": (str, ...),
    "title": (str, ...),
    "version": (str, ...),
    "source": (str, ...),
    "uses_lln": (bool, ...),
    "grade_words": (dict[str, str], ...),
    "not_graded": (dict[str, str], {}),
    "criterion": ([_CRITERION], ...),
}


class Threshold(NamedTuple):
    """One grade's boundary: ``value <op> limit``, where limit is a number or LLN/ULN +- offset."""

    grade: int
    op: str
    number: float
    base: str | None
    """None for an absolute number; "LLN" or "ULN" when ``number`` is an offset from it."""

    def limit(self, lln: float | None, uln: float | None) -> float | None:
        """The threshold in canonical units, or None when it needs an LLN/ULN that is unknown."""
        if self.base is None:
            return self.number
        ref = lln if self.base == "LLN" else uln
        return None if ref is None else ref + self.number

    def describe(self) -> str:
        """Words such as ``< 8 g/dL`` or ``< LLN``."""
        sign = {"below": "<", "at_most": "<=", "above": ">", "at_least": ">="}[self.op]
        if self.base is None:
            return f"{sign} {self.number:g}"
        offset = f"{self.number:+g}" if self.number else ""
        return f"{sign} {self.base}{offset}"


class Criterion(NamedTuple):
    """One graded term of a scheme, thresholds in the analyte's canonical unit."""

    finding: str
    term: str
    analyte: str
    direction: str
    sex: str
    age_from: AgeBound
    age_to: AgeBound | None
    max_lab_grade: int
    note: str | None
    thresholds: tuple[Threshold, ...]
    """Highest grade first."""
    note_from: int = 0
    """The lowest grade ``note`` is said with (0: every grade): "a hemoglobin value alone
    supports at most grade 3" says nothing to a grade 2."""

    @property
    def grade_one_from_limit(self) -> bool:
        """Whether grade 1 starts at the LLN (ULN for increased terms), as in CTCAE v5.0.

        Only then does a count inside the person's range mean grade 0 whatever the fixed
        cut-offs say; CTCAE v6.0 grades neutrophils by fixed cut-offs alone.
        """
        return any(t.grade == 1 and t.base is not None for t in self.thresholds)

    @property
    def has_grade_one(self) -> bool:
        """Whether the term has a grade 1 at all (CTCAE leukocytosis starts at grade 3)."""
        return any(t.grade == 1 for t in self.thresholds)


@dataclass
class Scheme:
    """A grading scheme: its name, source and criteria."""

    id: str
    title: str
    version: str
    source: str
    uses_lln: bool
    grade_words: dict[int, str]
    criteria: tuple[Criterion, ...]
    not_graded: dict[str, str] = field(default_factory=dict)
    """Finding -> why the scheme cannot grade it (it has no term for it)."""
    _classed: dict[tuple[object, ...], Grade | Criterion] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    """Memo of :meth:`choose_criterion` by finding and class of persons (sex, and where the age
    lies among the age bounds of the finding's criteria)."""
    _by_age: dict[tuple[object, ...], Grade | Criterion] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    """Memo of :meth:`choose_criterion` by finding, sex and exact age, for the answers that
    name the age (no criterion for it)."""
    _bounds: dict[str, AgeBounds] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _needs: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    def criteria_for(self, finding: str) -> list[Criterion]:
        """Every criterion of this scheme that grades ``finding``."""
        return [c for c in self.criteria if c.finding == finding]

    def cache_size(self) -> int:
        """How many answers :meth:`choose_criterion` keeps: one for each finding and class of
        persons asked about (alike in sex and the side of each of the finding's age bounds
        their age lies on), and one for each exact age whose answer names that age."""
        return len(self._classed) + len(self._by_age)

    def choose_criterion(self, finding: str, patient: Patient) -> Grade | Criterion:
        """The criterion that grades ``finding`` for this person, or a Grade(None) saying why
        not."""
        # Only the sex and where the age lies among the finding's age bounds choose a criterion
        # (Patient.fits): persons alike in these get the same answer, whatever their exact ages.
        bounds = self._bounds.get(finding)
        if bounds is None:
            criteria = self.criteria_for(finding)
            bounds = AgeBounds(b for c in criteria for b in (c.age_from, c.age_to))
            self._bounds[finding] = bounds
        key = (finding, patient.sex, bounds.sides(patient.age))
        chosen = self._classed.get(key)
        if chosen is not None:
            return chosen
        exact = (finding, patient.sex, patient.age)
        chosen = self._by_age.get(exact)
        if chosen is None:
            chosen, names_age = _choose_criterion(self, finding, patient)
            cache, at = (self._by_age, exact) if names_age else (self._classed, key)
            if len(cache) < 100_000:
                cache[at] = chosen
        return chosen

    @property
    def needs(self) -> tuple[str, ...]:
        """What the scheme grades by (``age``, ``sex``): its criteria are split by them, so a
        sample without them is not graded by it (DAIDS v2.1: age and sex; CTCAE: nothing)."""
        found = self._needs
        if found is None:
            # Patient.fits: a criterion for all ages (from 0d, no end) or any sex needs neither.
            by_age = any(c.age_from.n != 0 or c.age_to is not None for c in self.criteria)
            by_sex = any(c.sex != "any" for c in self.criteria)
            found = self._needs = (*(["age"] if by_age else []), *(["sex"] if by_sex else []))
        return found


class Grade(NamedTuple):
    """The outcome of grading one value: a grade 0-4, or None ("cannot grade") with a reason."""

    grade: int | None
    note: str | None = None
    criterion: Criterion | None = None


def _threshold(grade: dict[str, Any], factor: float, where: str) -> Threshold:
    ops = [(op, grade[op]) for op in _OPS if grade.get(op) is not None]
    if len(ops) != 1:
        raise ValueError(f"{where}: grade {grade['grade']} needs exactly one of {', '.join(_OPS)}")
    op, raw = ops[0]
    if isinstance(raw, str):
        match = _LIMIT.match(raw.strip())
        if match is None:
            raise ValueError(f"{where}: limit {raw!r} must be a number, LLN, ULN or ULN+N")
        offset = float(match[3] or 0) * (-1 if match[2] == "-" else 1)
        return Threshold(grade["grade"], op, offset * factor, match[1])
    return Threshold(grade["grade"], op, float(raw) * factor, None)


def missing_context(scheme: Scheme, patient: Patient) -> str | None:
    """What the scheme grades by that the person lacks (``age``, else ``sex``), or None.

    The policy of every path (docs/errors.md, ``patient.age_required``): a sample without it is
    not interpreted under that scheme, so no finding it could grade shows ungraded or graded
    by a band that may not be the person's. ``interpret()`` and ``cbc check`` with values refuse
    (:func:`context_error`); a file's sample becomes an error row (cbc_cli.batch).
    """
    for need in scheme.needs:
        if (patient.age if need == "age" else patient.sex) is None:
            return need
    return None


def context_error(scheme: Scheme, need: str) -> UsageError:
    """The error for a sample without ``need`` (``age`` or ``sex``) under ``scheme``."""
    return UsageError(
        context_message(scheme, need),
        code=f"patient.{need}_required",
        field=need,
        hint="give {age} (or {dob}) and {sex}",
    )


def context_message(scheme: Scheme, need: str) -> str:
    """Why a sample without ``need`` is not graded by ``scheme``, in a sentence."""
    by = " and ".join(scheme.needs)
    return f"{scheme.title} grades by {by}: no {need} was given"


def scheme_info(scheme: Scheme) -> SchemeInfo:
    """The output description of a scheme."""
    return SchemeInfo(
        id=scheme.id, title=scheme.title, version=scheme.version, source=scheme.source
    )


def load_scheme_file(path: Path) -> Scheme:
    """Read and validate one grading-criteria file.

    Raises:
        RangeFileError: missing or invalid, naming the file and the criterion.
    """
    name = str(path)
    try:
        raw = tomllib.loads(read_settings_file(path))
    except FileNotFoundError:
        raise RangeFileError("no such grading file", code="range_file.missing", path=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RangeFileError(f"cannot read: {exc.__class__.__name__}", path=name) from None
    except RecursionError:  # tomllib recurses into nested arrays and tables
        raise RangeFileError("not valid TOML (nested too deeply)", path=name) from None
    except tomllib.TOMLDecodeError as exc:
        raise RangeFileError(f"not valid TOML ({exc})", path=name) from None
    except ValueError:  # tomllib's int() of an integer of thousands of digits
        raise RangeFileError("not valid TOML (a number too long to read)", path=name) from None
    if not conforms(raw, _SCHEME):
        found = first_error(raw, _SCHEME, "GradingScheme")
        loc, msg = found if found else ((), "does not match the grading-file syntax")
        raise RangeFileError(f"{'.'.join(str(p) for p in loc)}: {msg.lower()}", path=name)
    parsed = with_defaults(raw, _SCHEME)
    criteria: list[Criterion] = []
    seen: set[tuple[str, str, str, str | None]] = set()
    for i, item in enumerate(parsed["criterion"], start=1):
        c = with_defaults(item, _CRITERION)
        where = f"criterion #{i}"
        analyte = find_analyte(c["analyte"])
        if analyte is None:
            raise RangeFileError(f"unknown analyte {c['analyte']!r}", path=name, location=where)
        try:
            factor = unit_factor(analyte, c["unit"])
            thresholds = tuple(
                sorted((_threshold(g, factor, where) for g in c["grades"]), key=lambda t: -t.grade)
            )
            start, end = (
                parse_bound(c["age_from"]),
                (parse_bound(c["age_to"]) if c["age_to"] else None),
            )
        except (ValueError, UnitError) as exc:
            raise RangeFileError(str(exc), path=name, location=where) from None
        key = (c["finding"], c["sex"], c["age_from"], c["age_to"])
        if key in seen:
            raise RangeFileError(
                f"duplicate criterion for {c['finding']} ({c['sex']}, {c['age_from']})",
                path=name,
                location=where,
            )
        seen.add(key)
        criteria.append(
            Criterion(
                c["finding"],
                c["term"],
                analyte.id,
                c["direction"],
                c["sex"],
                start,
                end,
                c["max_lab_grade"],
                c["note"],
                thresholds,
                c["note_from"],
            )
        )
    words = {int(k): v for k, v in parsed["grade_words"].items()}
    return Scheme(
        parsed["scheme"],
        parsed["title"],
        parsed["version"],
        parsed["source"],
        parsed["uses_lln"],
        words,
        tuple(criteria),
        dict(parsed["not_graded"]),
    )


@cache
def load_scheme(scheme_id: str = DEFAULT_SCHEME) -> Scheme:
    """Load a shipped scheme by id (``ctcae5``, ``ctcae6``, ``ctcae4``, ``daids21``).

    Raises:
        UsageError: an unknown scheme id.
        RangeFileError: the shipped file is invalid.
    """
    if scheme_id not in SCHEMES:
        raise UsageError(
            f"unknown grading scheme {scheme_id!r}",
            code="scheme.unknown",
            field="grading",
            hint="use one of " + ", ".join(SCHEMES),
        )
    return load_scheme_file(shipped_ranges_dir() / "grading" / f"{scheme_id}.toml")


def _choose_criterion(
    scheme: Scheme, finding: str, patient: Patient
) -> tuple[Grade | Criterion, bool]:
    """The answer, and whether its text names the person's age (not to be shared by others)."""
    candidates = scheme.criteria_for(finding)
    if not candidates:
        reason = scheme.not_graded.get(finding, f"{scheme.title} has no criteria for {finding}")
        return Grade(None, reason), False
    matches: list[Criterion] = []
    needs: set[str] = set()
    for c in candidates:
        sex_ok, age_ok = patient.fits(c.sex, c.age_from, c.age_to)
        if sex_ok is False or age_ok is False:
            continue
        if sex_ok is None:
            needs.add("sex")
        if age_ok is None:
            needs.add("age" if patient.age is None else "a more precise age")
        if sex_ok and age_ok:
            matches.append(c)
    if needs:
        return Grade(
            None,
            f"{scheme.title} grades {finding} by age and sex: needs " + " and ".join(sorted(needs)),
        ), False
    if not matches:
        age = f" at age {patient.age.describe()}" if patient.age else ""
        bands = ", ".join(band_text(c.age_from, c.age_to) for c in candidates)
        return Grade(
            None, f"{scheme.title} has no criteria for {finding}{age} (it covers {bands})"
        ), patient.age is not None
    return matches[0], False


def grade_value(criterion: Criterion, value: float, lln: float | None, uln: float | None) -> Grade:
    """Grade ``value`` (canonical unit) by one criterion.

    The first threshold that holds, from the highest grade down, gives the grade. When none holds
    and a skipped threshold needed an LLN or ULN that is unknown, the value cannot be graded;
    otherwise it is grade 0.

    >>> c = load_scheme("ctcae5").criteria_for("neutropenia")[0]
    >>> grade_value(c, 0.8, 1.8, 7.7).grade
    3
    """
    missing: str | None = None
    v = guard(value)
    for t in criterion.thresholds:
        limit = t.limit(lln, uln)
        if limit is None:
            missing = t.base
            continue
        if _COMPARE[t.op](v, guard_limit(limit)):  # the value guarded once, each limit as it comes
            note = criterion.note if t.grade >= criterion.note_from else None
            return Grade(t.grade, note, criterion)
    if missing is not None:
        word = "lower" if missing == "LLN" else "upper"
        return Grade(
            None, f"cannot grade: no {word} limit of normal ({missing}) applies", criterion
        )
    return Grade(0, None, criterion)
