"""What a finding can mean and what to do, fitted to the person: after chemotherapy, in
pregnancy, for a child, for a newborn, and the signs a parent can see in a baby.

The keys in brackets in the comments are the sources listed in
``cbc_cli.explanations.sources``.
"""

from types import MappingProxyType

from cbc_cli.explanations.phrases import ROUTINE_FOLLOW_UP

# The last day after chemotherapy on which it leads a low count's causes: the end of the
# recovery phase in recovery_context (marrow cellularity usually normal by 40 to 60 days [C1]).
CHEMO_LEADS_UNTIL_DAY = 60

# What a low count can mean, fitted to the person (finding_words): the first that applies of
# after chemotherapy (days since chemotherapy given), pregnancy, a child (under 18), else the
# finding's own meaning, where chemotherapy is one cause of several [C6].
# After chemotherapy, the treatment leads [C1] [CTCA-NADIR]; other causes as on the page.
AFTER_CHEMO_MEANING: MappingProxyType[str, str] = MappingProxyType(
    {
        "anemia": (
            "A low value is common during and after chemotherapy, which slows the bone marrow "
            "(where blood cells are made) for a while. It can also be seen with blood loss, "
            "low iron, vitamin B12 or folate, kidney disease, or a marrow disorder."
        ),
        "neutropenia": (
            "A low count is expected some days after many chemotherapy treatments and usually "
            "climbs again as the bone marrow recovers. It can also be seen with some "
            "infections, medicines or marrow disorders. With few neutrophils, an infection can "
            "turn serious quickly."
        ),
        "thrombocytopenia": (
            "A low count can be seen after chemotherapy while the bone marrow recovers. It can "
            "also come with some infections or medicines, the immune system clearing "
            "platelets, or a marrow disorder. The lower the count, the more easily bleeding "
            "starts."
        ),
        "leukopenia": (
            "A low total is common after chemotherapy or radiation, and can also be seen with "
            "some viral infections and medicines, or with a bone marrow disorder. It often goes "
            "with low neutrophils, the cells that matter most against infection; while the "
            "count is low, even a small infection may become serious."
        ),
        "lymphopenia": (
            "A low count is common after chemotherapy, radiation or steroid medicines. It can "
            "also be seen with some infections, or with conditions of the immune system or "
            "bone marrow. While it is low, infections may be more likely."
        ),
        "bicytopenia": (
            "Two low types together can follow chemotherapy or radiation, which hold the "
            "marrow back for a time (marrow suppression). They can also come from a problem in "
            "the marrow itself, which then cannot make enough cells (marrow failure), or from "
            "causes such as infection or low vitamins. Your care team can tell which is more "
            "likely, sometimes with further tests."
        ),
        "pancytopenia": (
            "All three can drop together after chemotherapy or radiation, which hold the "
            "marrow back for a time (marrow suppression). The same picture can also come from "
            "a marrow that cannot make enough cells on its own (marrow failure), or from other "
            "causes such as severe infection or low vitamins. Your care team can tell which is "
            "more likely, sometimes with a bone marrow test."
        ),
    }
)
# In pregnancy: the blood's fluid grows more than its red cells, and iron deficiency is the
# most common cause of anemia, then blood loss [ACOG-ANEMIA] [WHO-ANAEMIA]; a mildly low
# platelet count late in pregnancy is most often gestational thrombocytopenia, harmless, with
# preeclampsia and immune thrombocytopenia as other causes [ACOG-PLT].
PREGNANCY_MEANING: MappingProxyType[str, str] = MappingProxyType(
    {
        "anemia": (
            "In pregnancy the blood's fluid grows more than its red cells, so hemoglobin runs "
            "a little lower, and the limits used here allow for that. A value below them is "
            "most often from low iron; blood loss and low folate or vitamin B12 are other "
            "causes your care team can check."
        ),
        "thrombocytopenia": (
            "In pregnancy a mildly low count is common, most often late in pregnancy, and is "
            "usually harmless for mother and baby (gestational thrombocytopenia). A lower "
            "count can have other causes, such as preeclampsia or the immune system clearing "
            "platelets, which your care team can check. The lower the count, the more easily "
            "bleeding starts."
        ),
    }
)
# A high count's causes for a child or a newborn: the same as on the finding's page
# [AFP-WBC] [WILLIAMS-NEUTROPHILIA] [MAYO-HGB], without smoking, which does not fit them.
_YOUNG_HIGH_MEANING: MappingProxyType[str, str] = MappingProxyType(
    {
        "leukocytosis": (
            "A high count is often the body's normal answer to infection, inflammation, stress "
            "or steroid medicines. It can also be seen with growth-factor treatment (G-CSF), "
            "the bone marrow bouncing back after chemotherapy, or, less often, a marrow or "
            "blood condition. Your care team can tell which fits."
        ),
        "neutrophilia": (
            "A high count is often seen when the body is fighting an infection or "
            "inflammation, or with stress or steroid medicines. Growth-factor treatment "
            "(G-CSF) raises neutrophils on purpose, and counts can overshoot for a while as "
            "the marrow recovers after chemotherapy. Less often it comes from a marrow "
            "condition; your care team can tell which fits."
        ),
        "erythrocytosis": (
            "A high value can be seen when the body is short of water (dehydration), at high "
            "altitude, with some lung or heart conditions, or after treatment with "
            "erythropoietin. Less often it comes from a bone marrow condition that makes too "
            "many red cells. Your care team can tell which fits."
        ),
    }
)
# In children: neutrophils (and so white cells) often fall for a short time with a viral
# infection and recover within weeks, now and then lasting or with another cause
# [CHILD-NEUTROPENIA]; low platelets often from immune thrombocytopenia after a viral
# infection, which usually settles by itself [CHILD-ITP]; anemia often from low iron, also
# infections, chronic diseases and inherited red cell conditions [WHO-ANAEMIA]; two or three
# low types with infections or low B12 or folate, which respond to treatment, and (in about
# two cases in five in one series) a problem of the marrow itself, which the work-up (often a
# marrow test) looks for [CHILD-PANCYTOPENIA]. A single count's words are shown beside a
# child's two or three low types too, so none of them promises that the count will settle.
CHILD_MEANING: MappingProxyType[str, str] = MappingProxyType(
    {
        "anemia": (
            "In children a low value is often from low iron. It can also be seen with "
            "infections, blood loss, an inherited difference in the red cells, or other "
            "conditions, which your child's care team can check."
        ),
        "neutropenia": (
            "In children a low count often comes for a short time with a viral infection and "
            "recovers within a few weeks. Some medicines can lower it too, and now and then it "
            "lasts longer or has another cause, which your child's care team can look into. "
            "With few neutrophils, an infection can turn serious quickly."
        ),
        "thrombocytopenia": (
            "In children a low platelet count can come from the immune system clearing "
            "platelets, often after a viral infection (immune thrombocytopenia), which usually "
            "settles by itself when platelets are the only low count. Some infections, "
            "medicines or a problem in the bone marrow can lower it too, which your child's "
            "care team can look into. The lower the count, the more easily bleeding starts."
        ),
        "leukopenia": (
            "In children a low total often comes for a short time with a viral infection and "
            "recovers within a few weeks; some medicines or other causes, which your child's "
            "care team can look into, can lower it too. It often goes "
            "with low neutrophils, the cells that matter most against infection; while the "
            "count is low, even a small infection may become serious."
        ),
        "bicytopenia": (
            "In children, two low types together can be seen with some infections or with low "
            "vitamin B12 or folate, which usually get better once treated, or with a problem in "
            "the bone marrow itself. Your child's care team will want to find the reason, "
            "sometimes with more tests."
        ),
        "pancytopenia": (
            "In children, all three can drop together with some infections or with low vitamin "
            "B12 or folate, which usually get better once treated. A problem in the bone "
            "marrow itself is another common reason, so your child's care team will want to "
            "find the reason, often with a bone marrow test."
        ),
        **_YOUNG_HIGH_MEANING,
    }
)
# A baby's low platelets past the newborn weeks (under 1 year): the same causes as a child's
# [CHILD-ITP] and a newborn's [NEWBORN-PLT] (an infection; antibodies that clear platelets, in the
# first months sometimes the mother's), without the child's promise that it usually settles,
# nor an adult's chemotherapy, which a nurse reviewer found alarming at 6 weeks and 9 months.
INFANT_THROMBOCYTOPENIA_MEANING = (
    "In a baby a low platelet count can be seen with an infection, with antibodies that clear "
    "platelets (in the first months sometimes the mother's), with some medicines, or rarely "
    "with a problem in the bone marrow, which your child's care team can check. The lower the "
    "count, the more easily bleeding starts."
)
# In a newborn (under 1 month: engine.reader): the limits change from day to day, so a count is
# read against the exact age [NEWBORN-ANC]; an infection in a newborn can turn serious quickly
# [NEWBORN-SEPSIS]; low hemoglobin with blood lost around birth, red cells broken down too fast, or
# too few made [NEWBORN-ANEMIA]; low platelets from causes before birth, the mother's antibodies,
# or infection [NEWBORN-PLT]. No text promises that a count will settle.
NEWBORN_MEANING: MappingProxyType[str, str] = MappingProxyType(
    {
        "anemia": (
            "In a newborn the usual hemoglobin changes quickly over the first weeks, so a value "
            "is read against the baby's exact age. A low value can be seen with blood loss "
            "around birth, with red cells breaking down too fast, with an infection, or with "
            "other conditions of the first weeks, which your child's care team can check."
        ),
        "neutropenia": (
            "In a newborn the usual neutrophil count changes from day to day, so a low count is "
            "judged against the baby's exact age. A low count at this age can be seen with an "
            "infection, which can turn serious quickly in a newborn, or with other conditions; "
            "your child's care team can tell what it means."
        ),
        "thrombocytopenia": (
            "In a newborn a low platelet count can be seen with conditions from before birth, "
            "with antibodies from the mother that pass to the baby, or with an infection, "
            "which your child's care team can check. The lower the count, the more easily "
            "bleeding starts."
        ),
        "leukopenia": (
            "In a newborn the usual white cell count changes from day to day, so a low total "
            "is judged against the baby's exact age. It often goes with low neutrophils, the "
            "cells that matter most against infection, and an infection can turn serious "
            "quickly in a newborn; your child's care team can tell what it means."
        ),
        "bicytopenia": (
            "In a newborn, two low types together can be seen with an infection or with other "
            "conditions of the first weeks. Your child's care team will want to find the "
            "reason, sometimes with more tests."
        ),
        "pancytopenia": (
            "In a newborn, all three can drop together with a serious infection or with other "
            "conditions of the first weeks. Your child's care team will want to find the "
            "reason, sometimes with more tests."
        ),
        # A high white or neutrophil count in a newborn: read against the exact age, as the
        # usual counts change by the hour [NEWBORN-ANC]; often an answer to infection, which
        # can turn serious quickly at this age [NEWBORN-SEPSIS], or to stress or inflammation
        # [AFP-WBC]; less often a blood or marrow condition [HYPERLEUKO]. No smoking, steroid or
        # chemotherapy causes, which do not fit a baby.
        "leukocytosis": (
            "In a newborn the usual white cell count is high in the first days and changes from "
            "day to day, so a count is judged against the baby's exact age. A count above that "
            "range is often the body's answer to an infection, which can turn serious quickly "
            "in a newborn, or to stress or inflammation; less often it comes from a blood or "
            "marrow condition. Your child's care team can tell which fits."
        ),
        "neutrophilia": (
            "In a newborn the usual neutrophil count rises in the first day and changes from "
            "day to day, so a count is judged against the baby's exact age. A count above that "
            "range is often the body's answer to an infection, which can turn serious quickly "
            "in a newborn, or to stress or inflammation; less often it comes from a blood or "
            "marrow condition. Your child's care team can tell which fits."
        ),
        # Above the newborn range but below the critical limit: thick blood, its causes at this
        # age, and that a heel-prick sample reads higher than a vein's [NEWBORN-PCYT].
        "erythrocytosis": (
            "In a newborn a hemoglobin or hematocrit above the range for the baby's age can "
            "mean the blood is thicker than usual, so that it flows slowly through the "
            "smallest vessels and can carry less oxygen to the organs. It can be seen with too "
            "little oxygen before birth, extra blood passed from the placenta at birth, or a "
            "mother's diabetes; a baby who has lost body water can show the same numbers. A "
            "heel-prick sample can read higher than blood from a vein; the care team may "
            "recheck it."
        ),
    }
)
# What a parent might see in a newborn: a pale look, fast breathing [NEWBORN-ANEMIA]; an infection
# as poor feeding, unusual sleepiness, a temperature running low or high, or trouble breathing
# [NEWBORN-SEPSIS]; small red or purple spots, bruises, bleeding that keeps oozing [HCI-BLEED].
# Symptoms a baby cannot report (tiredness, dizziness, headaches) are left out.
_NEWBORN_INFECTION_SIGNS = (
    "The low count itself is not felt. An infection may show as poor feeding, unusual "
    "sleepiness, a temperature that runs high or low, or fast or hard breathing."
)
_NEWBORN_HIGH_INFECTION_SIGNS = (
    "The high count itself is not felt. An infection may show as poor feeding, unusual "
    "sleepiness, a temperature that runs high or low, or fast or hard breathing."
)
_NEWBORN_LINES_SIGNS = (
    "It depends on which types are low: a pale look or fast breathing; signs of infection such "
    "as poor feeding or unusual sleepiness; bruises or bleeding."
)
# Thick blood in a newborn: a ruddy look, jaundice, feeding difficulties, lethargy, a bluish
# colour, breathing trouble [NEWBORN-PCYT] (Merck, Walter 2022), jitteriness (Wiswell 1986, in
# [NEWBORN-PCYT]); some babies show nothing (Wiswell 1986). Seizures and a bluish colour call
# for help at once, as does a baby hard to wake or not feeding [NEWBORN-SEPSIS].
_NEWBORN_THICK_BLOOD_SIGNS = (
    "a red or dark red look, yellow skin or eyes (jaundice), poor feeding, unusual sleepiness, "
    "jitteriness or trembling, fast or hard breathing, or a bluish colour"
)
# The same for a baby past the newborn weeks (under 1 year): the signs of thick blood a parent can
# see [NEWBORN-PCYT], without the newborn's own (jaundice, jitteriness); a baby cannot tell of
# headaches, blurred sight or chest pain, the adult signs (a nurse reviewer's finding at 2 months).
INFANT_THICK_BLOOD_SIGNS = (
    "a red or dark red look, poor feeding, unusual sleepiness, fast or hard breathing, or a "
    "bluish colour"
)
_NEWBORN_HELP_AT_ONCE = (
    "if your baby has trouble breathing, turns blue or grey, has a fit (seizure), or is hard "
    "to wake or will not feed"
)
NEWBORN_NOTICE: MappingProxyType[str, str] = MappingProxyType(
    {
        "anemia": "Paler skin; a very low level can make a baby breathe fast.",
        "neutropenia": _NEWBORN_INFECTION_SIGNS,
        "leukopenia": _NEWBORN_INFECTION_SIGNS,
        "thrombocytopenia": (
            "Bruises or tiny red or purple dots on the skin, or bleeding that keeps oozing, "
            "such as where blood was taken."
        ),
        "bicytopenia": _NEWBORN_LINES_SIGNS,
        "pancytopenia": _NEWBORN_LINES_SIGNS,
        "erythrocytosis": f"In a baby: {_NEWBORN_THICK_BLOOD_SIGNS}. Some babies show nothing.",
        "leukocytosis": _NEWBORN_HIGH_INFECTION_SIGNS,
        "neutrophilia": _NEWBORN_HIGH_INFECTION_SIGNS,
        # With a fever, what a parent can see of an infection turning serious in a baby [NICE-FEVER]
        # (a pale, mottled, grey or blue look; not waking or not staying awake; fast breathing;
        # poor feeding), never an adult's shivering or confusion, which a baby cannot tell of.
        "febrile-neutropenia": (
            "Besides the fever: poor feeding, being unusually sleepy or floppy or hard to wake, "
            "a pale, grey or mottled look, or fast or hard breathing."
        ),
    }
)
# What to do, for the signs a parent can see in a newborn [NEWBORN-ANEMIA] [HCI-BLEED]
# [NEWBORN-SEPSIS]; 38.0 C as for everyone [CANCERNET]: chest pain, fainting, headaches, changes
# in sight or confusion cannot be told by a baby. A reported fever keeps the finding's own
# action (finding_words).
_NEWBORN_FEVER_NOW = (
    "Take your baby's temperature if they feel hot or cold or seem unwell. Call your child's "
    "care team at once, day or night, for a temperature of 38.0 C or higher, a baby who feels "
    "cold, poor feeding, unusual sleepiness, or fast or hard breathing. " + ROUTINE_FOLLOW_UP
)
NEWBORN_ACTION: MappingProxyType[str, str] = MappingProxyType(
    {
        "neutropenia": _NEWBORN_FEVER_NOW,
        "leukopenia": _NEWBORN_FEVER_NOW,
        "anemia": (
            "Get help at once if your baby breathes fast or with effort, or looks very pale or "
            "unusually sleepy. " + ROUTINE_FOLLOW_UP
        ),
        "thrombocytopenia": (
            "Get help at once for bleeding that will not stop, or blood in urine or stool. "
            + ROUTINE_FOLLOW_UP
        ),
        "erythrocytosis": f"Get help at once {_NEWBORN_HELP_AT_ONCE}. {ROUTINE_FOLLOW_UP}",
        "leukocytosis": _NEWBORN_FEVER_NOW,
        "neutrophilia": _NEWBORN_FEVER_NOW,
    }
)
# A newborn's precautions: the anemia-care summary (pace yourself, get up slowly) does not fit a
# baby and is left out; of the bleeding precautions, what fits: no aspirin or NSAIDs unless the
# care team says so [ADAM-BLEED], and avoiding knocks [HCI-BLEED].
NEWBORN_PRECAUTIONS: MappingProxyType[str, str | None] = MappingProxyType(
    {
        "anemia-care": None,
        "bleeding-precautions": (
            "Give no medicine, including aspirin or ibuprofen, unless your child's care team "
            "says so, and handle your baby gently to avoid knocks."
        ),
        # Clean hands and no sick contacts or crowds [ACS-INFECT]; with low white cells a fever
        # needs a doctor at once (as it does under 3 months whatever the counts [NEWBORN-FEVER]),
        # so no fever medicine that could hide it (the reason is the count, not the age: a
        # nurse reviewer's finding at 18 months); the adults' food-safety line does not fit a
        # baby fed milk.
        "infection-precautions": (
            "Wash hands before holding or feeding your baby, and keep your baby away from "
            "people who are ill and from crowds. Give no fever medicine unless the care team "
            "says so: with a count this low, a fever needs a doctor straight away."
        ),
    }
)
# Under a child's two or three low types, instead of the marrow-failure summary, which opens
# with the conditions of adults (MDS is rare in children [CHILD-PANCYTOPENIA]): the topic stays
# linked. The work-up is the care team's, often with a marrow test [CHILD-PANCYTOPENIA].
CHILD_MARROW_BACKGROUND = (
    "A blood count alone cannot tell the reason. Your child's care team will decide which "
    "tests are needed, which can include a bone marrow sample."
)
# A newborn's two or three low types: at this age infection, causes from before birth and the
# mother's antibodies lead [NEWBORN-SEPSIS] [NEWBORN-PLT], so the work-up can include the
# mother's blood as well as the baby's; the marrow topic, written for adults, is not linked.
NEWBORN_MARROW_BACKGROUND = (
    "A blood count alone cannot tell the reason. The baby's care team will decide which tests "
    "are needed, which can include more blood tests of the baby and sometimes of the mother."
)
# Topics that speak of adults' conditions or care (marrow failure, the course after
# chemotherapy, diet, pacing oneself, growth factors and transfusion): never linked from a
# newborn's finding ("More:").
NOT_FOR_NEWBORN: frozenset[str] = frozenset(
    {
        "marrow-failure",
        "chemotherapy-timeline",
        "nutrition",
        "anemia-care",
        "growth-factors-transfusion",
    }
)
# A newborn's critical value: what a parent can see (a pale look, fast breathing [NEWBORN-ANEMIA];
# poor feeding, sleepiness, a temperature running high or low [NEWBORN-SEPSIS]; bruises or
# bleeding [HCI-BLEED]) instead of symptoms a baby cannot report, and no chemotherapy.
NEWBORN_CRITICAL_NOTICE = (
    "In a baby: a pale look, fast breathing, poor feeding, unusual sleepiness, a temperature "
    "that runs high or low, bruises or bleeding. Some babies show nothing."
)
# A newborn's count beyond its critical high limit: what it can be seen with at this age and
# what a parent can see, never an adult's symptoms (headaches, chest pain, a swollen leg, changes
# in sight) that a baby cannot report. Thick blood: [NEWBORN-PCYT]. A very high white count:
# a strong reaction to infection [HYPERLEUKO], which in a newborn shows as poor feeding,
# sleepiness, a temperature running high or low or breathing trouble [NEWBORN-SEPSIS]; a blood or
# marrow condition [HYPERLEUKO]. Very high platelets: reactive causes common [STATPEARLS-PLT];
# bleeding or bruising as for a low count [HCI-BLEED].
_NEWBORN_HIGH_WBC_SIGNS = (
    "poor feeding, unusual sleepiness, a temperature that runs high or low, or fast or hard "
    "breathing"
)
_NEWBORN_HIGH_PLT_SIGNS = "bruises or bleeding, or a baby who seems unwell"
NEWBORN_HIGH_ACTION = (
    "Contact your care team now, even if your baby seems well. Get help at once, from "
    f"emergency services if needed, {_NEWBORN_HELP_AT_ONCE}."
)
_NEWBORN_HIGH_WBC_WORDS = (
    "A white count this far above a newborn's range needs your care team's review now. It can "
    "be seen with a strong reaction to an infection, which can turn serious quickly in a "
    "newborn, or with a blood or marrow condition; sometimes the sample or a typing error is "
    "the reason. Only the care team can tell which.",
    f"Signs of an infection in a baby: {_NEWBORN_HIGH_WBC_SIGNS}. Some babies show nothing.",
    NEWBORN_HIGH_ACTION,
)
NEWBORN_CRITICAL_HIGH_WORDS: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
    {
        "erythrocytosis": (
            "A hemoglobin or hematocrit this far above a newborn's range needs your care "
            "team's review now. So many red cells make the blood thick, so that it flows slowly "
            "through the smallest vessels and can carry less oxygen to the organs. In a newborn "
            "this can be seen with too little oxygen before birth, extra blood passed from the "
            "placenta at birth, or a mother's diabetes; a baby who has lost body water can show "
            "the same numbers. A heel-prick sample can read higher than blood from a vein, and "
            "sometimes a typing error is the reason. Only the care team can tell which.",
            f"In a baby: {_NEWBORN_THICK_BLOOD_SIGNS}. Some babies show nothing.",
            NEWBORN_HIGH_ACTION,
        ),
        "leukocytosis": _NEWBORN_HIGH_WBC_WORDS,
        "hyper-wbc": _NEWBORN_HIGH_WBC_WORDS,
        "thrombocytosis": (
            "A platelet count this far above a newborn's range needs your care team's review "
            "now. It can be a reaction to infection, inflammation or bleeding, or, rarely, a "
            "marrow condition; sometimes the sample or a typing error is the reason. Only the "
            "care team can tell which.",
            f"Often nothing. Watch for {_NEWBORN_HIGH_PLT_SIGNS}.",
            NEWBORN_HIGH_ACTION,
        ),
    }
)
# The same signs, one clause per count, in a newborn's critical value (finding_words).
NEWBORN_CRITICAL_HIGH_SIGNS: MappingProxyType[str, str] = MappingProxyType(
    {
        "wbc": f"with a very high white count, signs of infection: {_NEWBORN_HIGH_WBC_SIGNS}",
        "plt": f"with very high platelets, {_NEWBORN_HIGH_PLT_SIGNS}",
        "hgb": f"with very high hemoglobin or hematocrit, {_NEWBORN_THICK_BLOOD_SIGNS}",
        "hct": f"with very high hemoglobin or hematocrit, {_NEWBORN_THICK_BLOOD_SIGNS}",
    }
)
NEWBORN_CRITICAL_LOW = (
    "A value this low needs the care team's attention now. It can reflect a real change, or "
    "sometimes a problem with the sample or a mistake in the value or its unit. Only the care "
    "team can tell which."
)
