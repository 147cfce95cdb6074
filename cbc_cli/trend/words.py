"""The sentences of ``cbc trend``: counts, values, dates and day numbers in words, what fell, the
usual course after chemotherapy or a transplant, and what to watch for."""

from __future__ import annotations

import re

from cbc_cli.analytes import ANALYTES
from cbc_cli.engine import LOW_FLAGS
from cbc_cli.explanations import EXPLANATIONS
from cbc_cli.models import Result
from cbc_cli.trend.model import AnalyteTrend, CountState, DrawRef, Milestone
from cbc_cli.trend.rules import ChemoTimeline, GraftSource, MilestoneRule, TrendRules
from cbc_cli.units import format_value
from cbc_cli.wording import cap, count_name, counts_listed, plural

GRAFT_WORDS = {
    "pb": "a peripheral blood graft",
    "marrow": "a marrow graft",
    "cord": "a cord blood graft",
}

# A child's series (wording.speaks_to_parent) is read by a parent: its sentences name "your
# child's care team" and say what the usual course means for the child (docs/clinical.md section
# 6). The same facts; only who is addressed changes.
_FOR_PARENT = (
    (re.compile(r"\b[Yy]our care team\b"), lambda m: m[0][0] + "our child's care team"),
    (re.compile(r"\bthe care team\b"), lambda m: "your child's care team"),
    (re.compile(r"\bfor you\b"), lambda m: "for your child"),
)


def for_parent(text: str) -> str:
    """A sentence of a child's series worded for the parent who reads it: ``worth a call to the
    care team`` becomes ``worth a call to your child's care team``, ``not a prediction for you``
    ``not a prediction for your child``."""
    for pattern, new in _FOR_PARENT:
        text = pattern.sub(new, text)
    return text


def unit_words(unit: str) -> str:
    """``x10^9/L`` in a sentence, where a bare ``10^9/L`` after a number reads oddly."""
    return f"x{unit}" if unit.startswith("10^") else unit


def lower_first(text: str) -> str:
    """The text with its first letter in lower case, to go inside a sentence (a title)."""
    return text[0].lower() + text[1:]


def value_text(analyte_id: str, value: float) -> str:
    """A value (canonical unit) with the decimals the count is reported with."""
    return format_value(ANALYTES[analyte_id], value)


def level_text(rule: MilestoneRule) -> str:
    """A milestone's level: the number, or the lower limit of the reference range."""
    return "the lower limit of its range" if rule.at_least is None else f"{rule.at_least:g}"


def when_words(ref: DrawRef, transplant: GraftSource | None = None) -> str:
    """``2026-03-09 (day 7)``; ``day +7`` after a transplant."""
    when = ref.collected_at.replace("T", " ")
    if ref.day is None:
        return when
    return f"{when} ({day_words(ref.day, transplant is not None)})"


def day_words(day: int, transplant: bool) -> str:
    """``day 7``; ``day +7`` after a transplant."""
    return f"day {'+' if transplant and day > 0 else ''}{day}"


def draw_words(ref: DrawRef, transplant: GraftSource | None = None) -> str:
    """``2026-03-09 (day 7; sample C1-D07, line 4)``."""
    parts = [day_words(ref.day, transplant is not None)] if ref.day is not None else []
    if ref.sample_id:
        parts.append(f"sample {ref.sample_id}" + (f", line {ref.line}" if ref.line else ""))
    elif ref.line is not None:
        parts.append(f"line {ref.line}")
    when = ref.collected_at.replace("T", " ")
    return f"{when} ({'; '.join(parts)})" if parts else when


def days_words(days: int) -> str:
    """``3 days``; ``the same day`` for 0."""
    return "the same day" if days == 0 else plural(days, "day")


def fell_words(t: AnalyteTrend, transplant: GraftSource | None) -> str | None:
    """How low a count fell and for how long below its key levels (None: it did not fall)."""
    nadir = t.nadir
    if nadir is None:
        return None
    if nadir.flag not in LOW_FLAGS and not any(b.episodes for b in t.below):
        return None
    ref = DrawRef(
        collected_at=nadir.collected_at,
        day=nadir.day,
        sample_id=nadir.sample_id,
        line=nadir.line,
        when=nadir.when,
    )
    text = (
        f"{cap(count_name(t.analyte))} fell to {value_text(t.analyte, nadir.value)} "
        f"{unit_words(t.unit)} on {when_words(ref, transplant)}, its lowest in these draws"
    )
    spans = []
    for b in t.below:
        if not b.episodes:
            continue
        bound = "at least " if b.ongoing or b.below_at_first_draw else ""
        still = ", and still is" if b.ongoing else ""
        spans.append(f"below {b.below:g} for {bound}{days_words(b.days)}{still}")
    if spans:
        text += "; " + "; ".join(spans)
    return text + "."


def lost_words(
    rule: MilestoneRule, lost_at: DrawRef, value: float, transplant: GraftSource | None
) -> str:
    """``fell back below 0.5 on 2026-05-30 (day +29), at 0.40``."""
    return (
        f"fell back below {level_text(rule)} on {when_words(lost_at, transplant)}, at "
        f"{value_text(rule.analyte, value)}"
    )


def timeline_words(
    day: int | None, transplant: GraftSource | None, rules: TrendRules
) -> str | None:
    """Where the latest day sits on the usual course (None without day numbers or before day 0)."""
    if day is None or day < 0:
        return None
    if transplant is None:
        return _chemo_course(day, rules.chemotherapy)
    return (
        f"Day +{day} after the transplant. Neutrophil recovery is looked for by day "
        f"+{rules.graft_days[transplant]} after {GRAFT_WORDS[transplant]}; counts can take months "
        "or longer to settle fully. This is the usual course, not a prediction for you."
    )


def _span(first: int, last: int) -> str:
    if first % 7 == 0 and last % 7 == 0:
        return f"{first // 7} to {last // 7} weeks"
    return f"{first} to {last} days"


def _chemo_course(day: int, c: ChemoTimeline) -> str:
    """Where day N after chemotherapy sits on the usual course: the low point, the recovery, and
    when counts still low deserve a review (rules file [chemotherapy])."""
    if day < c.lowest_from_day:
        where = "counts usually keep falling for some days yet"
    elif day <= c.lowest_to_day:
        where = "within the days when counts are usually at their lowest"
    elif day <= c.recovered_to_day:
        where = "within the weeks when counts usually recover"
    elif day < c.review_from_day:
        where = f"past the usual {_span(c.recovered_from_day, c.recovered_to_day)} of recovery"
    elif day <= c.review_to_day:
        where = (
            f"within day {c.review_from_day} to {c.review_to_day}: counts still low now are worth "
            "a review with the care team"
        )
    else:
        where = (
            f"past day {c.review_to_day}: counts still low now deserve a review with the care team"
        )
    return (
        f"Day {day} after chemotherapy: {where}. After chemotherapy, counts are usually at their "
        f"lowest about {c.lowest_from_day} to {c.lowest_to_day} days in and recover over about "
        f"{_span(c.recovered_from_day, c.recovered_to_day)}; the marrow usually has its normal "
        f"share of blood-making cells again by day {c.review_from_day} to {c.review_to_day}, so "
        "counts still low by then deserve a review. This is the usual course, not a prediction "
        "for you; it varies with the treatment given."
    )


def watch_words(
    latest: Result | None,
    milestones: list[Milestone],
    states: list[CountState],
    analytes: list[str],
) -> list[str]:
    """What to watch for: the latest draw's cytopenias, counts not yet recovered, the next
    milestone of each count."""
    out: list[str] = []
    if latest is not None:
        for f in latest.findings:
            if f.code in ("neutropenia", "thrombocytopenia", "anemia") and set(f.analytes) & set(
                analytes
            ):
                out.append(f"{EXPLANATIONS[f.code].title}: {EXPLANATIONS[f.code].notice}")
    # A lost milestone has its alert; a count not yet at its level is said here, in its words.
    said = {s.analyte for s in states if s.state in ("not-yet", "lost")}
    out.extend(s.message for s in states if s.state == "not-yet")
    waiting: set[str] = set()
    for m in milestones:
        # Only the next milestone of each count: the higher ones wait on it anyway.
        if m.status == "pending" and m.analyte not in waiting | said:
            waiting.add(m.analyte)
            out.append(f"{m.title}: not yet; {m.note}.")
    return out


# The note a series without the person's age or sex carries (trend.build): how its counts were
# judged (against every range that could apply, docs/clinical.md section 3), in words, and how to
# give what is missing. build puts it in PersonTrend.notes_first: the pages show it beside the
# care-team box.
def judged_note(why: str, analyte_ids: list[str]) -> str:
    """The series' one note for the counts judged against every range that could apply;
    ``why`` as the engine says it (``age not given``, ``sex and age not given``, ``age 1 y too
    coarse to choose``)."""
    listed, verb = counts_listed(analyte_ids)
    no_age = "age not given" in why
    no_sex = "sex" in why
    if "too coarse" in why:
        span, give = (
            "every range the age could fall in",
            "a more exact age (a date of birth, or the age in months or days)",
        )
    elif no_age and no_sex:
        span = "every range for either sex, from newborn to adult"
        give = "the age (or a date of birth) and the sex"
    elif no_age:
        span, give = "every range from newborn to adult", "the age (or a date of birth)"
    else:
        span, give = "the ranges for both sexes", "the sex"
    return (
        f"{cap(why)}: {listed} {verb} judged against {span}; each flag holds for all of them. "
        f"Give {give} so that the person's own ranges apply."
    )
