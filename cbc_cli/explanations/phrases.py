"""The types of the wording (a finding's page, a topic, a finding's words for one result) and
the phrases many texts share: the follow-up lines, the fever lines and the seek-care lines.

The keys in brackets in the comments are the sources listed in
``cbc_cli.explanations.sources``.
"""

from typing import NamedTuple


class Explanation(NamedTuple):
    """Plain-language page for one finding code."""

    code: str
    title: str
    measures: str
    meaning: str
    notice: str
    action: str
    action_fever: str = ""
    """The action when the person reported a temperature of 38.0 C or more ("" = ``action``)."""
    topics: tuple[str, ...] = ()
    """Patient topics (``TOPICS`` codes) that go with this finding; the first one's summary is
    shown under the finding as its precautions or background."""


class Topic(NamedTuple):
    """A patient topic: ``cbc explain TOPIC`` prints it in full; findings show its summary."""

    code: str
    title: str
    summary: str
    """A few short sentences, shown under the findings that raise the topic."""
    points: tuple[str, ...]
    """The full page, one short paragraph each."""
    summary_fever: str = ""
    """The summary when the person reported a fever ("" = ``summary``)."""


class FindingWords(NamedTuple):
    """The words of one finding as the result carries them (see ``finding_words``)."""

    title: str
    measures: str
    meaning: str
    notice: str
    action: str
    precautions: str | None
    background: str | None
    topics: tuple[str, ...]

    @property
    def explanation(self) -> str:
        """What it can mean and what a person might notice, as one paragraph."""
        return " ".join(p for p in (self.meaning, self.notice) if p)


ROUTINE_FOLLOW_UP = "Otherwise, share this result with your care team at your next visit or call."
URGENT_FOLLOW_UP = "Otherwise, follow the care-team message for these results."

# Low white cells: fever is the sign to act on at once [C1]; take the temperature when warm,
# chilled or unwell [SUNNYBROOK]; 38 C, shaking chills and confusion call for the care team
# right away [CANCERNET].
FEVER_NOW = (
    "If you feel hot, shivery or unwell, take your temperature. Call your care team at once, "
    "day or night, for a temperature of 38.0 C or higher, shaking chills, or confusion."
)
# The same advice for a person who has just reported a fever: never "watch for a fever" then,
# and no "share at your next visit or call" after it: the care-team message sets how soon (now
# with low neutrophils; within a day with counts that are not low). "Get help at once if you feel
# worse" read to a nurse reviewer as a condition on acting at all: the fever is not waited out.
FEVER_GIVEN = (
    "You reported a temperature of 38.0 C or more, which counts as a fever: contact your care "
    "team as the care-team message says, without waiting to see whether it passes."
)

# The source documents' own rule for every person [C1], on every abnormal result.
SAFETY_LINE = (
    "Seek care at once, day or night, for heavy bleeding, a high fever, or trouble breathing."
)
# The same rule when neutrophils (or, without an ANC, white cells) are low: "a high fever" is
# then the febrile-neutropenia threshold, named. IDSA 2010 / ASCO-IDSA 2018 [C5]: one reading of
# 38.3 C, or 38.0 C lasting an hour; one reading cannot show it lasted, so 38.0 C (100.4 F) is the
# point to act on, as [CANCERNET] says.
SAFETY_LINE_LOW_WHITE = (
    "Seek care at once, day or night, for a temperature of 38.0 C or higher (100.4 F), heavy "
    "bleeding, or trouble breathing."
)
# The same rule when a fever was reported [C1]: the fever itself is in the care-team message,
# which the line follows ("Also"), in the same box on a page. Shivering, confusion and fast
# breathing call for care at once whatever the temperature [CANCERNET]; nurse reviewers read "if
# the fever (you reported) climbs higher" as "wait until it climbs". With counts that are not low
# (the message: within a day) a fever that keeps rising is one more reason not to wait for the
# call; when the message already says "now", naming it read as "watch it" (a nurse reviewer), so
# SAFETY_LINE_FEVER_NOW leaves it out.
SAFETY_LINE_FEVER = (
    "Also seek care at once, day or night, for shivering, fainting, confusion or fast "
    "breathing, a fever that keeps rising, heavy bleeding or trouble breathing."
)
SAFETY_LINE_FEVER_NOW = (
    "Also seek care at once, day or night, for shivering, fainting, confusion or fast "
    "breathing, heavy bleeding or trouble breathing."
)

# A baby's line after a reported fever (safety_line): never "if your baby has a temperature of 38.0
# C or higher" to a parent who has just given one (a nurse reviewer's finding), and no "feels
# cold" beside a fever; what a parent can see of an infection turning serious [NICE-FEVER] (poor
# feeding, being hard to wake, a pale, grey or mottled look, trouble breathing), heavy bleeding
# as for everyone [C1]; a fever that keeps rising only when the message is not "now" (as
# SAFETY_LINE_FEVER).
SAFETY_LINE_BABY_FEVER_NOW = (
    "Also seek care at once, day or night, if your baby feeds poorly, is unusually sleepy or "
    "floppy or hard to wake, looks pale, grey or mottled, has trouble breathing, or bleeds "
    "heavily."
)
SAFETY_LINE_BABY_FEVER = SAFETY_LINE_BABY_FEVER_NOW[:-1] + ", or if the fever keeps rising."

# A newborn's line on every result (engine.reader "newborn"): a temperature of 38.0 C (100.4 F)
# or more in the first weeks needs care at once [NEWBORN-FEVER]; at this age an infection can also
# show as a temperature that runs low, poor feeding, sleepiness or trouble breathing
# [NEWBORN-SEPSIS]; heavy bleeding as for everyone [C1]. The same words whatever the counts or a
# reported fever: a baby's fever is itself the reason to go. Said up to 3 months old too: a
# temperature of 38.0 C or more under 3 months is a high-risk sign [NICE-FEVER].
SAFETY_LINE_NEWBORN = (
    "Seek care at once, day or night, if your baby has a temperature of 38.0 C (100.4 F) or "
    "higher or feels cold, feeds poorly, is unusually sleepy, has trouble breathing, or bleeds "
    "heavily."
)
# A baby of 3 to 6 months (an age given): "a high fever" named as NICE's threshold for the age,
# 39.0 C (102.2 F), with a baby's signs of illness (poor feeding, sleepiness or being hard to
# wake, trouble breathing) [NICE-FEVER]; low neutrophils name 38.0 C instead, as for everyone.
SAFETY_LINE_UNDER_SIX_MONTHS = (
    "Seek care at once, day or night, if your baby has a temperature of 39.0 C (102.2 F) or "
    "higher, feeds poorly, is unusually sleepy or floppy, has trouble breathing, or bleeds "
    "heavily."
)
