"""Plain-language wording for every finding, patient topic, care-team message and disclaimer,
in the project's own words (facts come from the sources, sentences do not).

The package, one idea per module, lowest first (each imports only those before it):

- ``sources``: the keys the comments on each text cite.
- ``phrases``: the types, and the follow-up, fever and seek-care lines many texts share.
- ``pages``: one ``Explanation`` per finding code (``EXPLANATIONS``, ``explain``).
- ``people``: what a finding can mean and what to do, fitted to the person.
- ``critical``: a critical value's words.
- ``topics``: one ``Topic`` per ``cbc explain`` topic (``TOPICS``, ``topic``).
- ``messages``: care-team messages, MCV patterns, a parent's words, the disclaimer.
- ``compose``: ``finding_words``, ``safety_line``, ``recovery_context``, ``transplant_context``.
"""

from cbc_cli.explanations.compose import (
    finding_words,
    for_young_child_words,
    recovery_context,
    safety_line,
    transplant_context,
)
from cbc_cli.explanations.messages import (
    BABY_COLD_IF_NEWBORN,
    BABY_FEVER_IF_YOUNG,
    BABY_SOON_WITH_FEVER_MESSAGE,
    CARE_TEAM_MESSAGES,
    CHILD_CARE_TEAM_MESSAGES,
    CHILD_DISCLAIMER,
    CHILD_NOTHING_CHECKED_MESSAGE,
    CHILD_SOON_WITH_FEVER_MESSAGE,
    DISCLAIMER,
    MCV_PATTERNS,
    NEWBORN_SOON_MESSAGE,
    NOTHING_CHECKED_MESSAGE,
    SOON_WITH_FEVER_MESSAGE,
    TRANSPLANT_KINDS,
    child_explanation,
    child_topic,
    for_baby,
    for_child,
)
from cbc_cli.explanations.pages import EXPLANATIONS, explain
from cbc_cli.explanations.people import CHEMO_LEADS_UNTIL_DAY
from cbc_cli.explanations.phrases import (
    ROUTINE_FOLLOW_UP,
    SAFETY_LINE,
    SAFETY_LINE_FEVER,
    SAFETY_LINE_FEVER_NOW,
    SAFETY_LINE_LOW_WHITE,
    SAFETY_LINE_NEWBORN,
    SAFETY_LINE_UNDER_SIX_MONTHS,
    URGENT_FOLLOW_UP,
    Explanation,
    FindingWords,
    Topic,
)
from cbc_cli.explanations.topics import TOPICS, topic

__all__ = [
    "BABY_COLD_IF_NEWBORN",
    "BABY_FEVER_IF_YOUNG",
    "BABY_SOON_WITH_FEVER_MESSAGE",
    "CARE_TEAM_MESSAGES",
    "CHEMO_LEADS_UNTIL_DAY",
    "CHILD_CARE_TEAM_MESSAGES",
    "CHILD_DISCLAIMER",
    "CHILD_NOTHING_CHECKED_MESSAGE",
    "CHILD_SOON_WITH_FEVER_MESSAGE",
    "DISCLAIMER",
    "EXPLANATIONS",
    "MCV_PATTERNS",
    "NEWBORN_SOON_MESSAGE",
    "NOTHING_CHECKED_MESSAGE",
    "ROUTINE_FOLLOW_UP",
    "SAFETY_LINE",
    "SAFETY_LINE_FEVER",
    "SAFETY_LINE_FEVER_NOW",
    "SAFETY_LINE_LOW_WHITE",
    "SAFETY_LINE_NEWBORN",
    "SAFETY_LINE_UNDER_SIX_MONTHS",
    "SOON_WITH_FEVER_MESSAGE",
    "TOPICS",
    "TRANSPLANT_KINDS",
    "URGENT_FOLLOW_UP",
    "Explanation",
    "FindingWords",
    "Topic",
    "child_explanation",
    "child_topic",
    "explain",
    "finding_words",
    "for_baby",
    "for_child",
    "for_young_child_words",
    "recovery_context",
    "safety_line",
    "topic",
    "transplant_context",
]
