"""What a person's series shows: each count's points, nadir and days below key levels, recovery
milestones and each count's state against them, changes worth a call, engraftment and lost-recovery
alerts, and the urgency they raise."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from typing import Literal

from cbc_cli.analytes import ANALYTES
from cbc_cli.engine import FINDING_RULES, HIGH_FLAGS, max_urgency
from cbc_cli.explanations import CARE_TEAM_MESSAGES, CHILD_CARE_TEAM_MESSAGES
from cbc_cli.grading import guard
from cbc_cli.models import AnalyteResult, Result, Urgency
from cbc_cli.trend.model import (
    Alert,
    AnalyteTrend,
    Change,
    CountState,
    CountStateName,
    DrawRef,
    Milestone,
    Point,
    TimeBelow,
    TransfusionInfo,
)
from cbc_cli.trend.rules import BelowRule, ChangeRule, GraftSource, MilestoneRule, TrendRules
from cbc_cli.trend.series import Draw, day_number, iso_text
from cbc_cli.trend.words import (
    GRAFT_WORDS,
    days_words,
    draw_words,
    level_text,
    lost_words,
    lower_first,
    unit_words,
    value_text,
    when_words,
)
from cbc_cli.wording import FLAG_WORDS, cap, count_name, plural


def _grade(result: Result, a: AnalyteResult) -> tuple[int | None, str | None]:
    high = a.flag in HIGH_FLAGS
    for code, analyte_id, direction in FINDING_RULES:
        if analyte_id == a.analyte and (direction == "high") == high and code in result.grades:
            return result.grades[code], code
    return None, None


def _point(draw: Draw, a: AnalyteResult, since: date | None) -> Point:
    grade, code = _grade(draw.result, a)
    return Point(
        collected_at=iso_text(draw.when, draw.has_time),
        day=day_number(draw.when, since),
        sample_id=draw.record.sample_id,
        line=draw.record.line,
        value=a.value,
        comparator=a.comparator,
        flag=a.flag,
        grade=grade,
        graded_as=code,
        when=draw.when,
    )


def analyte_trend(
    analyte_id: str,
    pairs: list[tuple[Draw, AnalyteResult]],
    since: date | None,
    rules: TrendRules,
) -> AnalyteTrend:
    """One count over time: its points, nadir, reference range and days below its key levels."""
    points = [_point(d, a, since) for d, a in pairs]
    nadir = min(points, key=lambda p: p.value) if len(points) >= 2 else None
    with_range = [a.reference_range for _, a in pairs if a.reference_range is not None]
    rng = with_range[-1] if with_range else None
    below = (
        [_time_below(rule, pairs, since) for rule in rules.below if rule.analyte == analyte_id]
        if len(points) >= 2
        else []
    )
    return AnalyteTrend(
        analyte=analyte_id,
        name=ANALYTES[analyte_id].name,
        unit=ANALYTES[analyte_id].unit,
        points=points,
        nadir=nadir,
        latest=points[-1],
        range_low=rng.low if rng else None,
        range_high=rng.high if rng else None,
        below=below,
    )


def _time_below(
    rule: BelowRule, pairs: list[tuple[Draw, AnalyteResult]], since: date | None
) -> TimeBelow:
    days = episodes = 0
    start: Draw | None = None
    first: Draw | None = None
    for draw, a in pairs:
        below = guard(a.value) < guard(rule.below)
        if below and start is None:
            start = draw
            episodes += 1
            first = first or draw
        elif not below and start is not None:
            days += (draw.when.date() - start.when.date()).days
            start = None
    ongoing = start is not None
    if start is not None:
        days += (pairs[-1][0].when.date() - start.when.date()).days
    return TimeBelow(
        below=rule.below,
        label=rule.label,
        days=days,
        episodes=episodes,
        ongoing=ongoing,
        below_at_first_draw=guard(pairs[0][1].value) < guard(rule.below),
        first_below=first.ref(since) if first else None,
    )


def _level(rule: MilestoneRule, a: AnalyteResult) -> float | None:
    if rule.at_least is not None:
        return rule.at_least
    return a.reference_range.low if a.reference_range else None


def walk_milestone(
    rule: MilestoneRule,
    pairs: list[tuple[Draw, AnalyteResult]],
    transfusions: list[date],
    transfusion_info: TransfusionInfo,
    since: date | None,
    transplant: GraftSource | None,
) -> Milestone:
    """Walk the draws day by day: a low, then the first run that reaches the milestone; after it,
    the first draw back below the level loses it, and a new run regains it."""
    free = rule.transfusion_free_days
    base = Milestone(
        code=rule.code,
        title=rule.title,
        analyte=rule.analyte,
        at_least=rule.at_least,
        status="pending",
        transfusion_info=transfusion_info if free else None,
    )
    levels = [_level(rule, a) for _, a in pairs]
    if all(level is None for level in levels):
        return replace(
            base,
            status="cannot-tell",
            note="no reference range applies to these draws (give the sex and age)",
        )

    def below(i: int) -> bool:
        level = levels[i]
        return level is not None and guard(pairs[i][1].value) < guard(level)

    def meets(i: int) -> bool:
        level = levels[i]
        return level is not None and guard(pairs[i][1].value) >= guard(level)

    def blocked(day: date) -> bool:
        return free is not None and any(0 <= (day - t).days < free for t in transfusions)

    # Recovery is counted from the nadir after the transplant (ASTCT: "after post-transplantation
    # nadir"): draws before day 0 take no part then.
    start = 0
    if transplant is not None and since is not None:
        start = next((i for i, (d, _) in enumerate(pairs) if d.when.date() >= since), len(pairs))
    if not any(below(i) for i in range(start, len(pairs))) and not (free and transfusions):
        after = " from day 0" if start else ""
        # "Not needed" read as an all-clear beside a critically low count: the milestone does
        # not apply, which says nothing of how the count stands now.
        return replace(
            base,
            status="not-needed",
            note=f"not applicable: no draw was below {level_text(rule)}{after}",
        )

    by_day: dict[date, list[int]] = {}
    for i in range(start, len(pairs)):
        by_day.setdefault(pairs[i][0].when.date(), []).append(i)
    # A run counts only once the count has been low (a draw below the level, or a platelet
    # transfusion for the rules that exclude them): a run before that is not a recovery.
    low_seen = held_back = met_any = False
    phase: Literal["before", "holding", "lost"] = "before"
    run: list[int] = []
    reached: list[int] = []
    lost: int | None = None
    regained: int | None = None
    for day, indices in by_day.items():
        if phase == "holding":
            if any(below(i) for i in indices):
                lost = next(i for i in indices if below(i))
                regained, run, phase = None, [], "lost"
            continue
        if not low_seen:
            low_seen = any(below(i) for i in indices) or blocked(day)
            continue
        # A day with two draws counts only if both meet the level.
        ok = all(meets(i) for i in indices)
        met_any = met_any or ok
        if ok and blocked(day):
            held_back, ok = True, False
        run = [*run, indices[0]] if ok else []
        if len(run) == rule.draws:
            if phase == "before":
                reached = run
            else:
                regained = run[0]
            run, phase = [], "holding"

    caveat = ""
    if free and transfusion_info == "not-given":
        caveat = (
            "platelet transfusion dates were not given to cbc (with the series, or in a "
            f"platelet_transfusion column): a platelet transfusion in the {free} days before "
            "these draws would mean they do not count"
        )
    if reached:
        first = pairs[reached[0]][0].ref(since)
        lost_ref = pairs[lost][0].ref(since) if lost is not None else None
        regained_ref = pairs[regained][0].ref(since) if regained is not None else None
        lost_value = pairs[lost][1].value if lost is not None else None
        note = ""
        if lost_ref is not None and lost_value is not None:
            note = lost_words(rule, lost_ref, lost_value, transplant)
            if regained_ref is not None:
                note += (
                    f", then was at or above it again on {rule.draws} successive draws from "
                    f"{when_words(regained_ref, transplant)}"
                )
            elif run:
                note += (
                    f"; at or above it again on {len(run)} of the {rule.draws} successive "
                    "draws needed so far"
                )
        return replace(
            base,
            status="lost" if phase == "lost" else "reached",
            collected_at=first.collected_at,
            day=first.day,
            draws=[pairs[i][0].ref(since) for i in reached],
            lost_at=lost_ref,
            lost_value=lost_value,
            regained_at=regained_ref,
            note="; ".join(s for s in (note, caveat) if s),
        )
    if run:
        note = (
            f"{len(run)} of {rule.draws} successive draws at or above {level_text(rule)} so far, "
            f"from {when_words(pairs[run[0]][0].ref(since), transplant)}; more draws are needed "
            "to confirm"
        ) + (f"; {caveat}" if caveat else "")
    elif held_back:
        note = (
            f"draws at or above {level_text(rule)} came within {free} days of a platelet "
            "transfusion, so they do not count towards recovery"
        )
    elif met_any:
        note = (
            f"draws at or above {level_text(rule)} since the count was below it did not stay "
            f"there "
            f"for {rule.draws} successive draws"
        )
    else:
        note = f"no draw at or above {level_text(rule)} since the count was below it"
    return replace(base, note=note)


def find_changes(
    rule: ChangeRule,
    pairs: list[tuple[Draw, AnalyteResult]],
    since: date | None,
    long_gap_days: int,
    transplant: GraftSource | None,
) -> list[Change]:
    """The changes between consecutive draws that match ``rule``."""
    found: list[Change] = []
    unit = ANALYTES[rule.analyte].unit
    for (d1, a1), (d2, a2) in itertools.pairwise(pairs):
        if not rule.matches(a1.value, a2.value):
            continue
        gap = (d2.when.date() - d1.when.date()).days
        r1, r2 = d1.ref(since), d2.ref(since)
        message = (
            f"{cap(count_name(rule.analyte))} went from {value_text(rule.analyte, a1.value)} to "
            f"{value_text(rule.analyte, a2.value)} {unit_words(unit)} between "
            f"{draw_words(r1, transplant)} and {draw_words(r2, transplant)}, "
            f"{days_words(gap)} apart. A change this large between two "
            "draws is worth a call to the care team."
        )
        if gap > long_gap_days:
            message += " The draws are far apart, so how fast it happened is not known."
        found.append(
            Change(
                code=rule.code,
                title=rule.title,
                analyte=rule.analyte,
                unit=unit,
                before=r1,
                after=r2,
                value_before=a1.value,
                value_after=a2.value,
                days_between=gap,
                urgency=rule.urgency,
                message=message,
            )
        )
    return found


def engraftment_alert(
    graft: GraftSource,
    since: date,
    used: list[Draw],
    milestones: list[Milestone],
    rules: TrendRules,
) -> Alert | None:
    """After a transplant: neutrophil recovery late, awaited, or not seen by the day it is looked
    for (None when it came in time or was not needed)."""
    limit = rules.graft_days[graft]
    words = GRAFT_WORDS[graft]
    recovery = next((m for m in milestones if m.code == rules.graft_milestone), None)
    last_day = (used[-1].when.date() - since).days
    if recovery is None:
        return None
    if recovery.status in ("reached", "lost") and recovery.day is not None:
        if recovery.day <= limit:
            return None
        return Alert(
            code="late-neutrophil-recovery",
            title=f"Neutrophil recovery came after day +{limit}",
            message=(
                f"Neutrophil recovery began on day +{recovery.day}, after day +{limit}, the day by "
                f"which it is looked for after {words}. Your care team will know whether this "
                "matters for you."
            ),
            urgency="routine",
        )
    if recovery.status == "not-needed":
        return None
    if last_day < limit:
        return Alert(
            code="neutrophil-recovery-awaited",
            title=f"Neutrophil recovery not seen yet (day +{last_day})",
            message=(
                f"The latest draw is from day +{last_day}. After {words}, the transplant team "
                f"looks for neutrophil recovery by day +{limit}; it has not shown in these draws "
                "yet."
            ),
            urgency="none",
        )
    return Alert(
        code="primary-graft-failure-warning",
        title=f"No neutrophil recovery by day +{limit}",
        message=(
            f"These draws show no {lower_first(recovery.title)} by "
            f"day +{limit} after {words}. Doctors use this mark to look for primary graft "
            "failure; only your care team can say what it means for you. Talk to them about "
            "these results."
        ),
        urgency="soon",
    )


def care_team_message(
    latest: Result | None,
    latest_draw: Draw | None,
    changes: list[Change],
    alerts: list[Alert],
    since: date | None,
    *,
    child: bool = False,
) -> tuple[Urgency, str]:
    """The person's urgency and care-team message: the latest draw's, raised by a change ending
    at it or by an alert. ``child``: the series is a child's (the message then speaks to the
    parent, as the latest draw's own message does)."""
    if latest is None or latest_draw is None:
        return "none", ""
    base: Urgency = latest.urgency or "none"
    last_ref = latest_draw.ref(since)
    recent = [c for c in changes if c.after == last_ref]
    raised = [(c.urgency, f"Between the last two draws: {lower_first(c.title)}.") for c in recent]
    raised += [(a.urgency, f"{a.title}.") for a in alerts]
    urgency = max_urgency([base, *(u for u, _ in raised)])
    if urgency == base:
        return urgency, latest.message
    why = " ".join(text for u, text in raised if u == urgency)
    care = (CHILD_CARE_TEAM_MESSAGES if child else CARE_TEAM_MESSAGES)[urgency]
    return urgency, f"{why} {care}"


def recovery_milestone(
    analyte_id: str, milestones: list[Milestone], rules: TrendRules
) -> Milestone | None:
    """The count's recovery milestone (the first listed for it in the rules), if worked out."""
    rule = rules.recovery_rule(analyte_id)
    return None if rule is None else next((m for m in milestones if m.code == rule.code), None)


def _reached_ref(m: Milestone) -> DrawRef:
    """The first draw of a reached milestone, for its date and day in words."""
    when = m.draws[0].when if m.draws else None
    return DrawRef(
        collected_at=m.collected_at or "", day=m.day, sample_id=None, line=None, when=when
    )


def count_state(
    t: AnalyteTrend,
    m: Milestone,
    rules: TrendRules,
    transplant: GraftSource | None,
    last_day: int | None,
    transfusions: list[date],
) -> CountState:
    """Recovered, recovering, rising, not yet or lost: the words as README defines them."""
    rule = rules.milestone(m.code)
    latest, nadir = t.latest, t.nadir
    level = m.at_least if m.at_least is not None else t.range_low
    level_words = level_text(rule)
    value = value_text(t.analyte, latest.value)
    title = lower_first(m.title)

    def state(name: CountStateName, text: str) -> CountState:
        return CountState(
            analyte=t.analyte,
            state=name,
            milestone=m.code,
            level=m.at_least,
            message=f"{cap(count_name(t.analyte))}: {text}.",
        )

    if m.status == "not-needed":
        # Never an all-clear: the latest value and its flag follow.
        flag = FLAG_WORDS.get(latest.flag or "", "cannot flag")
        return state(
            m.status, f"recovery {m.note}; {value} {unit_words(t.unit)} at the latest draw, {flag}"
        )
    if m.status == "cannot-tell":
        return state(m.status, m.note)
    reached = _reached_ref(m)
    if m.status == "reached":
        text = (
            f"recovered: {title} from {when_words(reached, transplant)}; {value} at the latest draw"
        )
        if m.transfusion_info == "not-given":
            text += (
                f", if no platelet transfusion was given in the {rule.transfusion_free_days} "
                "days before those draws (cbc was not told of any)"
            )
        return state("recovered", text)
    if m.status == "lost" and m.lost_at is not None and m.lost_value is not None:
        return state(
            "lost",
            f"reached {title} from {when_words(reached, transplant)}, then "
            f"{lost_words(rule, m.lost_at, m.lost_value, transplant)}; {value} at the latest "
            "draw",
        )
    below = level is not None and guard(latest.value) < guard(level)
    if below and last_day is not None:
        if transplant is not None and m.code == rules.graft_milestone:
            limit = rules.graft_days[transplant]
            if last_day >= limit:
                # ASTCT: no ANC of 0.5 or more by this day is the primary graft failure mark, so
                # a rise below the level is not called recovering here.
                return state(
                    "not-yet",
                    f"not yet: {value} on day +{last_day}, still below {level_words} with no "
                    f"neutrophil recovery by day +{limit} after {GRAFT_WORDS[transplant]}; this is "
                    "what the transplant team looks at for possible graft failure, not a recovery",
                )
        elif transplant is None and rule.at_least is not None:
            review = rules.chemotherapy.review_to_day
            if last_day > review:
                return state(
                    "not-yet",
                    f"not yet: {value} on day {last_day}, still below {level_words}, past day "
                    f"{review} after chemotherapy, by when counts have usually come back: worth "
                    "a review with the care team",
                )
    free = rule.transfusion_free_days
    if free is not None:
        taken = latest.taken.date()
        given = [d for d in transfusions if 0 <= (taken - d).days < free]
        if given:
            # A count raised by a transfusion does not show the marrow's own recovery.
            return state(
                "not-yet",
                f"not yet: {value} at the latest draw, taken within {free} days of a platelet "
                f"transfusion on {given[-1].isoformat()}, so it does not count towards recovery",
            )
    unknown = ""
    if free is not None and m.transfusion_info == "not-given":
        unknown = "; cbc was not told of platelet transfusions, which would also raise it"
    if level is not None and not below:
        return state(
            "recovering",
            f"recovering: {value} at the latest draw, at or above {level_words}; "
            f"{title} needs {plural(rule.draws, 'successive draw')} at or above it{unknown}",
        )
    previous = t.points[-2].value if len(t.points) >= 2 else None
    if (
        nadir is not None
        and previous is not None
        and latest.value > nadir.value
        and latest.value >= previous
    ):
        return state(
            "rising",
            f"rising: {value} at the latest draw, up from {value_text(t.analyte, nadir.value)} at "
            f"the lowest, but still below {level_words}, its recovery level{unknown}",
        )
    return state("not-yet", f"not yet: {value} at the latest draw, below {level_words}; {m.note}")


def lost_alerts(
    milestones: list[Milestone], rules: TrendRules, transplant: GraftSource | None
) -> list[Alert]:
    """One alert per count whose milestone was reached and then lost (the lowest level first)."""
    alerts: list[Alert] = []
    seen: set[str] = set()
    for m in milestones:
        if m.status != "lost" or m.lost_at is None or m.lost_value is None or m.analyte in seen:
            continue
        seen.add(m.analyte)
        rule = rules.milestone(m.code)
        name = cap(count_name(m.analyte))
        message = (
            f"{name} reached {lower_first(m.title)} from "
            f"{when_words(_reached_ref(m), transplant)}, then "
            f"{lost_words(rule, m.lost_at, m.lost_value, transplant)}. A fall after a recovery "
            "is worth a call to the care team."
        )
        if transplant is not None:
            # ASTCT (Kharfan-Dabaja 2024, table 1): a decline after recovery is how secondary
            # graft failure shows; whether it is one needs the care team.
            message += (
                " After a transplant, the team looks at a fall like this when they check how the "
                "graft is working; only they can say what it means for you."
            )
        alerts.append(
            Alert(
                code=f"{m.code}-lost",
                title=(
                    f"{name} fell back below {level_text(rule)} on "
                    f"{when_words(m.lost_at, transplant)}, after recovering"
                ),
                message=message,
                urgency=rule.lost_urgency,
            )
        )
    return alerts
