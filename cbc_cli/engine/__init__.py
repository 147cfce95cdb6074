"""The engine: flags, grades, findings and urgency for one panel. A pure core: no I/O.

Rules follow docs/clinical.md sections 2-6; the urgency rules are in :func:`decide` (and README
"Urgency"). The modules, each importing only those before it:

- ``person``: who a result speaks to (a child, a newborn) and the person as the result shows it;
- ``newborn``: a newborn's own critical limits, for a value judged without an age;
- ``prompt``: limits short of the critical ones at which a value calls for the care team
  within a day;
- ``values``: one value judged (flag and grades) by the basis that fits the person;
- ``derive``: counts worked out from others (ANC, ALC);
- ``agree``: values of a panel that do not fit together (a typed ANC and the differential,
  hemoglobin and hematocrit);
- ``reasons``: the sentences the care-team message opens with (a critical value, a severe
  grade, a count that could not be judged);
- ``decide``: the findings and urgency of a panel's flags and grades (the one rule set);
- ``care``: the care-team message and safety line of a decision;
- ``findings``: each finding with its grade, notes and words;
- ``notes``: notes on how the values and the panel were read;
- ``interpret``: :func:`interpret_panel`, which puts them together into one result.

The names below are the engine's public ones; import them from ``cbc_cli.engine``.
"""

from __future__ import annotations

from cbc_cli.engine.agree import (
    ANC_DISAGREE_ABSOLUTE,
    ANC_DISAGREE_RELATIVE,
    HGB_HCT,
    IMPLIED_MCHC_HIGH,
    IMPLIED_MCHC_LOW,
    consistency_notes,
    hgb_hct_disagreement,
)
from cbc_cli.engine.care import care_message, deferred_wbc_note
from cbc_cli.engine.decide import (
    FEVER_C,
    FEVER_SINGLE_C,
    FN_ANC,
    LAB_ABNORMAL_FLAGS,
    LINE_TERMS,
    PATTERN_GRADE,
    SEVERE_GRADE,
    Decision,
    decide,
    max_urgency,
)
from cbc_cli.engine.derive import (
    DERIVATION_BASE,
    DERIVED_COUNTS,
    derive_counts,
    is_derived,
)
from cbc_cli.engine.findings import (
    CHEMO_WINDOW_DAYS,
    MCV_MACRO,
    MCV_MICRO,
    NEUTROPENIA_WORDS,
    PLT_PRECAUTIONS,
    PRECAUTIONS_GRADE,
    VERY_HIGH_WBC,
    cross_words,
    in_chemo_window,
)
from cbc_cli.engine.interpret import interpret_panel
from cbc_cli.engine.newborn import NewbornLimit, every_newborn_limit
from cbc_cli.engine.person import is_child, patient_info, reader
from cbc_cli.engine.prompt import PROMPT_ANALYTES
from cbc_cli.engine.reasons import critical_words
from cbc_cli.engine.values import (
    FINDING_RULES,
    HIGH_FLAGS,
    HIGH_TERMS,
    LAB_CRITICAL_FLAGS,
    LOW_FLAGS,
    Basis,
    Judgement,
    critical_limits,
    flag_value,
    judge_value,
    reported_value,
    value_basis,
)

__all__ = [
    "ANC_DISAGREE_ABSOLUTE",
    "ANC_DISAGREE_RELATIVE",
    "CHEMO_WINDOW_DAYS",
    "DERIVATION_BASE",
    "DERIVED_COUNTS",
    "FEVER_C",
    "FEVER_SINGLE_C",
    "FINDING_RULES",
    "FN_ANC",
    "HGB_HCT",
    "HIGH_FLAGS",
    "HIGH_TERMS",
    "IMPLIED_MCHC_HIGH",
    "IMPLIED_MCHC_LOW",
    "LAB_ABNORMAL_FLAGS",
    "LAB_CRITICAL_FLAGS",
    "LINE_TERMS",
    "LOW_FLAGS",
    "MCV_MACRO",
    "MCV_MICRO",
    "NEUTROPENIA_WORDS",
    "PATTERN_GRADE",
    "PLT_PRECAUTIONS",
    "PRECAUTIONS_GRADE",
    "PROMPT_ANALYTES",
    "SEVERE_GRADE",
    "VERY_HIGH_WBC",
    "Basis",
    "Decision",
    "Judgement",
    "NewbornLimit",
    "care_message",
    "consistency_notes",
    "critical_limits",
    "critical_words",
    "cross_words",
    "decide",
    "deferred_wbc_note",
    "derive_counts",
    "every_newborn_limit",
    "flag_value",
    "hgb_hct_disagreement",
    "in_chemo_window",
    "interpret_panel",
    "is_child",
    "is_derived",
    "judge_value",
    "max_urgency",
    "patient_info",
    "reader",
    "reported_value",
    "value_basis",
]
