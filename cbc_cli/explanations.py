"""Plain-language wording for every finding, care-team message and disclaimer the tool prints."""

from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "CARE_TEAM_MESSAGES",
    "DISCLAIMER",
    "EXPLANATIONS",
    "FEVER_GIVEN_ACTION",
    "MCV_PATTERNS",
    "NOTHING_CHECKED_MESSAGE",
    "ROUTINE_FOLLOW_UP",
    "SOON_WITH_FEVER_MESSAGE",
    "URGENT_FOLLOW_UP",
    "Explanation",
    "explain",
    "recovery_context",
    "with_fever_given",
]


class Explanation(NamedTuple):
    """Plain-language page for one finding code."""

    code: str
    title: str
    measures: str
    meaning: str
    notice: str
    action: str


# Shared wording, so the same advice reads the same way on every page.
_FEVER_NOW = (
    "A temperature of 38.0 C or higher, shivering, or suddenly feeling unwell "
    "is a reason to call your care team at once, day or night."
)
ROUTINE_FOLLOW_UP = "Otherwise, share this result with your care team at your next contact."
URGENT_FOLLOW_UP = "Otherwise, follow the care-team message for these results."

_EXPLANATION_LIST: tuple[Explanation, ...] = (
    Explanation(
        code="anemia",
        title="Anemia (low hemoglobin)",
        measures=(
            "Hemoglobin is the protein inside red blood cells that picks up oxygen "
            "in the lungs and delivers it around the body. The red cell count and "
            "hematocrit look at the same cells in other ways."
        ),
        meaning=(
            "A low value is common during and after chemotherapy, because the "
            "treatment slows the bone marrow (where blood cells are made) for a "
            "while. It can also be seen with blood loss, low iron, vitamin B12 or "
            "folate, kidney disease, or a marrow disorder. Your care team decides "
            "whether any support, such as a transfusion, is needed."
        ),
        notice=(
            "Tiredness that does not lift with rest and a paler look than usual are "
            "common. When the level is very low, getting out of breath easily, "
            "dizziness or a racing heart may appear."
        ),
        action=(
            "Get help at once for chest pain, fainting, or trouble breathing. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="neutropenia",
        title="Neutropenia (low neutrophils)",
        measures=(
            "Neutrophils are the main infection-fighting white blood cells and the "
            "body's first line against bacteria and fungi. The absolute neutrophil "
            "count (ANC) says how many are in the blood."
        ),
        meaning=(
            "A low count is expected some days after many chemotherapy treatments, "
            "while the bone marrow (where blood cells are made) recovers, and it "
            "usually climbs again. It can also be seen with some infections, other "
            "medicines, or marrow disorders. With few neutrophils, an infection may "
            "turn serious quickly; your care team decides whether support such as a "
            "growth factor (a medicine that helps the marrow make white cells) fits."
        ),
        notice=(
            "The low count itself is not felt. What matters are signs of infection: "
            "fever, chills, sore throat, cough, pain passing urine, or a red, sore "
            "patch of skin."
        ),
        action=_FEVER_NOW + " " + ROUTINE_FOLLOW_UP,
    ),
    Explanation(
        code="thrombocytopenia",
        title="Thrombocytopenia (low platelets)",
        measures=(
            "Platelets are tiny cell pieces that gather where a blood vessel is "
            "injured and help form a clot, so that bleeding stops."
        ),
        meaning=(
            "A low count can be seen after chemotherapy while the bone marrow (where "
            "blood cells are made) recovers. It may also come with some infections "
            "or medicines, the immune system clearing platelets, or a marrow "
            "disorder. The lower the count, the more easily bleeding can start; your "
            "care team decides whether a platelet transfusion is needed."
        ),
        notice=(
            "Bruises that appear with little reason, tiny red or purple dots on the "
            "skin, nosebleeds or bleeding gums, or small cuts that keep oozing."
        ),
        action=(
            "Get help at once for bleeding that will not stop, blood in urine or "
            "stool (or black stool), or a bad headache. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="leukopenia",
        title="Leukopenia (low white blood cells)",
        measures=(
            "The white blood cell count (WBC) adds up all the cells that defend the "
            "body against infection, including neutrophils and lymphocytes."
        ),
        meaning=(
            "A low total can be seen after chemotherapy or radiation, with some "
            "viral infections and medicines, or with a disorder of the bone marrow "
            "(where blood cells are made). It often goes with low neutrophils, the "
            "part that matters most for infection. While the count is low, even a "
            "small infection may become serious."
        ),
        notice=(
            "Usually nothing from the count itself. Infections may come more often "
            "or take longer to clear; fever and chills are the signs to watch for."
        ),
        action=_FEVER_NOW + " " + ROUTINE_FOLLOW_UP,
    ),
    Explanation(
        code="lymphopenia",
        title="Lymphopenia (low lymphocytes)",
        measures=(
            "Lymphocytes are white blood cells that recognise germs, make "
            "antibodies and remember infections met before."
        ),
        meaning=(
            "A low count is common after chemotherapy, radiation or steroid "
            "medicines. It can also be seen with some infections, a major illness, "
            "or conditions of the immune system or bone marrow (where blood cells "
            "are made). It may make some infections, viral ones in particular, more "
            "likely."
        ),
        notice=(
            "Usually nothing from the count itself. Some people notice infections "
            "that keep coming back or are slow to clear."
        ),
        action=_FEVER_NOW + " " + ROUTINE_FOLLOW_UP,
    ),
    Explanation(
        code="leukocytosis",
        title="Leukocytosis (high white blood cells)",
        measures=(
            "The white blood cell count (WBC) adds up all the infection-fighting "
            "cells in the blood."
        ),
        meaning=(
            "A high count is often the body's normal answer to infection, "
            "inflammation, stress or steroid medicines. It can also be seen with "
            "smoking, growth-factor treatment (G-CSF, which pushes the marrow to make "
            "white cells), the bone marrow bouncing back after chemotherapy, or, "
            "less often, a marrow or blood condition. Your care team can tell which "
            "fits."
        ),
        notice=(
            "The count itself is usually not felt. Signs of what is behind it, such "
            "as fever, pain or feeling unwell, may be what stands out."
        ),
        action=(
            "Get help at once for a high fever, trouble breathing, or feeling very "
            "unwell. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="neutrophilia",
        title="Neutrophilia (high neutrophils)",
        measures=(
            "Neutrophils are the main infection-fighting white blood cells; the "
            "absolute neutrophil count (ANC) says how many are in the blood."
        ),
        meaning=(
            "A high count is often seen when the body is fighting an infection or "
            "inflammation, or with stress, smoking or steroid medicines. Growth-"
            "factor treatment (G-CSF) raises neutrophils on purpose, and counts can "
            "overshoot for a while as the bone marrow recovers after chemotherapy. "
            "Less often it comes from a marrow condition; your care team can tell "
            "which fits."
        ),
        notice=(
            "The count itself is usually not felt. Signs of infection, such as "
            "fever, pain or redness, may be what stands out."
        ),
        action=(
            "Get help at once for a high fever, trouble breathing, or feeling very "
            "unwell. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="thrombocytosis",
        title="Thrombocytosis (high platelets)",
        measures=("Platelets are tiny cell pieces that help blood clot so that bleeding stops."),
        meaning=(
            "A high count can be seen after bleeding or surgery, with infection, "
            "inflammation or low iron, or as the bone marrow (where blood cells are "
            "made) recovers after chemotherapy. Less often it comes from a marrow "
            "condition that makes too many platelets. Your care team can tell which "
            "fits."
        ),
        notice=(
            "Most people notice nothing. Rarely, a very high count goes with clots "
            "or with bleeding."
        ),
        action=(
            "Get help at once for chest pain, trouble breathing, a painful swollen "
            "leg, or heavy bleeding. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="erythrocytosis",
        title="Erythrocytosis (high hemoglobin or red cells)",
        measures=(
            "Hemoglobin, hematocrit and the red cell count show how much "
            "oxygen-carrying red cell the blood holds."
        ),
        meaning=(
            "A high value can be seen when the body is short of water "
            "(dehydration), with smoking, at high altitude, with some lung or heart "
            "conditions, or after treatment that boosts red cells, such as "
            "erythropoietin or a transfusion. Less often it comes from a bone marrow "
            "condition that makes too many red cells. Your care team can tell which "
            "fits."
        ),
        notice=(
            "Often nothing. Some people notice headaches, dizziness, a flushed face or itching."
        ),
        action=(
            "Get help at once for chest pain, trouble breathing, or sudden weakness "
            "or trouble speaking. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="bicytopenia",
        title="Bicytopenia (two blood cell types low)",
        measures=(
            "The bone marrow (where blood cells are made) makes three main types: "
            "red cells for oxygen, white cells against infection, and platelets for "
            "clotting. Here two of the three are below range."
        ),
        meaning=(
            "Two low types together can follow chemotherapy or radiation, which "
            "hold the marrow back for a time (marrow suppression). They can also "
            "come from a problem in the marrow itself, which then cannot make "
            "enough cells (marrow failure), or from causes such as infection or low "
            "vitamins. Your care team can tell which is more likely, sometimes with "
            "further tests."
        ),
        notice=(
            "It depends on which types are low: tiredness, pale skin or "
            "breathlessness; more infections; easy bruising or bleeding."
        ),
        action=(
            "Get help at once for a temperature of 38.0 C or higher, bleeding that "
            "will not stop, or trouble breathing. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="pancytopenia",
        title="Pancytopenia (all three blood cell types low)",
        measures=(
            "The bone marrow (where blood cells are made) makes red cells for "
            "oxygen, white cells against infection, and platelets for clotting. "
            "Here all three are below range."
        ),
        meaning=(
            "All three can drop together after chemotherapy or radiation, which "
            "hold the marrow back for a time (marrow suppression). The same picture "
            "can also come from a marrow that cannot make enough cells on its own "
            "(marrow failure), or from other causes such as severe infection or low "
            "vitamins. Your care team can tell which is more likely and decides "
            "whether further tests, such as a bone marrow test, are needed."
        ),
        notice=(
            "Tiredness, pale skin or breathlessness; infections that come often or "
            "hit hard; easy bruising or bleeding that lasts."
        ),
        action=(
            "Get help at once for a temperature of 38.0 C or higher, bleeding that "
            "will not stop, or trouble breathing. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="febrile-neutropenia",
        title="Febrile neutropenia (fever with very low neutrophils)",
        measures=(
            "This combines the neutrophil count (the main infection-fighting white "
            "cells) with body temperature. It applies when the count is below "
            "0.5 x10^9/L and the temperature is 38.3 C or higher once, or 38.0 C or "
            "higher for more than an hour."
        ),
        meaning=(
            "With so few neutrophils the body struggles to hold back an infection, "
            "and fever may be the only early sign. An infection in this situation "
            "can become life-threatening within hours, so this is a medical "
            "emergency even when the person feels fairly well."
        ),
        notice=(
            "Fever, chills or shivering, feeling suddenly weak, drowsy or confused, "
            "fast breathing or a racing heart."
        ),
        action=(
            "Do not wait to see whether it passes. Contact your care team now (use "
            "the out-of-hours number at night or at weekends), or emergency "
            "services if the care team cannot be reached."
        ),
    ),
    Explanation(
        code="critical-value",
        title="Critical value (far outside the usual range)",
        measures=(
            "Labs keep limits for results so far from normal that they phone the "
            "care team straight away. Each lab sets these limits as its own policy, "
            "so they differ between labs."
        ),
        meaning=(
            "A result beyond one of these limits may need prompt attention. It can "
            "reflect a real change, such as a very low count after chemotherapy, or "
            "sometimes a problem with the sample or a typing error in the unit or "
            "value. Only the care team can tell which."
        ),
        notice=(
            "It depends on the count: great tiredness, breathlessness or fainting "
            "with very low hemoglobin; fever or chills with very low white cells; "
            "bleeding or bruising with very low platelets. Some people notice "
            "nothing."
        ),
        action=(
            "If you feel very unwell, call emergency services. Otherwise contact "
            "your care team now, even if you feel well; the lab may already have "
            "told the care team."
        ),
    ),
)

EXPLANATIONS: MappingProxyType[str, Explanation] = MappingProxyType(
    {item.code: item for item in _EXPLANATION_LIST}
)

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

CARE_TEAM_MESSAGES: MappingProxyType[str, str] = MappingProxyType(
    {
        "none": (
            "All the values that could be checked were within range. This is not a "
            "diagnosis, and your care team knows the whole picture, so keep to your "
            "usual plan with them and tell them if you feel unwell."
        ),
        "routine": (
            "Mention these results to your care team at your next planned contact, "
            "or sooner if you feel unwell."
        ),
        "soon": (
            "Contact your care team within a day (today or tomorrow) about these "
            "results, and straight away if you get a fever, bleeding or trouble "
            "breathing."
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
FEVER_GIVEN_ACTION: str = (
    "The temperature given is 38.0 C or higher, which the care-team message above takes into "
    "account; call at once, day or night, if you start shivering or suddenly feel worse."
)
_FEVER_WATCH: tuple[tuple[str, str], ...] = (
    (_FEVER_NOW, FEVER_GIVEN_ACTION),
    ("a temperature of 38.0 C or higher, ", ""),
    ("a high fever, ", "a fever that keeps rising, "),
)


def with_fever_given(text: str) -> str:
    """``text`` as it reads for a person who gave a temperature of 38.0 C or more.

    Advice to watch for a fever ("a temperature of 38.0 C or higher ... is a reason to call")
    becomes advice about the fever they have.
    """
    for watch, given in _FEVER_WATCH:
        text = text.replace(watch, given)
    return text


NOTHING_CHECKED_MESSAGE: str = (
    "None of these values could be compared with a reference range or graded, so "
    "this is NOT a sign that all is well. Give your age and sex (and check that "
    "units are included) so that ranges can apply, or ask your care team to look "
    "at the results."
)

DISCLAIMER: str = (
    "This tool gives information only; it is not a medical device and does not "
    "diagnose or replace your care team."
)

_TIMELINE_CAVEAT = (
    "This is the usual timeline, not a prediction for you, and it varies with the treatment given."
)


def explain(code: str) -> Explanation:
    """Return the explanation for a finding code.

    Raises KeyError, naming the known codes, when the code is unknown.
    """
    try:
        return EXPLANATIONS[code]
    except KeyError:
        known = ", ".join(EXPLANATIONS)
        raise KeyError(f"unknown finding code {code!r}; known codes: {known}") from None


def recovery_context(days_since_chemo: int) -> str:
    """Place day N after chemotherapy on the usual recovery timeline.

    Returns one or two sentences. Raises ValueError for a negative number of days.
    """
    if days_since_chemo < 0:
        raise ValueError(f"days since chemotherapy cannot be negative, got {days_since_chemo}")
    day = days_since_chemo
    if day <= 30:
        phase = (
            f"Day {day} after chemotherapy is within the first month, when counts "
            "usually begin to climb again but are often still low."
        )
    elif day <= 60:
        phase = (
            f"Day {day} after chemotherapy is in the second month; the bone marrow "
            "usually regains its normal share of blood-making cells by about day "
            "40 to 60, and counts keep improving."
        )
    else:
        phase = (
            f"Day {day} after chemotherapy is past the first two months; the marrow "
            "has usually refilled by now, but counts can take months or even years "
            "to settle fully into the normal range."
        )
    return f"{phase} {_TIMELINE_CAVEAT}"
