"""The rules ``cbc trend`` counts against: the schema of ``trend_rules.toml``, loading, checks."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from cbc_cli.analytes import find_analyte
from cbc_cli.errors import RangeFileError, UnitError
from cbc_cli.grading import guard
from cbc_cli.models import Urgency
from cbc_cli.ranges import shipped_ranges_dir
from cbc_cli.shape import Spec, conforms, first_error, with_defaults
from cbc_cli.units import unit_factor

GraftSource = Literal["pb", "marrow", "cord"]
GRAFT_SOURCES: tuple[GraftSource, ...] = ("pb", "marrow", "cord")

_BELOW: Spec = {
    "analyte": (str, ...),
    "below": (float, ...),
    "unit": (str, ...),
    "label": (str, ...),
    "source": (str, ...),
}
_MILESTONE: Spec = {
    "code": (str, ...),
    "title": (str, ...),
    "analyte": (str, ...),
    "at_least": (float | Literal["LLN"], ...),
    "unit": (str, ...),
    "draws": (int, 1),
    "transfusion_free_days": (int | None, None),
    "lost_urgency": (Literal["routine", "soon", "now"], "soon"),
    "source": (str, ...),
}
_CHANGE: Spec = {
    "code": (str, ...),
    "title": (str, ...),
    "analyte": (str, ...),
    "unit": (str, ...),
    "urgency": (Literal["routine", "soon", "now"], "soon"),
    "fall_by": (float | None, None),
    "fall_to_fraction": (float | None, None),
    "from_at_least": (float | None, None),
    "to_below": (float | None, None),
    "source": (str, ...),
}
_ENGRAFTMENT: Spec = {
    "pb": (int, ...),
    "marrow": (int, ...),
    "cord": (int, ...),
    "milestone": (str, ...),
    "source": (str, ...),
}
_CHEMOTHERAPY: Spec = {
    "lowest_from_day": (int, ...),
    "lowest_to_day": (int, ...),
    "recovered_from_day": (int, ...),
    "recovered_to_day": (int, ...),
    "review_from_day": (int, ...),
    "review_to_day": (int, ...),
    "source": (str, ...),
}
_GAPS: Spec = {"long_gap_days": (int, ...), "source": (str, ...)}
_RULES_FILE: Spec = {
    "below": ([_BELOW], ...),
    "milestone": ([_MILESTONE], ...),
    "change": ([_CHANGE], ...),
    "engraftment": (_ENGRAFTMENT, ...),
    "chemotherapy": (_CHEMOTHERAPY, ...),
    "gaps": (_GAPS, ...),
}
_CODE = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class BelowRule:
    """A level for "days below", in the analyte's canonical unit."""

    analyte: str
    below: float
    label: str
    source: str


@dataclass(frozen=True, slots=True)
class MilestoneRule:
    """A recovery milestone: ``draws`` successive draws on different days at or above a level."""

    code: str
    title: str
    analyte: str
    at_least: float | None
    """Canonical unit; None means the lower limit of each draw's reference range."""
    draws: int
    transfusion_free_days: int | None
    lost_urgency: Urgency
    """How soon to call when a draw falls back below the level after the milestone."""
    source: str


@dataclass(frozen=True, slots=True)
class ChemoTimeline:
    """The usual course after chemotherapy, in days after day 0 (context, never a prediction)."""

    lowest_from_day: int
    lowest_to_day: int
    recovered_from_day: int
    recovered_to_day: int
    review_from_day: int
    review_to_day: int
    """After this day a count still below its recovery level is "not yet", worth a review."""
    source: str


@dataclass(frozen=True, slots=True)
class ChangeRule:
    """A change between two consecutive draws worth a call to the care team."""

    code: str
    title: str
    analyte: str
    urgency: Urgency
    fall_by: float | None
    fall_to_fraction: float | None
    from_at_least: float | None
    to_below: float | None
    source: str

    def matches(self, before: float, after: float) -> bool:
        """Whether going from ``before`` to ``after`` (canonical unit) is this change."""
        if self.fall_by is not None:
            return guard(before - after) >= guard(self.fall_by)
        if self.fall_to_fraction is not None:
            return before > 0 and guard(after) <= guard(before * self.fall_to_fraction)
        low, high = self.to_below or 0.0, self.from_at_least or 0.0
        return guard(before) >= guard(high) and guard(after) < guard(low)


@dataclass(frozen=True, slots=True)
class TrendRules:
    """Everything ``cbc trend`` counts against, read from the rules file."""

    below: tuple[BelowRule, ...]
    milestones: tuple[MilestoneRule, ...]
    changes: tuple[ChangeRule, ...]
    graft_days: dict[str, int]
    graft_milestone: str
    graft_source: str
    chemotherapy: ChemoTimeline
    long_gap_days: int
    origin: str

    def recovery_rule(self, analyte_id: str) -> MilestoneRule | None:
        """A count's recovery level: the first milestone listed for it (None: it has none)."""
        return next((m for m in self.milestones if m.analyte == analyte_id), None)

    def milestone(self, code: str) -> MilestoneRule:
        """The milestone rule with this code (one the report names, so it is defined)."""
        return next(m for m in self.milestones if m.code == code)


def rules_path() -> Path:
    """Where the shipped trend rules live."""
    return shipped_ranges_dir() / "trend" / "trend_rules.toml"


@cache
def load_trend_rules(path: Path | None = None) -> TrendRules:
    """Read and check a trend rules file (default: the shipped one).

    Raises:
        RangeFileError: missing, not TOML, or a rule that fails the checks, naming the file and
            the rule (``milestone #2``).
    """
    target = path or rules_path()
    name = str(target)
    try:
        raw = tomllib.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RangeFileError(
            "no such trend rules file", code="range_file.missing", path=name
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RangeFileError(f"cannot read: {exc.__class__.__name__}", path=name) from None
    except tomllib.TOMLDecodeError as exc:
        raise RangeFileError(f"not valid TOML ({exc})", path=name) from None
    return parse_trend_rules(raw, name)


def parse_trend_rules(raw: Any, name: str = "trend rules") -> TrendRules:
    """Check the data of a trend rules file and convert its numbers to canonical units.

    Raises:
        RangeFileError: naming ``name`` and the rule at fault.
    """
    if not conforms(raw, _RULES_FILE):
        found = first_error(raw, _RULES_FILE, "TrendRules")
        loc, msg = found if found else ((), "does not match the trend-rules syntax")
        where = None
        if len(loc) > 1 and isinstance(loc[1], int):
            where = f"{loc[0]} #{loc[1] + 1}"
            loc = loc[2:]
        what = ".".join(str(p) for p in loc)
        raise RangeFileError(
            f"{what}: {msg.lower()}" if what else msg.lower(), path=name, location=where
        )

    def fail(where: str, message: str) -> RangeFileError:
        return RangeFileError(message, path=name, location=where)

    def analyte_and_factor(row: dict[str, Any], where: str) -> tuple[str, float]:
        analyte = find_analyte(row["analyte"])
        if analyte is None:
            raise fail(where, f"unknown analyte {row['analyte']!r}")
        try:
            return analyte.id, unit_factor(analyte, row["unit"])
        except UnitError as exc:
            raise fail(where, exc.message) from None

    def sourced(row: dict[str, Any], where: str) -> str:
        if len(row["source"].strip()) < 3:
            raise fail(where, "source is empty: say where the number comes from")
        return str(row["source"])

    below: list[BelowRule] = []
    for i, row in enumerate(raw["below"], start=1):
        where = f"below #{i}"
        analyte, factor = analyte_and_factor(row, where)
        below.append(BelowRule(analyte, row["below"] * factor, row["label"], sourced(row, where)))

    codes: set[str] = set()

    def code_of(row: dict[str, Any], where: str) -> str:
        code = str(row["code"])
        if not _CODE.match(code):
            raise fail(where, f"code {code!r} is not kebab-case (a-z, 0-9, - and .)")
        if code in codes:
            raise fail(where, f"code {code!r} is used twice")
        codes.add(code)
        return code

    milestones: list[MilestoneRule] = []
    for i, item in enumerate(raw["milestone"], start=1):
        row = with_defaults(item, _MILESTONE)
        where = f"milestone #{i}"
        analyte, factor = analyte_and_factor(row, where)
        if row["draws"] < 1:
            raise fail(where, "draws must be 1 or more")
        free = row["transfusion_free_days"]
        if free is not None and free < 1:
            raise fail(where, "transfusion_free_days must be 1 or more")
        level = None if row["at_least"] == "LLN" else row["at_least"] * factor
        milestones.append(
            MilestoneRule(
                code_of(row, where),
                row["title"],
                analyte,
                level,
                row["draws"],
                free,
                row["lost_urgency"],
                sourced(row, where),
            )
        )

    changes: list[ChangeRule] = []
    for i, item in enumerate(raw["change"], start=1):
        row = with_defaults(item, _CHANGE)
        where = f"change #{i}"
        analyte, factor = analyte_and_factor(row, where)
        kinds = [
            row["fall_by"] is not None,
            row["fall_to_fraction"] is not None,
            row["from_at_least"] is not None or row["to_below"] is not None,
        ]
        if sum(kinds) != 1:
            raise fail(
                where, "give exactly one of fall_by, fall_to_fraction, from_at_least+to_below"
            )
        if kinds[2] and (row["from_at_least"] is None or row["to_below"] is None):
            raise fail(where, "from_at_least and to_below go together")
        fraction = row["fall_to_fraction"]
        if fraction is not None and not 0 < fraction < 1:
            raise fail(where, "fall_to_fraction must be between 0 and 1")

        def scaled(value: float | None, factor: float = factor) -> float | None:
            return None if value is None else value * factor

        changes.append(
            ChangeRule(
                code_of(row, where),
                row["title"],
                analyte,
                row["urgency"],
                scaled(row["fall_by"]),
                fraction,
                scaled(row["from_at_least"]),
                scaled(row["to_below"]),
                sourced(row, where),
            )
        )

    graft = raw["engraftment"]
    known = {m.code: m for m in milestones}
    if graft["milestone"] not in known:
        raise fail("engraftment", f"milestone {graft['milestone']!r} is not defined above")
    if any(graft[g] < 1 for g in GRAFT_SOURCES):
        raise fail("engraftment", "days must be 1 or more")
    chemo = raw["chemotherapy"]
    days = [
        chemo[k]
        for k in (
            "lowest_from_day",
            "lowest_to_day",
            "recovered_from_day",
            "recovered_to_day",
            "review_from_day",
            "review_to_day",
        )
    ]
    if days[0] < 0 or days != sorted(days):
        raise fail("chemotherapy", "the days must be 0 or more and in increasing order")
    gaps = raw["gaps"]
    if gaps["long_gap_days"] < 1:
        raise fail("gaps", "long_gap_days must be 1 or more")
    return TrendRules(
        tuple(below),
        tuple(milestones),
        tuple(changes),
        {g: int(graft[g]) for g in GRAFT_SOURCES},
        str(graft["milestone"]),
        sourced(graft, "engraftment"),
        ChemoTimeline(
            int(chemo["lowest_from_day"]),
            int(chemo["lowest_to_day"]),
            int(chemo["recovered_from_day"]),
            int(chemo["recovered_to_day"]),
            int(chemo["review_from_day"]),
            int(chemo["review_to_day"]),
            sourced(chemo, "chemotherapy"),
        ),
        int(gaps["long_gap_days"]),
        Path(name).name,
    )
