"""The care-team messages by urgency, the MCV patterns, the words for a child's or a baby's
parent, the message when nothing could be checked, and the disclaimer.

The keys in brackets in the comments are the sources listed in
``cbc_cli.explanations.sources``.
"""

import re
from types import MappingProxyType

from cbc_cli.explanations.pages import explain
from cbc_cli.explanations.people import CHILD_MEANING
from cbc_cli.explanations.phrases import Explanation, Topic
from cbc_cli.explanations.topics import topic

# Anemia by MCV [C5]: a question for the care team, not a diagnosis.
MCV_PATTERNS: MappingProxyType[str, str] = MappingProxyType(
    {
        "microcytic": (
            "The red cells are smaller than usual (MCV below 80 fL), a pattern "
            "often seen with low iron. Whether iron is the reason here is a "
            "question for your care team, who can check it with other tests."
        ),
        "normocytic": (
            "The red cells are of usual size (MCV 80 to 100 fL), a pattern seen "
            "with many kinds of anemia, including anemia after chemotherapy, blood "
            "loss or kidney disease. Ask your care team what they think lies "
            "behind it."
        ),
        "macrocytic": (
            "The red cells are larger than usual (MCV above 100 fL), a pattern "
            "often linked with low vitamin B12 or folate that can also follow some "
            "treatments, including some chemotherapy. Ask your care team whether "
            "either fits here."
        ),
    }
)

# Urgency words [C6].
CARE_TEAM_MESSAGES: MappingProxyType[str, str] = MappingProxyType(
    {
        "none": (
            "All the values that could be checked were within range. This is not a "
            "diagnosis, and your care team knows the whole picture, so keep to your "
            "usual plan with them and tell them if you feel unwell."
        ),
        "routine": (
            "Mention these results to your care team at your next planned visit or call, "
            "or sooner if you feel unwell."
        ),
        # Which signs need help at once is the safety line's job (it is worded for a reported
        # fever); this message must not ask someone who gave a fever to wait for one.
        "soon": (
            "Contact your care team within a day (today or tomorrow) about these results, and "
            "straight away if you feel worse."
        ),
        "now": ("Contact your care team now. If they cannot be reached, call emergency services."),
    }
)

# When a temperature of 38.0 C or more was given, no text may ask the person to watch for the
# fever they already reported: the "soon" message and the actions read these instead.
SOON_WITH_FEVER_MESSAGE: str = (
    "Contact your care team today about the fever and these results, and straight away if you "
    "feel worse, start shivering, bleed, or have trouble breathing."
)

# The same messages when the person is a child (age under 18 given): the reader is most often a
# parent, so the words address "your child" and "your child's care team" [C6].
CHILD_CARE_TEAM_MESSAGES: MappingProxyType[str, str] = MappingProxyType(
    {
        "none": (
            "All the values that could be checked were within range. This is not a "
            "diagnosis, and your child's care team knows the whole picture, so keep to the "
            "usual plan with them and tell them if your child seems unwell."
        ),
        "routine": (
            "Mention these results to your child's care team at the next planned visit or call, "
            "or sooner if your child seems unwell."
        ),
        "soon": (
            "Contact your child's care team within a day (today or tomorrow) about these "
            "results, and straight away if your child seems worse."
        ),
        "now": (
            "Contact your child's care team now. If they cannot be reached, call emergency "
            "services."
        ),
    }
)
# A baby under 1 month can worsen within hours (low blood sugar with thick blood
# [NEWBORN-PCYT]; an infection [NEWBORN-FEVER]): "soon" is the same day for a newborn (a
# nurse reviewer found "today or tomorrow" too slow for a 3-day-old).
NEWBORN_SOON_MESSAGE: str = (
    "Contact your child's care team today about these results, and straight away if your "
    "child seems worse."
)
# No age given with a fever the message is not "now" for: what it would mean for a baby under 3
# months, where a temperature of 38 C or more is a high-risk sign (NICE NG143; decide, rule 4b),
# as a newborn's own limits are said without an age (engine.care).
BABY_FEVER_IF_YOUNG: str = (
    "If this is a baby under 3 months old, contact the baby's care team now: at that age a "
    "temperature of 38.0 C or more needs a doctor straight away. Give the age (such as 6w) for "
    "an answer that fits."
)

# No age given with a temperature below 36.0 C: what it would mean for a baby under 1 month
# (Fein and Avner 2019; decide, rule 4c).
BABY_COLD_IF_NEWBORN: str = (
    "If this is a baby under 1 month old, contact the baby's care team now: at that age a "
    "temperature below 36.0 C can be the sign of an infection. Give the age (such as 10d) for an "
    "answer that fits."
)

# The same for a baby (or, reworded, a young child) of 3 months or more, the fever within a day:
# what a parent can see of it turning serious [NICE-FEVER], not an adult's "starts shivering".
BABY_SOON_WITH_FEVER_MESSAGE: str = (
    "Contact your child's care team today about the fever and these results, and straight "
    "away if your baby seems worse, feeds poorly, is unusually sleepy or floppy, bleeds, or has "
    "trouble breathing."
)

CHILD_SOON_WITH_FEVER_MESSAGE: str = (
    "Contact your child's care team today about the fever and these results, and straight "
    "away if your child seems worse, starts shivering, bleeds, or has trouble breathing."
)


def for_child(why: str) -> str:
    """A care-team reason (``engine.decide``'s ``why``) worded for a child's parent."""
    return why.replace("your care team", "your child's care team")


# A finding's words for a child's parent (finding_words, person "child"): the same facts and
# urgency, addressed to the parent who reads them [C6], so that the finding and the care-team
# message speak to the same reader. Longer phrases first.
_CHILD_REWORDING: tuple[tuple[str, str], ...] = (
    # A child rarely shaves: the razor is for anyone who does [HCI-BLEED].
    (
        "Use a soft toothbrush and an electric razor.",
        "Use a soft toothbrush (and an electric razor for anyone who shaves).",
    ),
    (
        "If you feel hot, shivery or unwell, take your temperature.",
        "If your child feels hot, shivery or unwell, take their temperature.",
    ),
    (
        "Pace yourself: save your energy for what matters most and rest in between. Get up "
        "slowly, sitting for a moment before you stand.",
        "Let your child rest when tired, with breaks between activities. Help them get up "
        "slowly, sitting for a moment before they stand.",
    ),
    (
        "Wash your hands often, and keep away from people who are ill and from crowds.",
        "Wash hands often (yours and your child's), and keep your child away from people who "
        "are ill and from crowds.",
    ),
    ("at your next visit or call", "at the next visit or call"),
    ("if you feel worse", "if your child seems worse"),
    ("If you feel very unwell", "If your child seems very unwell"),
    ("even if you feel well", "even if your child seems well"),
    ("if you feel unwell", "if your child seems unwell"),
    ("prescribed for you,", "prescribed for your child,"),
    ("changes in your sight", "changes in their sight"),
    ("before taking any medicine", "before giving your child any medicine"),
    ("before taking any supplement", "before giving your child any supplement"),
    ("your care team", "your child's care team"),
    ("Your care team", "Your child's care team"),
    # The notes on the usual course after chemotherapy or a transplant (recovery_context,
    # transplant_context) and febrile neutropenia's meaning.
    ("not a prediction for you", "not a prediction for your child"),
    ("(your own stem cells,", "(your child's own stem cells,"),
    ("even when the person feels fairly well", "even when the child seems fairly well"),
)


def reword(text: str, table: tuple[tuple[str, str], ...]) -> str:
    """``text`` with each phrase of ``table`` replaced, in order (a person's wording)."""
    for old, new in table:
        text = text.replace(old, new)
    return text


def for_child_words(text: str) -> str:
    """A finding's text worded for a child's parent (see _CHILD_REWORDING)."""
    return reword(text, _CHILD_REWORDING)


# A newborn's finding and care-team message: the parent's words, and the baby is "your baby"
# throughout, as in the newborn lines; the care team stays "your child's care team".
_CHILD_NOT_CARE_TEAM = re.compile(r"\b([Yy])our child\b(?!'s care team)")


def for_baby(text: str) -> str:
    """A text already worded for a child's parent, with the child called "your baby" (a
    newborn's), except in "your child's care team"."""
    return _CHILD_NOT_CARE_TEAM.sub(r"\1our baby", text)


def for_baby_words(text: str) -> str:
    """A finding's text worded for a newborn's parent: for_child_words, then "your baby"."""
    return for_baby(for_child_words(text))


# A topic's full page (cbc explain TOPIC --child) for a child's parent: the points that speak to
# the reader about their own body, before the finding words' rewording; the same facts [C6].
_CHILD_TOPIC_REWORDING: tuple[tuple[str, str], ...] = (
    (
        "Wash your hands often with soap and water, and ask the people around you to do the same.",
        "Wash hands often with soap and water (yours and your child's), and ask the people "
        "around your child to do the same.",
    ),
    (
        "Keep away from people who have a cold, flu or another infection, and from crowds.",
        "Keep your child away from people who have a cold, flu or another infection, and from "
        "crowds.",
    ),
    (
        "Ask your care team before taking medicine that lowers a fever",
        "Ask your child's care team before giving your child medicine that lowers a fever",
    ),
    (
        "If you feel hot, have chills or suddenly feel unwell, take your temperature.",
        "If your child feels hot, has chills or suddenly seems unwell, take their temperature.",
    ),
    (
        "Brush with a soft toothbrush and shave with an electric razor rather than a blade.",
        "Brush with a soft toothbrush; anyone who shaves should use an electric razor rather "
        "than a blade.",
    ),
    (
        "on your own; they make bleeding more likely. Ask before taking any new medicine.",
        "on your own; they make bleeding more likely. Ask before giving your child any new "
        "medicine.",
    ),
    (
        "Save your energy for what matters most and let others help. Balance rest with "
        "activity: short, gentle walks often help more than a day in bed.",
        "Let your child rest when tired, with breaks between activities; gentle activity "
        "often helps more than a day in bed.",
    ),
    (
        "Get up slowly: after lying down, sit for a moment before you stand, because "
        "standing fast can make you dizzy.",
        "Help your child get up slowly: after lying down, sit for a moment before standing, "
        "because standing fast can cause dizziness.",
    ),
    (
        "Stop and rest if you feel dizzy or short of breath while active, and tell your care team.",
        "Let your child stop and rest if they feel dizzy or short of breath while active, and "
        "tell your care team.",
    ),
    (
        "Get help at once for trouble breathing, breathlessness while resting, chest pain, "
        "or fainting.",
        "Get help at once if your child has trouble breathing, is breathless while resting, "
        "has chest pain, or faints.",
    ),
    (
        "so that they can check it is safe and needed for you.",
        "so that they can check it is safe and needed for your child.",
    ),
    (
        "In an autologous transplant they are your own cells,",
        "In an autologous transplant they are your child's own cells,",
    ),
    ("it varies with the treatment and the person.", "it varies with the treatment and the child."),
)
_CHILD_TOPIC_TITLES: MappingProxyType[str, str] = MappingProxyType(
    {"anemia-care": "Looking after a child with low hemoglobin"}
)


def child_topic(code: str) -> Topic:
    """A patient topic worded for a child's parent (``cbc explain TOPIC --child``): the same
    facts as :func:`topic`, addressed to the parent, as a child's result is. Raises KeyError
    for an unknown topic."""
    page = topic(code)

    def reword(text: str) -> str:
        for old, new in _CHILD_TOPIC_REWORDING:
            text = text.replace(old, new)
        return for_child_words(text)

    return page._replace(
        title=_CHILD_TOPIC_TITLES.get(code, page.title),
        summary=reword(page.summary),
        summary_fever=reword(page.summary_fever),
        points=tuple(reword(p) for p in page.points),
    )


def child_explanation(code: str) -> Explanation:
    """A finding's page worded for a child's parent (``cbc explain FINDING --child``): what it
    can mean in children, and the parts addressed to the parent, as a child's result gives
    them. Raises KeyError for an unknown code."""
    page = explain(code)
    return page._replace(
        meaning=for_child_words(CHILD_MEANING.get(code, page.meaning)),
        notice=for_child_words(page.notice),
        action=for_child_words(page.action),
        action_fever=for_child_words(page.action_fever),
    )


NOTHING_CHECKED_MESSAGE: str = (
    "None of these values could be compared with a reference range or graded, so "
    "this is NOT a sign that all is well. Give your age and sex if either is missing (and "
    "check that units are included) so that ranges can apply, or ask your care team to look "
    "at the results."
)
CHILD_NOTHING_CHECKED_MESSAGE: str = (
    "None of these values could be compared with a reference range or graded, so "
    "this is NOT a sign that all is well. Give your child's sex if it is missing (and check "
    "that units are included) so that ranges can apply, or ask your child's care team to look "
    "at the results."
)

DISCLAIMER: str = (
    "This tool gives information only; it is not a medical device and does not "
    "diagnose or replace your care team."
)
# The same closing line on a child's page: the child's care team, not the reader's own [C6].
CHILD_DISCLAIMER: str = DISCLAIMER.replace("your care team", "the care team")

TIMELINE_CAVEAT = (
    "This is the usual timeline, not a prediction for you, and it varies with the treatment given."
)

TRANSPLANT_KINDS = ("auto", "allo")
"""The ``cbc check --transplant`` choices: autologous (own cells) or allogeneic (donor)."""
