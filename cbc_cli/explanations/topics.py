"""One patient topic per ``cbc explain TOPIC`` (``TOPICS``, ``topic``), and the background
under a pattern of low counts after chemotherapy.

The keys in brackets in the comments are the sources listed in
``cbc_cli.explanations.sources``.
"""

from types import MappingProxyType

from cbc_cli.explanations.phrases import Topic

_TOPIC_LIST: tuple[Topic, ...] = (
    Topic(
        code="infection-precautions",
        title="Avoiding infection while white cells are low",
        # Hygiene, sick people, food safety [C5]; hand washing, crowds [ACS-INFECT];
        # fever-lowering medicine can hide a fever [SUNNYBROOK]. Taking the temperature is in
        # the finding's action, so the summary does not repeat it.
        summary=(
            "Wash your hands often, and keep away from people who are ill and from crowds. "
            "Prepare, cook and store food safely. Ask your care team before taking any "
            "medicine that lowers a fever, because it can hide one."
        ),
        summary_fever=(
            "Wash your hands often, and keep away from people who are ill and from crowds. "
            "Prepare, cook and store food safely. With the fever you reported, ask your care "
            "team before taking any medicine to bring it down, because it can hide whether the "
            "fever is rising."
        ),
        points=(
            # Low white cells: small infections can become serious [C1].
            "With few white cells, and neutrophils in particular, the body is slow to stop an "
            "infection, and a small one can turn serious.",
            # [C5] [ACS-INFECT]
            "Wash your hands often with soap and water, and ask the people around you to do the "
            "same.",
            "Keep away from people who have a cold, flu or another infection, and from crowds.",
            # [C5]
            "Follow safe ways of preparing, cooking and storing food.",
            # [SUNNYBROOK]
            "Ask your care team before taking medicine that lowers a fever (such as "
            "paracetamol/acetaminophen or ibuprofen): it can hide a fever, and a fever is the "
            "sign your care team needs to hear about.",
            # Take the temperature when warm, chilled or unwell [SUNNYBROOK]; 38.0 C and
            # shaking chills [CANCERNET].
            "If you feel hot, have chills or suddenly feel unwell, take your temperature. A "
            "temperature of 38.0 C or higher is a reason to call your care team at once, day "
            "or night.",
        ),
    ),
    Topic(
        code="bleeding-precautions",
        title="Avoiding bleeding while platelets are low",
        # Soft toothbrush, electric razor, avoiding falls [HCI-BLEED] [NCI-BLEED-2008]; no
        # aspirin or NSAIDs unless the care team says so [ADAM-BLEED]; rough or contact sports
        # [NCI-BLEED-2008] [ADAM-BLEED].
        summary=(
            "Use a soft toothbrush and an electric razor. Do not start aspirin, ibuprofen or "
            "similar pain medicines (NSAIDs) unless your care team says so. If aspirin or a "
            "blood thinner is prescribed for you, do not stop it without asking your care team. "
            "Take care to avoid falls and knocks, such as from rough play or contact sports."
        ),
        points=(
            # Platelets and clotting [C1].
            "With few platelets, blood clots more slowly, so small injuries can bleed longer "
            "and bruises come more easily.",
            # [HCI-BLEED] [NCI-BLEED-2008]
            "Brush with a soft toothbrush and shave with an electric razor rather than a blade.",
            # [ADAM-BLEED] [NCI-BLEED-2008]
            "Do not start aspirin, ibuprofen or other anti-inflammatory pain medicines (NSAIDs) "
            "on your own; they make bleeding more likely. Ask before taking any new medicine.",
            # Ask before any medicine [NCI-BLEED-2008]: stopping a prescribed one (a blood
            # thinner, aspirin for the heart) can be as risky as starting one.
            "If a medicine such as aspirin or a blood thinner is prescribed for you, do not stop "
            "it without asking your care team first.",
            # [HCI-BLEED] [NCI-BLEED-2008] [ADAM-BLEED]
            "Avoid falls, and leave out rough play, contact sports and other activities where "
            "a knock is likely.",
            # The finding's action [C1] [HCI-BLEED] [ACS-CALL] [AO-BLEED].
            "Get help at once for heavy bleeding, bleeding that will not stop, blood in urine "
            "or stool (or black stool), a bad headache, changes in sight, or confusion.",
        ),
    ),
    Topic(
        code="anemia-care",
        title="Looking after yourself with low hemoglobin",
        # Save energy, balance rest with activity [NCI-ANEMIA]; get up slowly [HCI-ANEMIA].
        summary=(
            "Pace yourself: save your energy for what matters most and rest in between. Get up "
            "slowly, sitting for a moment before you stand."
        ),
        points=(
            # Red cells carry oxygen; fatigue and pallor [C1].
            "With less hemoglobin, less oxygen reaches the body, so tiredness and a pale look "
            "are common.",
            # [NCI-ANEMIA]
            "Save your energy for what matters most and let others help. Balance rest with "
            "activity: short, gentle walks often help more than a day in bed.",
            # [HCI-ANEMIA]
            "Get up slowly: after lying down, sit for a moment before you stand, because "
            "standing fast can make you dizzy.",
            # Stop and see the doctor when dizzy or short of breath while active [C1].
            "Stop and rest if you feel dizzy or short of breath while active, and tell your care "
            "team.",
            # [C1] [URMC] [CANCERNET] [HCI-ANEMIA]
            "Get help at once for trouble breathing, breathlessness while resting, chest pain, "
            "or fainting.",
        ),
    ),
    Topic(
        code="nutrition",
        title="Food and supplements for making blood cells",
        # Iron, vitamin B12, folate, protein; ask before supplements [C1].
        summary=(
            "Iron, vitamin B12, folate and protein are what the marrow builds blood cells "
            "from, so a balanced diet with enough of them helps. Ask your care team before "
            "taking any supplement, even vitamins."
        ),
        points=(
            # [C1]
            "The bone marrow needs iron, vitamin B12, folate and protein to make new blood cells.",
            "A balanced diet that includes them supports recovery.",
            "Ask your care team before taking any supplement, vitamins and minerals included, "
            "so that they can check it is safe and needed for you.",
            # Anemia by MCV [C5]: a question for the care team, not a diagnosis.
            "The size of the red cells (MCV) can hint at whether iron, or B12 and folate, are "
            "worth checking; that is a question for your care team and not a diagnosis.",
        ),
    ),
    Topic(
        code="growth-factors-transfusion",
        title="Growth factors and transfusions (background only)",
        # G-CSF, erythropoietin, transfusions [C1]; thresholds context only [C5].
        summary=(
            "Care teams can support low counts with growth factors (G-CSF for white cells, "
            "erythropoietin for red cells) or a transfusion. Whether any of these fits is "
            "their decision; this is background, not advice."
        ),
        points=(
            # [C1]
            "Growth factors are medicines that push the marrow to make more cells. G-CSF "
            "raises white cells and lowers the chance of an infection with fever during "
            "chemotherapy. Erythropoietin helps the marrow make red cells and can mean fewer "
            "transfusions.",
            "When counts are very low, a transfusion of red cells or platelets may be given.",
            # AABB 2015 / AABB 2023 via [C5]: context only.
            "As background on how care teams decide: guidelines often give platelets to "
            "prevent bleeding when the count is 10 x10^9/L or less (AABB 2015), and red cells "
            "when hemoglobin is below about 7 g/dL, a little higher for some heart or surgery "
            "patients (AABB 2023). Symptoms and the whole picture matter too.",
            "These are decisions for your care team. This tool does not recommend any treatment.",
        ),
    ),
    Topic(
        code="marrow-failure",
        title="When the marrow makes too few cells (background)",
        # Disorders and causes of insufficiency; the care team can tell which [C1] [C5]. Shown
        # under a finding whose meaning already names suppression and failure, so it adds the
        # conditions rather than repeating the contrast.
        summary=(
            "When the marrow itself cannot make enough cells (marrow failure, also called "
            "insufficiency), the cause may be a condition such as aplastic anemia, "
            "myelodysplastic syndromes (MDS) or PNH. A blood count alone cannot tell these apart "
            "from the effect of treatment (suppression); your care team can."
        ),
        points=(
            # [C1]
            "The bone marrow makes red cells, white cells and platelets. When it makes too few "
            "of all of them, doctors speak of marrow failure.",
            "Suppression and insufficiency differ. Suppression is the marrow being held back, "
            "most often by chemotherapy or radiation, and it usually recovers. Insufficiency "
            "means the marrow itself cannot keep up.",
            "Causes of insufficiency include inherited conditions (such as Fanconi anemia or "
            "dyskeratosis congenita), the immune system attacking the marrow, chemicals such "
            "as benzene or pesticides, radiation, and viruses such as hepatitis or "
            "Epstein-Barr virus.",
            "Conditions in this group include aplastic anemia (the marrow makes too few of "
            "every cell type), myelodysplastic syndromes or MDS (cells are badly formed; it "
            "can turn into acute myeloid leukemia), PNH (red cells break down and clots can "
            "form) and pure red cell aplasia (only red cells are missing).",
            # [PNH]
            "PNH can turn the urine dark, often first thing in the morning. Tell your care "
            "team about urine that looks dark, red or brown.",
            # [C1]
            "Finding the cause starts with a blood count and may go on to a bone marrow "
            "sample, genetic tests and flow cytometry. None of these conditions can be told "
            "from this result alone; this page is background, not a diagnosis.",
        ),
    ),
    Topic(
        code="transplant",
        title="Blood counts after a stem cell transplant",
        summary=(
            "After a stem cell transplant, counts stay low until the new cells settle in the "
            "marrow and start making blood cells (engraftment)."
        ),
        points=(
            # [C1]
            "A stem cell (bone marrow) transplant gives the marrow new blood-forming cells. "
            "In an autologous transplant they are your own cells, collected before high-dose "
            "treatment and given back after it: a 'stem cell rescue'. In an allogeneic "
            "transplant they come from a matched donor.",
            # ASTCT definitions [C5].
            "Care teams date engraftment with agreed rules (ASTCT): neutrophils have engrafted "
            "on the first of three days in a row with a count of 0.5 x10^9/L or more; "
            "platelets on the first of three days in a row at 20 x10^9/L or more, with no "
            "platelet transfusion in the week before.",
            # Primary graft failure by day +30 (+42 for cord blood) [C5]: the deadline the
            # definitions set, not a typical time to engraftment.
            "After a donor (allogeneic) transplant, the same rules look for neutrophil "
            "engraftment by day 30, or day 42 after cord blood. If it has not happened by then, "
            "the care team looks into why.",
            "cbc trend --transplant pb, marrow or cord follows these milestones over a series "
            "of results.",
        ),
    ),
    Topic(
        code="chemotherapy-timeline",
        title="How counts usually recover after chemotherapy",
        # Lowest about day 7-14 [CTCA-NADIR] (8-14 for neutrophils [SUNNYBROOK]); back near
        # normal within about 3-4 weeks [CTCA-NADIR] [SUNNYBROOK]; marrow cellularity by day
        # 40-60 [C1].
        summary=(
            "Counts are usually lowest about 7 to 14 days after a chemotherapy treatment and "
            "usually recover over 3 to 4 weeks. The marrow usually regains its normal cell "
            "content by about day 40 to 60."
        ),
        points=(
            # [CTCA-NADIR] [SUNNYBROOK]
            "Chemotherapy slows the marrow, so counts fall for a while after each treatment. "
            "They are usually lowest about 7 to 14 days after it.",
            "They usually recover over 3 to 4 weeks after the treatment.",
            # [C1]
            "The marrow usually regains its normal cell content by about 40 to 60 days after "
            "treatment. Counts can take months or longer to be fully normal.",
            # [C1]: past day 40-60 the marrow is usually back, so counts still low then are
            # worth a review.
            "Counts that are still low after about two months deserve a review with your care "
            "team, who can tell whether recovery is slow or something else is going on.",
            "This is the usual pattern, not a prediction: it varies with the treatment and the "
            "person. cbc check --days-since-chemo N places one result on this timeline.",
        ),
    ),
)

TOPICS: MappingProxyType[str, Topic] = MappingProxyType({t.code: t for t in _TOPIC_LIST})

# The background under a two- or three-line finding when the days since chemotherapy are known
# [C1] [CTCA-NADIR]: the pattern is expected after treatment; that never softens the care-team
# message, which may still say "now" (a critical value, a fever).
MARROW_AFTER_CHEMO = (
    "At day {day} after chemotherapy, low counts in more than one cell type are expected from "
    "the treatment (marrow suppression). That does not change what the care-team message asks."
)
MARROW_LATE_AFTER_CHEMO = (
    "At day {day} after chemotherapy, past the 40 to 60 days by which the marrow usually "
    "recovers, counts this low deserve a review with your care team, who can tell whether "
    "recovery is slow or something else is going on."
)


def topic(code: str) -> Topic:
    """Return the patient topic for a topic code (``cbc explain TOPIC``).

    Raises KeyError, naming the known topics, when the code is unknown.
    """
    try:
        return TOPICS[code]
    except KeyError:
        known = ", ".join(TOPICS)
        raise KeyError(f"unknown topic {code!r}; known topics: {known}") from None
