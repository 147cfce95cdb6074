"""One page per finding code (``EXPLANATIONS``, ``explain``): what it measures, what it can
mean, what a person might notice and what to do.

The keys in brackets in the comments are the sources listed in
``cbc_cli.explanations.sources``.
"""

from types import MappingProxyType

from cbc_cli.explanations.phrases import FEVER_GIVEN, FEVER_NOW, ROUTINE_FOLLOW_UP, Explanation

# measures/meaning/notice/action per [C6]; what a person might notice from the symptom table
# [C1]. Each part says one thing: how to look after oneself is in the topic summary shown under
# the finding, and treatment options are in the growth-factors-transfusion topic.
# A critical value's signs with very low counts (symptom table [C1]); with high ones, see
# CRITICAL_HIGH_SIGNS_ANY. Both directions at once say both lists in one sentence.
CRITICAL_LOW_SIGNS = (
    "great tiredness, breathlessness or fainting with very low hemoglobin; fever or chills with "
    "very low white cells; bleeding or bruising with very low platelets"
)
# The same signs, one clause per count, for a critical value whose low counts are known: only
# theirs are said (a nurse reviewer found hemoglobin and platelet signs beside a critical ANC).
CRITICAL_LOW_CLAUSES = {
    "hgb": "great tiredness, breathlessness or fainting with very low hemoglobin",
    "hct": "great tiredness, breathlessness or fainting with a very low hematocrit",
    "wbc": "fever or chills with very low white cells",
    "anc": "fever or chills with very low neutrophils",
    "plt": "bleeding or bruising with very low platelets",
}

_EXPLANATION_LIST: tuple[Explanation, ...] = (
    Explanation(
        code="anemia",
        title="Anemia (low hemoglobin or red cells)",
        # Red cells carry oxygen [C1].
        measures=(
            "Hemoglobin is the protein in red blood cells that carries oxygen around the body; "
            "the red cell count and hematocrit measure the same cells in other ways."
        ),
        # Iron, B12, folate: anemia by MCV [C5]; blood loss, kidney disease, medicines, marrow
        # disorders [ANEMIA-CAUSES]; chemotherapy [C1], one cause of several. After
        # chemotherapy: AFTER_CHEMO_MEANING.
        meaning=(
            "A low value can be seen with low iron, blood loss, low vitamin B12 or folate, "
            "kidney disease, some medicines or cancer treatments such as chemotherapy, or a "
            "bone marrow disorder."
        ),
        # Fatigue, pallor, breathlessness: symptom table [C1]; dizziness, headaches and a fast
        # heartbeat [NCI-ANEMIA].
        notice=(
            "Tiredness that rest does not fix and paler skin are common. A very low level can "
            "bring breathlessness, dizziness, headaches or a fast heartbeat."
        ),
        # Chest pain and fainting [URMC] [CANCERNET]; short of breath at rest [HCI-ANEMIA].
        action=(
            "Get help at once for chest pain, fainting, or being short of breath while "
            "resting. " + ROUTINE_FOLLOW_UP
        ),
        topics=("anemia-care", "nutrition", "growth-factors-transfusion"),
    ),
    Explanation(
        code="neutropenia",
        title="Neutropenia (low neutrophils)",
        # White cells fight infection [C1].
        measures=(
            "The absolute neutrophil count (ANC) counts neutrophils, the white blood cells that "
            "are first to fight bacteria and fungi."
        ),
        # Causes [MAYO-NEUTROPENIA], chemotherapy among them [C1]; small infections can become
        # serious [C1]. After chemotherapy: AFTER_CHEMO_MEANING.
        meaning=(
            "A low count can be seen with some infections (often viral), some medicines, "
            "cancer treatments such as chemotherapy or radiation, low vitamins, or a bone "
            "marrow disorder. With few neutrophils, an infection can turn serious quickly."
        ),
        # Signs of infection [CLEVELAND].
        notice=(
            "The low count itself is not felt. An infection may show as fever, chills or "
            "sweats, a sore throat, a cough, burning when passing urine, or red, sore skin."
        ),
        action=FEVER_NOW + " " + ROUTINE_FOLLOW_UP,
        action_fever=FEVER_GIVEN,
        topics=("infection-precautions", "growth-factors-transfusion"),
    ),
    Explanation(
        code="thrombocytopenia",
        title="Thrombocytopenia (low platelets)",
        # Platelets help clotting [C1].
        measures="Platelets are tiny cell pieces that help blood clot, so that bleeding stops.",
        # Causes [MSD-PLATELETS], chemotherapy among them [C1]. After chemotherapy:
        # AFTER_CHEMO_MEANING.
        meaning=(
            "A low count can be seen with some infections or medicines, the immune system "
            "clearing platelets, cancer treatments such as chemotherapy, or a bone marrow "
            "disorder. The lower the count, the more easily bleeding starts."
        ),
        # Easy bruising or bleeding, prolonged bleeding [C1]; small red or purple spots
        # [HCI-BLEED].
        notice=(
            "Bruises that appear with little reason, tiny red or purple dots on the skin, "
            "nosebleeds or bleeding gums, or small cuts that keep oozing."
        ),
        # Heavy bleeding [C1]; blood in urine, blood in stool or dark stool [HCI-BLEED]
        # [ACS-CALL]; bad headaches, changes in sight, confusion [AO-BLEED].
        action=(
            "Get help at once for bleeding that will not stop, blood in urine or stool (or "
            "black stool), a bad headache, changes in sight, or confusion. " + ROUTINE_FOLLOW_UP
        ),
        topics=("bleeding-precautions", "growth-factors-transfusion"),
    ),
    Explanation(
        code="leukopenia",
        title="Leukopenia (low white blood cells)",
        measures=(
            "The white blood cell count (WBC) adds up all the cells that defend the body "
            "against infection, including neutrophils and lymphocytes."
        ),
        # Chemotherapy and radiation, viruses, marrow failure; small infections [C1]; medicines
        # [MAYO-NEUTROPENIA]. After chemotherapy: AFTER_CHEMO_MEANING.
        meaning=(
            "A low total can be seen with some viral infections and medicines, cancer "
            "treatments such as chemotherapy or radiation, or a bone marrow disorder. It often "
            "goes with low neutrophils, the cells that matter most against infection; while "
            "the count is low, even a small infection may become serious."
        ),
        # Recurrent infections: symptom table [C1].
        notice=(
            "Usually nothing from the count itself. Infections may come more often or take "
            "longer to clear."
        ),
        action=FEVER_NOW + " " + ROUTINE_FOLLOW_UP,
        action_fever=FEVER_GIVEN,
        topics=("infection-precautions", "growth-factors-transfusion"),
    ),
    Explanation(
        code="lymphopenia",
        title="Lymphopenia (low lymphocytes)",
        measures=(
            "Lymphocytes are white blood cells that recognise germs, make antibodies and "
            "remember infections met before."
        ),
        # [MSD-LYMPHO]. After chemotherapy: AFTER_CHEMO_MEANING.
        meaning=(
            "A low count can be seen with some infections, steroid medicines, cancer "
            "treatments such as chemotherapy or radiation, or conditions of the immune system "
            "or bone marrow. While it is low, infections may be more likely."
        ),
        # Recurrent infections: symptom table [C1].
        notice=(
            "Usually nothing from the count itself. Some people notice infections that keep "
            "coming back or are slow to clear."
        ),
        action=FEVER_NOW + " " + ROUTINE_FOLLOW_UP,
        action_fever=FEVER_GIVEN,
        topics=("infection-precautions",),
    ),
    Explanation(
        code="leukocytosis",
        title="Leukocytosis (high white blood cells)",
        measures=(
            "The white blood cell count (WBC) adds up all the infection-fighting cells in the "
            "blood."
        ),
        # G-CSF raises white cells [C1]; other causes [AFP-WBC] [WILLIAMS-NEUTROPHILIA]. A
        # count beyond its critical limit, or above 100: see CRITICAL_HIGH_WORDS.
        meaning=(
            "A high count is often the body's normal answer to infection, inflammation, stress "
            "or steroid medicines. It can also be seen with smoking, growth-factor treatment "
            "(G-CSF), the bone marrow bouncing back after chemotherapy, or, less often, a "
            "marrow or blood condition. Your care team can tell which fits."
        ),
        notice=(
            "The count itself is usually not felt. Signs of what is behind it, such as fever, "
            "pain or feeling unwell, may be what stands out."
        ),
        # High fever and trouble breathing [C1].
        action=(
            "Get help at once for a high fever, trouble breathing, or feeling very unwell. "
            + ROUTINE_FOLLOW_UP
        ),
        action_fever=(FEVER_GIVEN + " Trouble breathing also needs help at once."),
    ),
    Explanation(
        code="neutrophilia",
        title="Neutrophilia (high neutrophils)",
        measures=(
            "The absolute neutrophil count (ANC) counts neutrophils, the white blood cells that "
            "are first to fight bacteria and fungi."
        ),
        # G-CSF raises neutrophils [C1]; other causes, rebound after chemotherapy
        # [WILLIAMS-NEUTROPHILIA] [AFP-WBC].
        meaning=(
            "A high count is often seen when the body is fighting an infection or "
            "inflammation, or with stress, smoking or steroid medicines. Growth-factor "
            "treatment (G-CSF) raises neutrophils on purpose, and counts can overshoot for a "
            "while as the marrow recovers after chemotherapy. Less often it comes from a "
            "marrow condition; your care team can tell which fits."
        ),
        notice=(
            "The count itself is usually not felt. Signs of infection, such as fever, pain or "
            "redness, may be what stands out."
        ),
        # High fever and trouble breathing [C1].
        action=(
            "Get help at once for a high fever, trouble breathing, or feeling very unwell. "
            + ROUTINE_FOLLOW_UP
        ),
        action_fever=(FEVER_GIVEN + " Trouble breathing also needs help at once."),
    ),
    Explanation(
        code="thrombocytosis",
        title="Thrombocytosis (high platelets)",
        measures="Platelets are tiny cell pieces that help blood clot, so that bleeding stops.",
        # [STATPEARLS-PLT]
        meaning=(
            "A high count is most often a reaction to something else, such as infection, "
            "inflammation, bleeding or some medicines. Less often it comes from a marrow "
            "condition that makes too many platelets. Your care team can tell which fits."
        ),
        # [STATPEARLS-PLT]
        notice=(
            "Most people notice nothing. Rarely, a very high count goes with clots or with "
            "bleeding."
        ),
        # Signs of a clot [ONCOLINK-CLOT]; heavy bleeding [C1].
        action=(
            "Get help at once for chest pain, sudden shortness of breath, a painful swollen "
            "leg, or heavy bleeding. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="erythrocytosis",
        title="Erythrocytosis (high hemoglobin or red cells)",
        measures=(
            "Hemoglobin, hematocrit and the red cell count show how much oxygen-carrying red "
            "cell the blood holds."
        ),
        # [MAYO-HGB]; erythropoietin [C1].
        meaning=(
            "A high value can be seen when the body is short of water (dehydration), with "
            "smoking, at high altitude, with some lung or heart conditions, or after "
            "treatment with erythropoietin. Less often it comes from a bone marrow condition "
            "that makes too many red cells. Your care team can tell which fits."
        ),
        # [NIDIRECT-PCYT]
        notice=(
            "Often nothing. Some people notice headaches, dizziness, red skin or itching after "
            "a bath or shower."
        ),
        # Signs of a clot, and a clot can cause a stroke [ONCOLINK-CLOT] [NIDIRECT-PCYT].
        action=(
            "Get help at once for chest pain, sudden shortness of breath, a painful swollen "
            "leg, or signs of a stroke. " + ROUTINE_FOLLOW_UP
        ),
    ),
    Explanation(
        code="bicytopenia",
        title="Bicytopenia (two blood cell types low)",
        # The three cell lines [C1].
        measures=(
            "The bone marrow (where blood cells are made) makes three main types: red cells "
            "for oxygen, white cells against infection, and platelets for clotting. Here two "
            "of the three are below range."
        ),
        # Suppression vs failure; the care team can tell which [C1] [C5]; infection and low
        # vitamins [MAYO-NEUTROPENIA] [MSD-PLATELETS].
        meaning=(
            "Two low types together can be seen with infection, low vitamins, some medicines, "
            "or treatment such as chemotherapy or radiation, which holds the marrow back for a "
            "time (marrow suppression). They can also come from a problem in the marrow "
            "itself, which then cannot make enough cells (marrow failure). Your care team can "
            "tell which is more likely, sometimes with further tests."
        ),
        # Symptom table [C1].
        notice=(
            "It depends on which types are low: tiredness, pale skin or breathlessness; more "
            "infections; easy bruising or bleeding."
        ),
        # Seek-care rule [C1]; 38.0 C [CANCERNET].
        action=(
            "Get help at once for a temperature of 38.0 C or higher, bleeding that will not "
            "stop, or trouble breathing. " + ROUTINE_FOLLOW_UP
        ),
        action_fever=(
            FEVER_GIVEN + " Bleeding that will not stop or trouble breathing also needs help "
            "at once."
        ),
        topics=("marrow-failure", "chemotherapy-timeline"),
    ),
    Explanation(
        code="pancytopenia",
        title="Pancytopenia (all three blood cell types low)",
        # The three cell lines [C1].
        measures=(
            "The bone marrow (where blood cells are made) makes red cells for oxygen, white "
            "cells against infection, and platelets for clotting. Here all three are below "
            "range."
        ),
        # Suppression vs failure; marrow biopsy as a further test [C1] [C5]; severe infection
        # and low vitamins [MAYO-NEUTROPENIA] [MSD-PLATELETS].
        meaning=(
            "All three can drop together with severe infection, low vitamins, some medicines, "
            "or treatment such as chemotherapy or radiation, which holds the marrow back for a "
            "time (marrow suppression). The same picture can also come from a marrow that "
            "cannot make enough cells on its own (marrow failure). Your care team can tell "
            "which is more likely, sometimes with a bone marrow test."
        ),
        # Symptom table [C1].
        notice=(
            "Tiredness, pale skin or breathlessness; infections that come often or hit hard; "
            "easy bruising or bleeding that lasts."
        ),
        # Seek-care rule [C1]; 38.0 C [CANCERNET].
        action=(
            "Get help at once for a temperature of 38.0 C or higher, bleeding that will not "
            "stop, or trouble breathing. " + ROUTINE_FOLLOW_UP
        ),
        action_fever=(
            FEVER_GIVEN + " Bleeding that will not stop or trouble breathing also needs help "
            "at once."
        ),
        topics=("marrow-failure", "chemotherapy-timeline"),
    ),
    Explanation(
        code="febrile-neutropenia",
        title="Febrile neutropenia (fever with very low neutrophils)",
        # IDSA 2010 / ASCO-IDSA 2018 definition [C5].
        measures=(
            "This combines the neutrophil count (the main infection-fighting white cells) with "
            "body temperature. It applies when the count is below 0.5 x10^9/L and the "
            "temperature is 38.3 C or higher once, or 38.0 C or higher for more than an hour."
        ),
        # A medical emergency [C5]; fever often the only sign of infection [SUNNYBROOK].
        meaning=(
            "With so few neutrophils the body struggles to hold back an infection, and fever "
            "may be the only early sign. An infection at such a time can become "
            "life-threatening within hours, so fever with a count this low is treated as a "
            "medical emergency, even when the person feels fairly well."
        ),
        # Shaking chills, confusion, shortness of breath [CANCERNET].
        notice=(
            "Besides the fever: chills or shivering, feeling suddenly weak, drowsy or "
            "confused, fast breathing or a racing heart."
        ),
        # Contact the care team or emergency services now [C5].
        action=(
            "Do not wait to see whether it passes. Contact your care team now (use the "
            "out-of-hours number at night or at weekends), or emergency services if the care "
            "team cannot be reached."
        ),
        topics=("infection-precautions",),
    ),
    Explanation(
        code="critical-value",
        title="Critical value (far outside the usual range)",
        # Critical limits are lab policy [C5].
        measures=(
            "Labs keep limits for results so far from normal that they phone the care team "
            "straight away. Each lab sets these limits as its own policy, so they differ "
            "between labs."
        ),
        # A result words this for the direction of its values (_critical_words).
        meaning=(
            "A result beyond one of these limits needs the care team's attention now. A very "
            "low count can follow chemotherapy; a very high one can make clots more likely. "
            "Sometimes the cause is a problem with the sample or a typing error in the unit or "
            "value. Only the care team can tell which."
        ),
        # Symptom table [C1].
        notice=(f"It depends on the count: {CRITICAL_LOW_SIGNS}. Some people notice nothing."),
        action=(
            "If you feel very unwell, call emergency services. Otherwise contact your care "
            "team now, even if you feel well; the lab may already have told them."
        ),
    ),
)

EXPLANATIONS: MappingProxyType[str, Explanation] = MappingProxyType(
    {item.code: item for item in _EXPLANATION_LIST}
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
