"""A critical value's words: by direction (low, high, both), beside febrile neutropenia, and a
high count beyond its critical limit, with the signs that call for help at once.

The keys in brackets in the comments are the sources listed in
``cbc_cli.explanations.sources``.
"""

from types import MappingProxyType

# A critical value's words by direction [C5] [C6]: the page above speaks of both; a result says
# only what fits its values. Very high counts: leukostasis [LEUKOSTASIS]; clots, and bleeding
# with very high platelets [STATPEARLS-PLT] [NIDIRECT-PCYT] [ONCOLINK-CLOT].
CRITICAL_LOW = (
    "A value this low needs the care team's attention now. It can reflect a real change, such "
    "as a very low count after chemotherapy, or sometimes a problem with the sample or a "
    "typing error in the unit or value. Only the care team can tell which."
)
CRITICAL_HIGH = (
    "A value this high can make clots more likely (and, for platelets, bleeding), and a very "
    "high white count can slow the blood in small vessels, so it needs the care team's "
    "attention now. It can come from a blood or marrow condition or a strong reaction to "
    "illness, or sometimes from a problem with the sample or a typing error in the unit or "
    "value. Only the care team can tell which."
)
CRITICAL_BOTH = (
    "Results beyond these limits, low or high, need the care team's attention now. They can "
    "reflect a real change, or sometimes a problem with the sample or a typing error in the "
    "unit or value. Only the care team can tell which."
)
CRITICAL_HIGH_SIGNS_ANY = (
    "headaches, dizziness, changes in sight or trouble breathing with a very high white count "
    "or hemoglobin; chest pain, sudden shortness of breath or a painful swollen leg with a clot"
)

# A count only the lab flagged critical (HL7 LL/HH/AA) while cbc's own flag reads low, high or
# normal: labs' critical limits are their own policy [C5], so the two can differ; the lab's call
# stands (a nurse reviewer found "a value this low" beside cbc's "L low" and "N normal").
LAB_CRITICAL_MEANING = (
    "The lab marked this result as critical, and labs phone such results to the care team at "
    "once. Each lab sets its own limits, so cbc's own flag may read only low, high or even "
    "normal; the care team's attention is needed now all the same. It can reflect a real "
    "change, or sometimes a problem with the sample or a typing error in the unit or value. "
    "Only the care team can tell which."
)

# With febrile neutropenia, an emergency [C5]: no "typing error", no "the lab may have told
# them": contact now.
CRITICAL_FEBRILE = (
    "With a fever and so few neutrophils, this is treated as a medical emergency, whatever "
    "else the result shows."
)
CRITICAL_FEBRILE_ACTION = (
    "Contact your care team now, or emergency services if the care team cannot be reached."
)
# ...and what may be noticed beside a fever already reported: low neutrophils are not felt, and
# fever may be the only sign [SUNNYBROOK]; shaking chills, confusion, shortness of breath
# [CANCERNET] (a nurse reviewer found "fever or chills" said to a person who gave a fever).
CRITICAL_FEBRILE_NOTICE = (
    "Low neutrophils themselves are not felt, and the fever may be the only sign of infection. "
    "Also watch for shivering, feeling suddenly weak, drowsy or confused, fast breathing or a "
    "racing heart."
)
WHITE_CLAUSES = frozenset({"wbc", "anc"})

# A high count beyond its critical limit (finding_words ``high_level``): what it can be seen
# with, why it is urgent and to act now [C5] [C6]; never the reassuring opening of a mildly high
# count. White cells: above 100 x10^9/L mostly leukemia, strong reactions to infection reach
# 50 to 100 [HYPERLEUKO] [AFP-WBC]; the cells can crowd small vessels, mainly in the lungs and
# brain [LEUKOSTASIS]. Platelets: reactive causes stay common [STATPEARLS-PLT], marrow
# conditions that make too many; clots, and above 1,000 bleeding, mainly with a marrow
# condition [MICHIELS-PLT]. Hemoglobin:
# thick blood and clots, polycythemia, lung or heart disease, dehydration [NIDIRECT-PCYT]
# [MAYO-HGB]. Warning signs of a clot or stroke [ONCOLINK-CLOT]; of leukostasis [LEUKOSTASIS].
_CRITICAL_HIGH_ACTION = (
    "Contact your care team now, even if you feel well. Get help at once, from emergency "
    "services if needed, for {signs}."
)
_CLOT_SIGNS = (
    "chest pain, sudden shortness of breath, a painful swollen leg, weakness on one side of the "
    "body or trouble speaking"
)
CRITICAL_HIGH_WORDS: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
    {
        "hyper-wbc": (
            "A white count above 100 x10^9/L needs your care team's review now, even if you feel "
            "well. Counts this high are most often seen with a blood or marrow condition such "
            "as leukemia, and only rarely with a reaction to infection. So many white cells can "
            "crowd small blood vessels, mainly in the lungs and brain.",
            "Some people notice nothing. Trouble breathing, a headache, changes in sight or "
            "confusion can be signs that the cells are slowing the blood.",
            _CRITICAL_HIGH_ACTION.format(
                signs="trouble breathing, a bad headache, confusion, or changes in your sight"
            ),
        ),
        "leukocytosis": (
            "A white count this far above the range needs your care team's review now. It can "
            "be seen with a strong reaction to a severe infection or inflammation, with "
            "steroid or growth-factor treatment (G-CSF), or with a blood or marrow condition "
            "such as leukemia; sometimes the sample or a typing error is the reason. Only the "
            "care team can tell which.",
            "What stands out is often the cause: fever, pain or feeling very unwell. Trouble "
            "breathing, a headache or changes in sight matter most.",
            _CRITICAL_HIGH_ACTION.format(
                signs="trouble breathing, a bad headache, confusion, or changes in your sight"
            ),
        ),
        "thrombocytosis": (
            "A platelet count this far above the range needs your care team's review now. It "
            "can be a reaction to infection, inflammation, bleeding or low iron, or a marrow "
            "condition that makes too many platelets. Clots can become more likely, and above "
            "about 1,000 x10^9/L, mainly with a marrow condition, bleeding can too: the "
            "platelets use up a protein the blood needs to clot.",
            "Many people notice nothing. Signs of a clot (chest pain, sudden shortness of "
            "breath, a painful swollen leg) or of bleeding (nosebleeds, bleeding gums, easy "
            "bruising) matter most.",
            _CRITICAL_HIGH_ACTION.format(signs=f"{_CLOT_SIGNS}, or heavy bleeding"),
        ),
        "erythrocytosis": (
            "A hemoglobin or hematocrit this far above the range needs your care team's review "
            "now. Blood this thick clots more easily, which can lead to a stroke or a clot in a "
            "leg or the lungs. It can be seen with a marrow condition that makes too many red "
            "cells, lung or heart disease, or losing a lot of body water, or come "
            "from a sample or typing error.",
            "Headaches, dizziness, blurred sight or red skin; or signs of a clot, such as chest "
            "pain, sudden shortness of breath or a painful swollen leg.",
            _CRITICAL_HIGH_ACTION.format(signs=_CLOT_SIGNS),
        ),
        "neutrophilia": (
            "A neutrophil count this far above the range needs your care team's review now. It "
            "can be seen with a strong reaction to a severe infection, with growth-factor "
            "treatment (G-CSF), or with a blood or marrow condition; sometimes the sample or a "
            "typing error is the reason. Only the care team can tell which.",
            "What stands out is often the cause: fever, pain or feeling very unwell.",
            _CRITICAL_HIGH_ACTION.format(
                signs="trouble breathing, a bad headache, confusion, or feeling very unwell"
            ),
        ),
    }
)
# A critical value's words for each count beyond its high limit, short: the count's own
# finding says more.
CRITICAL_HIGH_CLAUSES: MappingProxyType[str, str] = MappingProxyType(
    {
        "wbc": "so many white cells can crowd small blood vessels",
        "anc": "so many neutrophils usually mean a strong reaction or a marrow condition",
        "plt": "so many platelets make clots, and bleeding, more likely",
        "hgb": "blood this thick clots more easily",
        "hct": "blood this thick clots more easily",
    }
)
CRITICAL_HIGH_SIGNS: MappingProxyType[str, str] = MappingProxyType(
    {
        "wbc": "trouble breathing, a headache, changes in sight or confusion with a very high "
        "white count",
        "anc": "fever, pain or feeling very unwell with very high neutrophils",
        "plt": "signs of a clot or of bleeding with very high platelets",
        "hgb": "headaches, dizziness or signs of a clot with very high hemoglobin",
        "hct": "headaches, dizziness or signs of a clot with a very high hematocrit",
    }
)

# A newborn's critical value, one clause per count beyond a high limit: thick blood slows in the
# smallest vessels (sludging) and the organs can get less oxygen; it clots only sometimes
# [NEWBORN-PCYT] (Walter 2022; Pappas 2004); the other counts as for everyone.
NEWBORN_CRITICAL_HIGH_CLAUSES: MappingProxyType[str, str] = MappingProxyType(
    {
        **CRITICAL_HIGH_CLAUSES,
        "hgb": "blood this thick flows slowly through the smallest vessels and can carry less "
        "oxygen to the organs",
        "hct": "blood this thick flows slowly through the smallest vessels and can carry less "
        "oxygen to the organs",
    }
)
