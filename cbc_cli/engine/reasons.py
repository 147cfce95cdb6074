"""The sentences the care-team message opens with, for the rules of :func:`decide` that name
counts: a count beyond its critical limit (rule 4), counts graded 3 or 4 (rule 6), a value
beyond a prompt limit (rule 6b), and counts that could not be judged (rule 9)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from cbc_cli.analytes import ANALYTES
from cbc_cli.engine.prompt import NEWBORN_POLYCYTHEMIA_HCT, SEVERE_ANEMIA_HCT
from cbc_cli.engine.values import limit_text
from cbc_cli.wording import and_list


def severe_words(severe: Sequence[tuple[str, str]]) -> str:
    """Rule 6's message: the counts graded 3 or 4 (``severe``: analyte and direction, in output
    order), each named, low ones first ("Hemoglobin and neutrophils are very low."; a clinical
    reviewer found "very low or very high" said of low counts only)."""
    said = []
    for side in ("low", "high"):
        names = [
            _CRITICAL_NAMES.get(a, (f"the {ANALYTES[a].name}", "is"))
            for a, d in dict.fromkeys(severe)
            if d == side
        ]
        if not names:
            continue
        verb = names[0][1] if len(names) == 1 else "are"
        listed = and_list([n for n, _ in names])
        said.append(f"{listed} {verb} very {side}")
    text = " and ".join(said)
    return f"{text[0].upper()}{text[1:]}."


# How the care-team message names a count beyond its critical limit, with its verb.
_CRITICAL_NAMES = {
    "hgb": ("hemoglobin", "is"),
    "hct": ("hematocrit", "is"),
    "plt": ("platelets", "are"),
    "wbc": ("white blood cells", "are"),
    "anc": ("neutrophils", "are"),
    "alc": ("lymphocytes", "are"),
}


def prompt_words(prompted: Sequence[tuple[str, str]]) -> str:
    """Rule 6b's message: each value beyond its prompt limit (engine.prompt)."""
    said = []
    if ("hct", "high") in prompted:
        said.append(
            f"Hematocrit is {NEWBORN_POLYCYTHEMIA_HCT:g}% or more, which in a baby under 1 month "
            "old is called polycythemia: blood this thick can lower blood sugar and needs the "
            "care team's review today."
        )
    if ("hct", "low") in prompted:
        said.append(
            f"Hematocrit is below {SEVERE_ANEMIA_HCT:g}%, which goes with a very low hemoglobin "
            "(below about 8 g/dL)."
        )
    return " ".join(said)


def critical_words(
    counts: Sequence[tuple[str, str, float | None]],
    *,
    some_ages: Collection[str] = (),
    age_given: bool = False,
) -> str:
    """Rule 4's message: each count beyond its critical limit, named with the limit it is
    beyond. ``counts``: (analyte, flag, limit) in output order; the flag LL or HH (an AA from
    the lab has no direction, and a lab's flag no limit: the lab is named instead).
    ``some_ages``: the counts critical for some of the ages the person could be only (no age
    given, or ``age_given`` too coarse to choose one limit): the value's note gives the other
    limit and asks for the age."""
    parts, by_lab = [], []
    for analyte, flag, limit in counts:
        name, verb = _CRITICAL_NAMES.get(analyte, (f"the {ANALYTES[analyte].name} value", "is"))
        if limit is None or flag not in ("LL", "HH"):
            by_lab.append(name)
            continue
        shown = limit_text(limit, ANALYTES[analyte].unit)
        parts.append((name, verb, f"{'below' if flag == 'LL' else 'above'} {shown}", analyte))
    said = []
    tail = "at which labs phone the care team at once"
    every = {analyte for *_, analyte in parts} <= set(some_ages)
    exact = "the exact age" if age_given else "the age"
    if some_ages and every:
        tail += f" for some ages, and {exact} would tell whether that includes this person"
    if len(parts) == 1:
        name, verb, where, _ = parts[0]
        said.append(f"{name.capitalize()} {verb} {where}, the limit {tail}.")
    elif parts:
        listed = ", ".join(
            f"{name} {where}"
            + (f" (for some ages only: {exact} would tell)" if a in some_ages and not every else "")
            for name, _, where, a in parts
        )
        said.append(f"Some counts are beyond the limits {tail}: {listed}.")
    if by_lab:
        listed = and_list(by_lab)
        results = "a result" if len(by_lab) == 1 else "results"
        said.append(
            f"The lab marked {listed} as critical, {results} labs phone to the care team at once."
        )
    text = " ".join(said)
    if not some_ages:
        return text
    lead = "The age given does not tell which limit applies." if age_given else "No age was given."
    return f"{lead} {text}"


def unjudged_words(analytes: Sequence[str]) -> str:
    """``the neutrophil count could not be judged, so ...``: why rule 9 holds."""
    names = [_COUNT_NAMES.get(a, f"the {ANALYTES[a].name} value") for a in analytes]
    listed = and_list(names)
    pronoun = "it is" if len(names) == 1 else "they are"
    return (
        f"{listed} could not be judged, so this result cannot show that {pronoun} normal; "
        "ask your care team about it"
    )


_COUNT_NAMES = {
    "hgb": "the hemoglobin",
    "wbc": "the white cell count",
    "anc": "the neutrophil count",
    "alc": "the lymphocyte count",
    "plt": "the platelet count",
}
