"""Counts over time for ``cbc trend``: draws placed in time per person, the nadir, days below key
levels, recovery milestones, engraftment after a transplant, and changes between draws.

A pure core: records in, one :class:`TrendReport` out; no printing, no environment, no UI library.
The levels, milestones and change limits are data (``reference_ranges/trend/trend_rules.toml``),
read and checked like the range files. Each draw is interpreted by the same engine as
``cbc check`` (:func:`cbc_cli.batch.interpret_record`), so flags and grades agree.

The modules, each importing only those above it: ``rules`` (the rules file), ``model`` (the
report dataclasses and their JSON), ``words`` (the sentences), ``series`` (draws placed in time per
person), ``analysis`` (nadirs, days below, milestones, states, changes, alerts), ``build``
(``build_trend``, which puts them together). The names below are the package's public ones;
import them from ``cbc_cli.trend``. Its views are edges: the CSV rows in
``cbc_cli.writers.trend_csv``, the terminal in ``cbc_cli.render_trend``, the pages in
``cbc_cli.report``.

How time is counted (also in README):

- Day numbers: calendar days from ``since`` (day 0), by collection date.
- Days below a level: for each stretch of draws below it, the calendar days from the first draw
  below to the first draw at or above it again. A stretch still open at the last draw is counted
  to the last draw and said to be ongoing; one that is open at the first draw may have begun
  earlier. Between draws the count is not known, so the gap is counted as below.
- Milestones: the first of N successive draws on different days, after a draw below the level
  (the count was low; after a transplant, from day 0: recovery is counted from the post-transplant
  nadir), all at or above the level; a day with two draws counts only if both are. For platelet
  rules, a draw taken on the day of a platelet transfusion or within the 6 days after it does not
  count (CIBMTR Forms Manual, initial platelet recovery). A later draw below the level loses the
  milestone (an alert); N successive draws at or above it again regain it.
- Each count's state against its recovery level (recovered, recovering, rising, not yet, lost):
  defined in README and the rules file, worked out in ``analysis.count_state``.
- Draws at the same collection time (the same date when no time is given): the later row in the
  input is used, as a re-run or correction usually comes later; both are listed.
"""

from __future__ import annotations

from cbc_cli.trend.build import TREND_READS, build_trend
from cbc_cli.trend.model import (
    DEFAULT_ANALYTES,
    TREND_SCHEMA_VERSION,
    Alert,
    AnalyteTrend,
    Change,
    CountState,
    CountStateName,
    DrawInfo,
    DrawRef,
    Milestone,
    MilestoneStatus,
    PersonTrend,
    Point,
    TimeBelow,
    TransfusionInfo,
    TrendOptions,
    TrendReport,
    Unplaced,
    trend_data,
    trend_json_schema,
)
from cbc_cli.trend.rules import (
    GRAFT_SOURCES,
    BelowRule,
    ChangeRule,
    ChemoTimeline,
    GraftSource,
    MilestoneRule,
    TrendRules,
    load_trend_rules,
    parse_trend_rules,
    rules_path,
)
from cbc_cli.trend.series import TRANSFUSION_COLUMNS
from cbc_cli.trend.words import GRAFT_WORDS

__all__ = [
    "DEFAULT_ANALYTES",
    "GRAFT_SOURCES",
    "GRAFT_WORDS",
    "TRANSFUSION_COLUMNS",
    "TREND_READS",
    "TREND_SCHEMA_VERSION",
    "Alert",
    "AnalyteTrend",
    "BelowRule",
    "Change",
    "ChangeRule",
    "ChemoTimeline",
    "CountState",
    "CountStateName",
    "DrawInfo",
    "DrawRef",
    "GraftSource",
    "Milestone",
    "MilestoneRule",
    "MilestoneStatus",
    "PersonTrend",
    "Point",
    "TimeBelow",
    "TransfusionInfo",
    "TrendOptions",
    "TrendReport",
    "TrendRules",
    "Unplaced",
    "build_trend",
    "load_trend_rules",
    "parse_trend_rules",
    "rules_path",
    "trend_data",
    "trend_json_schema",
]
