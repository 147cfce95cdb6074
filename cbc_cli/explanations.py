"""Plain-language wording for every finding, patient topic, care-team message and disclaimer.

Layout (one idea per block, so that a merge touches one block):

1. Sources: the keys the comments on each text cite.
2. Shared phrases: follow-up lines, fever lines and the safety line.
3. Findings: one ``Explanation`` per finding code (``EXPLANATIONS``).
4. Patient topics: one ``Topic`` per ``cbc explain`` topic (``TOPICS``).
5. Care-team messages, MCV patterns, disclaimer.
6. Functions: ``explain``, ``topic``, ``finding_words``, ``safety_line``, ``recovery_context``,
   ``transplant_context``.

Every text is written in the project's own words; facts come from the sources, sentences do not.
"""

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, NamedTuple

__all__ = [
    "CARE_TEAM_MESSAGES",
    "CHEMO_LEADS_UNTIL_DAY",
    "CHILD_CARE_TEAM_MESSAGES",
    "CHILD_DISCLAIMER",
    "CHILD_NOTHING_CHECKED_MESSAGE",
    "CHILD_SOON_WITH_FEVER_MESSAGE",
    "DISCLAIMER",
    "EXPLANATIONS",
    "MCV_PATTERNS",
    "NOTHING_CHECKED_MESSAGE",
    "ROUTINE_FOLLOW_UP",
    "SAFETY_LINE",
    "SAFETY_LINE_FEVER",
    "SAFETY_LINE_LOW_WHITE",
    "SAFETY_LINE_NEWBORN",
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
    "recovery_context",
    "safety_line",
    "topic",
    "transplant_context",
]

# --- 1. Sources -----------------------------------------------------------------------------
# Each text below names the source it rests on. Every key was checked against the page itself
# (read in December 2026); what a source is cited for is in brackets after it.
# [C1] docs/clinical.md section 1: what the source documents say (three cell lines; chemotherapy
#      lowers them; small infections can turn serious while white cells are low; G-CSF,
#      erythropoietin, transfusions; iron, vitamin B12, folate, protein, supplements only after
#      asking; the symptom table; seek care at once for heavy bleeding, a high fever or trouble
#      breathing; stop and see the doctor when dizzy or short of breath while active; marrow
#      failure causes, disorders and tests; suppression vs insufficiency; autologous and
#      allogeneic transplant; counts rise within about 30 days, marrow cellularity back by day
#      40-60, full counts can take months or years).
# [C5] docs/clinical.md section 5: febrile neutropenia; precautions and timeline, each with its
#      source (the keys below); transfusion thresholds (context only);
#      pancytopenia and bicytopenia; anemia by MCV; ASTCT engraftment and primary graft failure
#      (no ANC >= 0.5 by day +30, +42 after cord blood).
# [C6] docs/clinical.md section 6: how the tool talks.
# [NCI-ANEMIA] National Cancer Institute. Anemia: Cancer Treatment Side Effect.
#      https://www.cancer.gov/about-cancer/treatment/side-effects/anemia
#      (very tired, short of breath, lightheaded, dizzy or faint, headaches, fast heartbeat,
#      pale skin; save energy and accept help; balance rest with activity, short walks).
# [HCI-ANEMIA] Huntsman Cancer Institute, University of Utah Health. Anemia.
#      https://healthcare.utah.edu/huntsmancancerinstitute/cancer-information/cancer-types-and-topics/anemia.php
#      (rise slowly after lying down and sit before standing; call for dizziness or shortness
#      of breath while at rest).
# [URMC] University of Rochester Medical Center Health Encyclopedia. Anemia and Chemotherapy.
#      https://www.urmc.rochester.edu/encyclopedia/content.aspx?ContentTypeID=85&ContentID=p07118
#      (faint, short of breath, fast heartbeat, pale skin or chest pain as signs to report).
# [CANCERNET] Cancer.Net (ASCO). When to Call the Doctor During Cancer Treatment. Cancer.Net
#      Editorial Board, August 2020.
#      https://www.cancer.net/navigating-cancer-care/how-cancer-treated/when-call-doctor-during-cancer-treatment
#      (call right away for a temperature of 38 C or higher, shaking chills, chest pain or
#      shortness of breath, confusion).
# [SUNNYBROOK] Sunnybrook Health Sciences Centre. Leukemia patient guide: importance of fever
#      and febrile neutropenia. https://sunnybrook.ca/content/?page=leukemia-guide-fever-neutropenia
#      (take the temperature when warm, chilled or unwell; acetaminophen or ibuprofen may hide a
#      fever; fever is often the only sign of infection; neutrophils lowest 8-14 days after
#      chemotherapy, rising 3-4 weeks after).
# [CLEVELAND] Cleveland Clinic. Bone marrow transplant: preventing infections.
#      https://my.clevelandclinic.org/health/diseases/4511-bone-marrow-transplant-preventing-infections/living-with
#      (signs of infection: sweats or chills, sore throat, cough, pain or burning when passing
#      urine, redness or soreness where a catheter enters the skin).
# [ACS-INFECT] American Cancer Society. Infections in people with cancer: precautions to help
#      prevent infection during cancer treatment.
#      http://www.cancer.org/treatment/treatmentsandsideeffects/physicalsideeffects/infectionsinpeoplewithcancer/infectionsinpeoplewithcancer/infections-in-people-with-cancer-precautions-to-take
#      (wash hands often with soap and water; avoid large crowds; stay away from anyone with a
#      fever, flu or other infection).
# [NCI-BLEED-2008] National Cancer Institute. Bleeding Problems (Managing Chemotherapy Side
#      Effects fact sheet), posted 24 November 2008; archived copy:
#      https://webarchive.library.unt.edu/eot2008/20090508042342/http://www.cancer.gov/cancertopics/chemo-side-effects/bleeding
#      (electric shaver; very soft toothbrush; no rough sports; ask before any medicine).
# [HCI-BLEED] Huntsman Cancer Institute, University of Utah Health. Bleeding.
#      https://healthcare.utah.edu/huntsmancancerinstitute/cancer-information/cancer-types-and-topics/bleeding.php
#      (call for a nosebleed that does not stop, blood in urine, blood in stool or dark stool,
#      small red or purple spots; electric razor, soft toothbrush, avoid falls, no aspirin or
#      ibuprofen).
# [ACS-CALL] American Cancer Society. Understanding chemotherapy: when to call the doctor
#      (revised June 2015).
#      http://www.cancer.org/treatment/treatmentsandsideeffects/treatmenttypes/chemotherapy/understandingchemotherapyaguideforpatientsandfamilies/understanding-chemotherapy-when-to-call-the-doctor
#      (tell the doctor right away about bleeding or unexplained bruising, intense headaches,
#      shortness of breath, blood in stool or urine).
# [AO-BLEED] Affiliated Oncologists. Bleeding and bruising (thrombocytopenia) caused by cancer
#      treatment. https://aocancer.com/cancer-treatment-tips/bleeding-bruising (call for bleeding
#      that does not stop after a few minutes, red or pink urine, black or bloody stools, bad
#      headaches or changes in how well you see, feeling confused or very sleepy).
# [ADAM-BLEED] A.D.A.M. Medical Encyclopedia. Bleeding during cancer treatment (000022), as
#      published by UF Health Jacksonville:
#      https://ufhealthjax.org/encyclopedia/content.aspx?contentID=000022&projectTypeID=60
#      (no aspirin, ibuprofen or naproxen unless the doctor says it is OK; avoid contact sports).
# [CTCA-NADIR] Cancer Treatment Centers of America. Nadir (glossary).
#      http://www.cancercenter.com/terms/nadir/ (white cells and platelets lowest around day 7
#      to 14 after treatment; counts near normal within about four weeks).
# [ONCOLINK-CLOT] OncoLink (Penn Medicine). Thromboembolism (blood clot).
#      https://oncolink.org/cancer-treatment/hospital-helpers/oncologic-emergencies/thromboembolism-blood-clot
#      (leg pain or swelling, sudden shortness of breath, sharp chest pain, feeling faint; a clot
#      can also cause a stroke; go to the emergency room).
# [ANEMIA-CAUSES] Lupus Research Alliance. Glossary: anemia.
#      https://www.lupusresearch.org/glossary_of_terms/anemia/ (chronic kidney disease, marrow
#      problems, medicines, early destruction of red cells); CancerConnect. Anemia information
#      center. http://news.cancerconnect.com/anemia-information-center/ (chemotherapy, radiation
#      and blood loss as common causes in people with cancer).
# [MAYO-NEUTROPENIA] Mayo Clinic. Neutropenia (low neutrophil count): causes.
#      http://www.mayoclinic.org/symptoms/neutropenia/basics/causes/sym-20050854 (chemotherapy,
#      radiation, drugs, viral infections, sepsis, vitamin deficiencies, aplastic anemia, MDS).
# [MSD-PLATELETS] MSD Manual Consumer Version. Overview of thrombocytopenia.
#      https://www.msdmanuals.com/home/blood-disorders/platelet-disorders/overview-of-thrombocytopenia
#      (marrow disorders, viral infections, immune thrombocytopenia, medications, chemotherapy).
# [MSD-LYMPHO] MSD Manual Professional Version. Causes of lymphocytopenia (table).
#      https://www.msdmanuals.com/uk/professional/multimedia/table/causes-of-lymphocytopenia
#      (viral and bacterial infections, chemotherapy, glucocorticoids, radiation, aplastic
#      anemia, autoimmune disorders); NHLBI, Lymphocytopenia: low counts raise the risk of
#      infection; steroid therapy, radiation and chemotherapy raise the risk of a low count.
#      http://www.nhlbi.nih.gov/health/health-topics/topics/lym/printall-index.html
# [AFP-WBC] Riley LK, Rupert J. Evaluation of patients with leukocytosis. Am Fam Physician
#      2015;92(11):1004-1011 (infection; surgery, exercise, trauma, emotional stress;
#      medications; smoking; chronic inflammation; malignancy less often).
# [WILLIAMS-NEUTROPHILIA] Williams Manual of Hematology, causes of neutrophilia (table).
#      https://hemonc.mhmedical.com/content.aspx?bookid=1783&sectionid=121720997 (infections,
#      inflammation, stress, colony-stimulating factors, glucocorticoids, smoking, rebound from
#      agranulocytosis, myeloproliferative disorders).
# [STATPEARLS-PLT] StatPearls. Secondary thrombocytosis (updated 25 February 2024).
#      https://statpearls.com/ArticleLibrary/viewarticle/30100 (reactive to infection,
#      inflammation, hemorrhage or medications, more common than primary; most people have no
#      symptoms; rarely clots; primary thrombocytosis carries a risk of clots and bleeding).
# [MAYO-HGB] Mayo Clinic. High hemoglobin count: causes (2 December 2020).
#      https://www.mayoclinic.org/symptoms/high-hemoglobin-count/basics/causes/sym-20050862
#      (smoking, high altitude, heart or lung disease, dehydration, erythropoietin, the marrow
#      making too many red cells).
# [NIDIRECT-PCYT] nidirect (NHS content). Polycythaemia.
#      https://www.nidirect.gov.uk/conditions/polycythaemia (mild cases cause no problems;
#      headaches, dizziness, red skin, itching after a bath; clots: heart attack, stroke, DVT and
#      pulmonary embolism need emergency help).
# [PNH] Besa EC. What is the classic symptom of paroxysmal nocturnal hemoglobinuria (PNH)?
#      Medscape, updated 20 May 2021.
#      https://www.medscape.com/answers/207468-81262/what-is-the-classic-symptom-of-paroxysmal-nocturnal-hemoglobinuria-pnh
#      (dark urine at night that partly clears by day; early-morning urine cola-coloured).
# [LEUKOSTASIS] Ganzel C, Becker J, Mintz PD, Lazarus HM, Rowe JM. Hyperleukocytosis,
#      leukostasis and leukapheresis: practice management. Blood Rev 2012;26(3):117-122.
#      doi:10.1016/j.blre.2012.01.003, https://pubmed.ncbi.nlm.nih.gov/22364832/ (a white count
#      above 100 x10^9/L; the brain and lungs are the organs mainly harmed). How I treat
#      hyperleukocytosis in acute myeloid leukemia. Blood 2015;125(21):3246.
#      https://ashpublications.org/blood/article/125/21/3246/34025 (a hematologic emergency).
#      The warning signs (trouble breathing, headache, changes in vision, confusion) as listed
#      by Center for Nurses, AML oncologic emergencies: leukostasis.
#      https://www.centerfornurses.com/aml/oncologic-emergencies/leukostasis/
# [WHO-ANAEMIA] World Health Organization. Anaemia (fact sheet, 1 May 2023).
#      https://www.who.int/news-room/fact-sheets/detail/anaemia (young children and pregnant women
#      most affected; often caused by a lack of iron; also infections, chronic diseases and family
#      history, the largest causes being iron deficiency, thalassaemia and sickle cell trait).
# [ACOG-ANEMIA] American College of Obstetricians and Gynecologists. Anemia in pregnancy.
#      Practice Bulletin 233. Obstet Gynecol 2021;138(2):e55-e64. PMID 34293770 (the two most
#      common causes in pregnancy: iron deficiency and acute blood loss; abstract read).
#      Rogers VL, Roberts SW. Anemia in pregnancy. In: Current Medical Diagnosis & Treatment 2022.
#      McGraw-Hill (plasma volume grows by about 50%, red cell volume by about 25%, so hemoglobin
#      runs lower).
# [ACOG-PLT] American College of Obstetricians and Gynecologists. Thrombocytopenia in
#      pregnancy. Practice Bulletin 207. Obstet Gynecol 2019;133(3):e181-e193. PMID 30801473
#      (gestational thrombocytopenia is benign and poses no risk to mother or fetus; abstract
#      read). Myers B. Thrombocytopenia in pregnancy. The Obstetrician & Gynaecologist
#      2009;11:177-183 (gestational thrombocytopenia about 75% of cases, preeclampsia 15-20%,
#      immune thrombocytopenia rarer).
# [CHILD-NEUTROPENIA] Alexandropoulou O, et al. Transient neutropenia in children with febrile
#      illness and associated infectious agents: 2 years' follow-up. Eur J Pediatr
#      2013;172(6):811-819 (abstract: 84.5% transient, under a month, mostly with viral
#      infections; 25 of 161 chronic, 4 of them later a blood cancer).
# [CHILD-ITP] Boston Children's Hospital. Immune thrombocytopenia (ITP): symptoms and causes.
#      https://www.childrenshospital.org/conditions-and-treatments/conditions/i/itp/symptoms-and-causes
#      (in children ITP often follows a viral infection; the acute form, over 90% of cases,
#      usually goes away on its own within weeks or months).
# [CHILD-PANCYTOPENIA] Bhatnagar SK, et al. Pancytopenia in children: etiological profile.
#      J Trop Pediatr 2005;51(4):236-239. PMID 16014764 (abstract: low B12 or folate 28%,
#      infections 21%, both quick to respond to treatment; acute leukemia or MDS 21%, aplastic
#      anemia 20%); Erlacher M, Strahm B. Missing cells: pathophysiology, diagnosis, and
#      management of (pan)cytopenia in childhood. Front Pediatr 2015;3:64 (bone marrow analysis
#      is central to the work-up of most children). MDS is rare in children (1 to 4 per million
#      a year): Mathew P. Pediatric myelodysplastic syndrome. Medscape
#      https://emedicine.medscape.com/article/988024-overview
# [NEWBORN-ANC] docs/clinical.md section 3: newborn neutrophils change by the hour (Manroe BL,
#      et al. The neonatal blood count in health and disease. J Pediatr 1979;95(1):89-98; peak
#      at 12-24 hours, lower limit 1.75 x10^9/L by 72 hours), so a newborn's count is read
#      against the exact age.
# [NEWBORN-ANEMIA] Walter AW. Anemia in the newborn. Merck Manual Consumer Version (reviewed
#      November 2022). https://www.merckmanuals.com/home/children-s-health-issues/blood-problems-in-newborns/anemia-in-the-newborn
#      (blood lost around birth, red cells broken down too fast, or too few made; a newborn may
#      look pale; after rapid blood loss, a fast heart rate and fast, shallow breathing).
# [NEWBORN-SEPSIS] Tesini BL. Neonatal sepsis. Merck Manual Professional Version (reviewed July
#      2022). https://www.merckmanuals.com/professional/pediatrics/infections-in-neonates/neonatal-sepsis
#      (0.5 to 8 in 1,000 births; most early cases show within hours of birth). Health On the
#      Net Foundation. Sepsis neonatorum.
#      https://www.hon.ch/Dossier/MotherChild/neonatal_problems/sepsis_neonatorum.html (a newborn
#      with sepsis is often listless, feeds weakly, has a temperature that runs low or high, or
#      has trouble breathing; up to 30 percent of deaths in the first weeks).
# [NEWBORN-FEVER] Fein DM, Avner JR. The Febrile or Septic-Appearing Neonate. In: Strange and
# Schafermeyer's Pediatric Emergency Medicine, 5e, McGraw-Hill 2019, ch. 2: a fever of 38.0 C
# (100.4 F) or more in the first 28 days needs evaluation at once; a low temperature (below
# 36 C) can be the sign instead.
# [NICE-FEVER] National Institute for Health and Care Excellence. Fever in under 5s: assessment
#      and initial management (NG143), 2019, updated 2021: a temperature of 38 C or higher in a
#      baby younger than 3 months is a high-risk ("red") feature; from 3 to 6 months, 39 C or
#      higher is an intermediate-risk ("amber") one, which needs a face-to-face assessment.
# [NEWBORN-PLT] Chakravorty S, Roberts I. How I manage neonatal thrombocytopenia. Br J Haematol
#      2012;156(2):155-162 (most newborn cases mild and short; early ones, in the first 72 hours,
#      mostly from causes before birth; later ones mostly from infection; in term babies the
#      mother's antibodies against the baby's platelets are the most important cause).
# [NEWBORN-PCYT] Walter AW. Perinatal polycythemia and hyperviscosity syndrome. Merck Manual
#      Professional Version (reviewed/revised December 2022).
#      https://www.merckmanuals.com/professional/pediatrics/perinatal-hematologic-disorders/perinatal-polycythemia-and-hyperviscosity-syndrome
#      (a venous hematocrit of 65% or more can make the blood thick and slow (sludging) in small
#      vessels, and only sometimes clot; signs are nonspecific: a ruddy look, feeding
#      difficulties, lethargy, jaundice, a bluish colour, breathing trouble, seizures; causes
#      include too little oxygen before birth, extra blood from the placenta, late cord
#      clamping, a mother's diabetes; losing body water can mimic it). Wiswell TE, et al.
#      Neonatal polycythemia: frequency of clinical manifestations and other associated
#      findings. Pediatrics 1986;78(1):26.
#      https://publications.aap.org/pediatrics/article-abstract/78/1/26/54109 (abstract: feeding
#      problems, a ruddy look, lethargy, a bluish colour, breathing trouble, jitteriness; 14.5%
#      showed nothing). Pappas A, Delaney-Black V. Differential diagnosis and management of
#      polycythemia. Pediatr Clin North Am 2004;51(4):1063-1086. PMID 15275989 (above a venous
#      hematocrit of 65% the blood thickens and flow to the organs can fall, with too little
#      oxygen). Wirth FH, et al. Neonatal hyperviscosity: I. Incidence. Pediatrics
#      1979;63(6):833-836. doi:10.1542/peds.63.6.833 (hematocrits from warmed heels in the first
#      hour read falsely high and did not match the venous value).
# [HYPERLEUKO] Emergency Medicine Residents' Association. The white count: acute hyperleukocytosis
#      and leukostasis. https://emra.org/emresident/article/the-white-count-acute-hyperleukocytosis-and-leukostasis
#      (above 100 x10^9/L mostly a blood cancer; a strong reaction to infection, a leukemoid
#      reaction, can pass 50; headache, changes in vision, confusion, breathing trouble as
#      warning signs). Riley LK, Rupert J. Evaluation of patients with leukocytosis. Am Fam
#      Physician 2015;92(11):1004-1011 (reactions of 50 to 100 in severe infection; above 100
#      almost always leukemia or a myeloproliferative disorder).
# [MICHIELS-PLT] Michiels JJ. Acquired von Willebrand disease due to increasing platelet count
#      can readily explain the paradox of thrombosis and bleeding in thrombocythemia. Clin Appl
#      Thromb Hemost 1999;5(3):147-151. https://pubmed.ncbi.nlm.nih.gov/10725999 (in
#      thrombocythemia, above 1,000 x10^9/L von Willebrand factor is lost and bleeding joins the
#      clot risk). Budde U, van Genderen PJJ. Acquired von Willebrand disease in patients with high
#      platelet counts. Semin Thromb Hemost 1997;23(5):425-431 (with a reactive high count,
#      bleeding is usually not a problem).


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


# --- 2. Shared phrases ----------------------------------------------------------------------
ROUTINE_FOLLOW_UP = "Otherwise, share this result with your care team at your next visit or call."
URGENT_FOLLOW_UP = "Otherwise, follow the care-team message for these results."

# Low white cells: fever is the sign to act on at once [C1]; take the temperature when warm,
# chilled or unwell [SUNNYBROOK]; 38 C, shaking chills and confusion call for the care team
# right away [CANCERNET].
_FEVER_NOW = (
    "If you feel hot, shivery or unwell, take your temperature. Call your care team at once, "
    "day or night, for a temperature of 38.0 C or higher, shaking chills, or confusion."
)
# The same advice for a person who has just reported a fever: never "watch for a fever" then,
# and no "share at your next visit or call" after it: the care-team message sets how soon.
_FEVER_GIVEN = (
    "You reported a temperature of 38.0 C or more, which counts as a fever: follow the "
    "care-team message for these results, and get help at once if you feel worse."
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
# The same rule when a fever was reported [C1]: the fever itself is in the care-team message.
SAFETY_LINE_FEVER = (
    "Seek care at once, day or night, if the fever you reported climbs higher, or for heavy "
    "bleeding or trouble breathing."
)

# A newborn's line on every result (engine.reader "newborn"): a temperature of 38.0 C (100.4 F)
# or more in the first weeks needs care at once [NEWBORN-FEVER]; at this age an infection can also
# show as a temperature that runs low, poor feeding, sleepiness or trouble breathing
# [NEWBORN-SEPSIS]; heavy bleeding as for everyone [C1]. The same words whatever the counts or a
# reported fever: a baby's fever is itself the reason to go. Said up to 3 months old too: a
# temperature of 38.0 C or more under 3 months is a high-risk sign [NICE-FEVER].
# A baby of 3 to 6 months (an age given): "a high fever" named as NICE's threshold for the age,
# 39.0 C (102.2 F) [NICE-FEVER]; low neutrophils name 38.0 C instead, as for everyone.
SAFETY_LINE_INFANT = (
    "Seek care at once, day or night, if your baby has a temperature of 39.0 C (102.2 F) or "
    "higher, trouble breathing, or heavy bleeding."
)
SAFETY_LINE_NEWBORN = (
    "Seek care at once, day or night, if your baby has a temperature of 38.0 C (100.4 F) or "
    "higher or feels cold, feeds poorly, is unusually sleepy, has trouble breathing, or bleeds "
    "heavily."
)

# --- 3. Findings ----------------------------------------------------------------------------
# measures/meaning/notice/action per [C6]; what a person might notice from the symptom table
# [C1]. Each part says one thing: how to look after oneself is in the topic summary shown under
# the finding, and treatment options are in the growth-factors-transfusion topic.
# A critical value's signs with very low counts (symptom table [C1]); with high ones, see
# _CRITICAL_HIGH_SIGNS_ANY. Both directions at once say both lists in one sentence.
_CRITICAL_LOW_SIGNS = (
    "great tiredness, breathlessness or fainting with very low hemoglobin; fever or chills with "
    "very low white cells; bleeding or bruising with very low platelets"
)
# The same signs, one clause per count, for a critical value whose low counts are known: only
# theirs are said (a nurse reviewer found hemoglobin and platelet signs beside a critical ANC).
_CRITICAL_LOW_CLAUSES = {
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
        # chemotherapy: _AFTER_CHEMO_MEANING.
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
        # serious [C1]. After chemotherapy: _AFTER_CHEMO_MEANING.
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
        action=_FEVER_NOW + " " + ROUTINE_FOLLOW_UP,
        action_fever=_FEVER_GIVEN,
        topics=("infection-precautions", "growth-factors-transfusion"),
    ),
    Explanation(
        code="thrombocytopenia",
        title="Thrombocytopenia (low platelets)",
        # Platelets help clotting [C1].
        measures="Platelets are tiny cell pieces that help blood clot, so that bleeding stops.",
        # Causes [MSD-PLATELETS], chemotherapy among them [C1]. After chemotherapy:
        # _AFTER_CHEMO_MEANING.
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
        # [MAYO-NEUTROPENIA]. After chemotherapy: _AFTER_CHEMO_MEANING.
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
        action=_FEVER_NOW + " " + ROUTINE_FOLLOW_UP,
        action_fever=_FEVER_GIVEN,
        topics=("infection-precautions", "growth-factors-transfusion"),
    ),
    Explanation(
        code="lymphopenia",
        title="Lymphopenia (low lymphocytes)",
        measures=(
            "Lymphocytes are white blood cells that recognise germs, make antibodies and "
            "remember infections met before."
        ),
        # [MSD-LYMPHO]. After chemotherapy: _AFTER_CHEMO_MEANING.
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
        action=_FEVER_NOW + " " + ROUTINE_FOLLOW_UP,
        action_fever=_FEVER_GIVEN,
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
        # count beyond its critical limit, or above 100: see _CRITICAL_HIGH_WORDS.
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
        action_fever=(_FEVER_GIVEN + " Trouble breathing also needs help at once."),
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
        action_fever=(_FEVER_GIVEN + " Trouble breathing also needs help at once."),
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
            _FEVER_GIVEN + " Bleeding that will not stop or trouble breathing also needs help "
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
            _FEVER_GIVEN + " Bleeding that will not stop or trouble breathing also needs help "
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
        notice=(f"It depends on the count: {_CRITICAL_LOW_SIGNS}. Some people notice nothing."),
        action=(
            "If you feel very unwell, call emergency services. Otherwise contact your care "
            "team now, even if you feel well; the lab may already have told them."
        ),
    ),
)

EXPLANATIONS: MappingProxyType[str, Explanation] = MappingProxyType(
    {item.code: item for item in _EXPLANATION_LIST}
)

# A critical value's words by direction [C5] [C6]: the page above speaks of both; a result says
# only what fits its values. Very high counts: leukostasis [LEUKOSTASIS]; clots, and bleeding
# with very high platelets [STATPEARLS-PLT] [NIDIRECT-PCYT] [ONCOLINK-CLOT].
_CRITICAL_LOW = (
    "A value this low needs the care team's attention now. It can reflect a real change, such "
    "as a very low count after chemotherapy, or sometimes a problem with the sample or a "
    "typing error in the unit or value. Only the care team can tell which."
)
_CRITICAL_HIGH = (
    "A value this high can make clots more likely (and, for platelets, bleeding), and a very "
    "high white count can slow the blood in small vessels, so it needs the care team's "
    "attention now. It can come from a blood or marrow condition or a strong reaction to "
    "illness, or sometimes from a problem with the sample or a typing error in the unit or "
    "value. Only the care team can tell which."
)
_CRITICAL_BOTH = (
    "Results beyond these limits, low or high, need the care team's attention now. They can "
    "reflect a real change, or sometimes a problem with the sample or a typing error in the "
    "unit or value. Only the care team can tell which."
)
_CRITICAL_HIGH_SIGNS_ANY = (
    "headaches, dizziness, changes in sight or trouble breathing with a very high white count "
    "or hemoglobin; chest pain, sudden shortness of breath or a painful swollen leg with a clot"
)

# With febrile neutropenia, an emergency [C5]: no "typing error", no "the lab may have told
# them": contact now.
_CRITICAL_FEBRILE = (
    "With a fever and so few neutrophils, this is treated as a medical emergency, whatever "
    "else the result shows."
)
_CRITICAL_FEBRILE_ACTION = (
    "Contact your care team now, or emergency services if the care team cannot be reached."
)
# ...and what may be noticed beside a fever already reported: low neutrophils are not felt, and
# fever may be the only sign [SUNNYBROOK]; shaking chills, confusion, shortness of breath
# [CANCERNET] (a nurse reviewer found "fever or chills" said to a person who gave a fever).
_CRITICAL_FEBRILE_NOTICE = (
    "Low neutrophils themselves are not felt, and the fever may be the only sign of infection. "
    "Also watch for shivering, feeling suddenly weak, drowsy or confused, fast breathing or a "
    "racing heart."
)
_WHITE_CLAUSES = frozenset({"wbc", "anc"})

# The last day after chemotherapy on which it leads a low count's causes: the end of the
# recovery phase in recovery_context (marrow cellularity usually normal by 40 to 60 days [C1]).
CHEMO_LEADS_UNTIL_DAY = 60

# What a low count can mean, fitted to the person (finding_words): the first that applies of
# after chemotherapy (days since chemotherapy given), pregnancy, a child (under 18), else the
# finding's own meaning, where chemotherapy is one cause of several [C6].
# After chemotherapy, the treatment leads [C1] [CTCA-NADIR]; other causes as on the page.
_AFTER_CHEMO_MEANING: MappingProxyType[str, str] = MappingProxyType(
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
_PREGNANCY_MEANING: MappingProxyType[str, str] = MappingProxyType(
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
_CHILD_MEANING: MappingProxyType[str, str] = MappingProxyType(
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
# In a newborn (under 1 month: engine.reader): the limits change from day to day, so a count is
# read against the exact age [NEWBORN-ANC]; an infection in a newborn can turn serious quickly
# [NEWBORN-SEPSIS]; low hemoglobin with blood lost around birth, red cells broken down too fast, or
# too few made [NEWBORN-ANEMIA]; low platelets from causes before birth, the mother's antibodies,
# or infection [NEWBORN-PLT]. No text promises that a count will settle.
_NEWBORN_MEANING: MappingProxyType[str, str] = MappingProxyType(
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
_INFANT_THICK_BLOOD_SIGNS = (
    "a red or dark red look, poor feeding, unusual sleepiness, fast or hard breathing, or a "
    "bluish colour"
)
_NEWBORN_HELP_AT_ONCE = (
    "if your baby has trouble breathing, turns blue or grey, has a fit (seizure), or is hard "
    "to wake or will not feed"
)
_NEWBORN_NOTICE: MappingProxyType[str, str] = MappingProxyType(
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
    }
)
# What to do, for the signs a parent can see in a newborn [NEWBORN-ANEMIA] [HCI-BLEED]
# [NEWBORN-SEPSIS]; 38.0 C as for everyone [CANCERNET]: chest pain, fainting, headaches, changes
# in sight or confusion cannot be told by a baby. A reported fever keeps the finding's own
# action (finding_words).
_NEWBORN_FEVER_NOW = (
    "Take your baby's temperature if they feel hot or cold or seem unwell. Call your child's "
    "care team at once, day or night, for a temperature of 38.0 C or higher, poor feeding, or "
    "unusual sleepiness. " + ROUTINE_FOLLOW_UP
)
_NEWBORN_ACTION: MappingProxyType[str, str] = MappingProxyType(
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
_NEWBORN_PRECAUTIONS: MappingProxyType[str, str | None] = MappingProxyType(
    {
        "anemia-care": None,
        "bleeding-precautions": (
            "Give no medicine, including aspirin or ibuprofen, unless your child's care team "
            "says so, and handle your baby gently to avoid knocks."
        ),
        # Clean hands and no sick contacts or crowds [ACS-INFECT]; a fever under 2 months needs
        # a doctor at once [NEWBORN-FEVER], so no fever medicine that could hide it; the
        # adults' food-safety line does not fit a baby fed milk.
        "infection-precautions": (
            "Wash hands before holding or feeding your baby, and keep your baby away from "
            "people who are ill and from crowds. Give no fever medicine unless the care team "
            "says so: a fever at this age needs a doctor straight away."
        ),
    }
)
# Under a child's two or three low types, instead of the marrow-failure summary, which opens
# with the conditions of adults (MDS is rare in children [CHILD-PANCYTOPENIA]): the topic stays
# linked. The work-up is the care team's, often with a marrow test [CHILD-PANCYTOPENIA].
_CHILD_MARROW_BACKGROUND = (
    "A blood count alone cannot tell the reason. Your child's care team will decide which "
    "tests are needed, which can include a bone marrow sample."
)
# A newborn's two or three low types: at this age infection, causes from before birth and the
# mother's antibodies lead [NEWBORN-SEPSIS] [NEWBORN-PLT], so the work-up can include the
# mother's blood as well as the baby's; the marrow topic, written for adults, is not linked.
_NEWBORN_MARROW_BACKGROUND = (
    "A blood count alone cannot tell the reason. The baby's care team will decide which tests "
    "are needed, which can include more blood tests of the baby and sometimes of the mother."
)
# Topics that speak of adults' conditions or care (marrow failure, the course after
# chemotherapy, diet, pacing oneself, growth factors and transfusion): never linked from a
# newborn's finding ("More:").
_NOT_FOR_NEWBORN: frozenset[str] = frozenset(
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
_NEWBORN_CRITICAL_NOTICE = (
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
_NEWBORN_HIGH_ACTION = (
    "Contact your care team now, even if your baby seems well. Get help at once, from "
    f"emergency services if needed, {_NEWBORN_HELP_AT_ONCE}."
)
_NEWBORN_HIGH_WBC_WORDS = (
    "A white count this far above a newborn's range needs your care team's review now. It can "
    "be seen with a strong reaction to an infection, which can turn serious quickly in a "
    "newborn, or with a blood or marrow condition; sometimes the sample or a typing error is "
    "the reason. Only the care team can tell which.",
    f"Signs of an infection in a baby: {_NEWBORN_HIGH_WBC_SIGNS}. Some babies show nothing.",
    _NEWBORN_HIGH_ACTION,
)
_NEWBORN_CRITICAL_HIGH_WORDS: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
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
            _NEWBORN_HIGH_ACTION,
        ),
        "leukocytosis": _NEWBORN_HIGH_WBC_WORDS,
        "hyper-wbc": _NEWBORN_HIGH_WBC_WORDS,
        "thrombocytosis": (
            "A platelet count this far above a newborn's range needs your care team's review "
            "now. It can be a reaction to infection, inflammation or bleeding, or, rarely, a "
            "marrow condition; sometimes the sample or a typing error is the reason. Only the "
            "care team can tell which.",
            f"Often nothing. Watch for {_NEWBORN_HIGH_PLT_SIGNS}.",
            _NEWBORN_HIGH_ACTION,
        ),
    }
)
# The same signs, one clause per count, in a newborn's critical value (finding_words).
_NEWBORN_CRITICAL_HIGH_SIGNS: MappingProxyType[str, str] = MappingProxyType(
    {
        "wbc": f"with a very high white count, signs of infection: {_NEWBORN_HIGH_WBC_SIGNS}",
        "plt": f"with very high platelets, {_NEWBORN_HIGH_PLT_SIGNS}",
        "hgb": f"with very high hemoglobin or hematocrit, {_NEWBORN_THICK_BLOOD_SIGNS}",
        "hct": f"with very high hemoglobin or hematocrit, {_NEWBORN_THICK_BLOOD_SIGNS}",
    }
)
_NEWBORN_CRITICAL_LOW = (
    "A value this low needs the care team's attention now. It can reflect a real change, or "
    "sometimes a problem with the sample or a mistake in the value or its unit. Only the care "
    "team can tell which."
)

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
_CRITICAL_HIGH_WORDS: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
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
_CRITICAL_HIGH_CLAUSES: MappingProxyType[str, str] = MappingProxyType(
    {
        "wbc": "so many white cells can crowd small blood vessels",
        "anc": "so many neutrophils usually mean a strong reaction or a marrow condition",
        "plt": "so many platelets make clots, and bleeding, more likely",
        "hgb": "blood this thick clots more easily",
        "hct": "blood this thick clots more easily",
    }
)
_CRITICAL_HIGH_SIGNS: MappingProxyType[str, str] = MappingProxyType(
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
_NEWBORN_CRITICAL_HIGH_CLAUSES: MappingProxyType[str, str] = MappingProxyType(
    {
        **_CRITICAL_HIGH_CLAUSES,
        "hgb": "blood this thick flows slowly through the smallest vessels and can carry less "
        "oxygen to the organs",
        "hct": "blood this thick flows slowly through the smallest vessels and can carry less "
        "oxygen to the organs",
    }
)

# --- 4. Patient topics ----------------------------------------------------------------------
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
_MARROW_AFTER_CHEMO = (
    "At day {day} after chemotherapy, low counts in more than one cell type are expected from "
    "the treatment (marrow suppression). That does not change what the care-team message asks."
)
_MARROW_LATE_AFTER_CHEMO = (
    "At day {day} after chemotherapy, past the 40 to 60 days by which the marrow usually "
    "recovers, counts this low deserve a review with your care team, who can tell whether "
    "recovery is slow or something else is going on."
)

# --- 5. Care-team messages, MCV patterns, disclaimer -----------------------------------------
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


def _for_child_words(text: str) -> str:
    """A finding's text worded for a child's parent (see _CHILD_REWORDING)."""
    for old, new in _CHILD_REWORDING:
        text = text.replace(old, new)
    return text


# A newborn's finding and care-team message: the parent's words, and the baby is "your baby"
# throughout, as in the newborn lines; the care team stays "your child's care team".
_CHILD_NOT_CARE_TEAM = re.compile(r"\b([Yy])our child\b(?!'s care team)")


def for_baby(text: str) -> str:
    """A text already worded for a child's parent, with the child called "your baby" (a
    newborn's), except in "your child's care team"."""
    return _CHILD_NOT_CARE_TEAM.sub(r"\1our baby", text)


def _for_baby_words(text: str) -> str:
    """A finding's text worded for a newborn's parent: _for_child_words, then "your baby"."""
    return for_baby(_for_child_words(text))


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
        return _for_child_words(text)

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
        meaning=_for_child_words(_CHILD_MEANING.get(code, page.meaning)),
        notice=_for_child_words(page.notice),
        action=_for_child_words(page.action),
        action_fever=_for_child_words(page.action_fever),
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

_TIMELINE_CAVEAT = (
    "This is the usual timeline, not a prediction for you, and it varies with the treatment given."
)

TRANSPLANT_KINDS = ("auto", "allo")
"""The ``cbc check --transplant`` choices: autologous (own cells) or allogeneic (donor)."""


# --- 6. Functions ---------------------------------------------------------------------------
def explain(code: str) -> Explanation:
    """Return the explanation for a finding code.

    Raises KeyError, naming the known codes, when the code is unknown.
    """
    try:
        return EXPLANATIONS[code]
    except KeyError:
        known = ", ".join(EXPLANATIONS)
        raise KeyError(f"unknown finding code {code!r}; known codes: {known}") from None


def topic(code: str) -> Topic:
    """Return the patient topic for a topic code (``cbc explain TOPIC``).

    Raises KeyError, naming the known topics, when the code is unknown.
    """
    try:
        return TOPICS[code]
    except KeyError:
        known = ", ".join(TOPICS)
        raise KeyError(f"unknown topic {code!r}; known topics: {known}") from None


def finding_words(
    code: str,
    *,
    extra: str = "",
    fever: bool = False,
    very_high: bool = False,
    days_since_chemo: int | None = None,
    with_precautions: bool = True,
    critical: tuple[str, ...] = (),
    febrile: bool = False,
    person: str = "",
    high_level: str = "",
    high_analytes: tuple[str, ...] = (),
    low_analytes: tuple[str, ...] = (),
    urgent: bool = False,
    infant: bool = False,
) -> FindingWords:
    """The words one finding carries in a result, fitted to what is known about the person.

    Args:
        code: the finding code.
        extra: a sentence added to what the finding can mean (the ASCO/IDSA severity word, the
            MCV pattern).
        fever: the person reported a temperature of 38.0 C or more: the action and the
            infection precautions then never ask them to watch for a fever.
        very_high: leukocytosis above 100 x10^9/L: as ``high_level="hyper"``.
        days_since_chemo: for two or three low cell types, the marrow background says whether
            the pattern is expected after treatment; from day 0 to CHEMO_LEADS_UNTIL_DAY a low
            count's meaning leads with chemotherapy.
        with_precautions: the count is low enough for the topic's precautions (platelets below
            50 x10^9/L; white cells or a cytopenia pattern at grade 2 or worse). False gives the
            explanation without the precautions list or the marrow-failure background (the
            background after chemotherapy, which places the pattern in time, stays).
        critical: for ``critical-value``, the directions beyond the limits ("low", "high");
            empty when unknown (a lab's "AA" flag): the words then cover both.
        febrile: febrile neutropenia is present: a critical value then says only to act now.
        person: ``"pregnant"``, ``"child"`` (under 18) or ``"newborn"`` (under 1 month), as
            ``engine.reader`` decides: a low count's meaning leads with the causes that fit
            them, unless ``days_since_chemo`` is 0 to CHEMO_LEADS_UNTIL_DAY, when chemotherapy
            leads; a child's or newborn's two or three low types get a background without adult
            conditions, and their words address the parent. A newborn's low counts also get
            the signs a parent can see and the precautions that fit a baby.
        high_level: ``"critical"``: the count is beyond its critical high limit; ``"hyper"``:
            a white count above 100 x10^9/L. The meaning, notice and action then say what it
            can be seen with, why it is urgent, and to contact the care team now.
        high_analytes: for ``critical-value``, the analytes beyond a high limit, each named in
            what it can mean.
        infant: the person is a child under 1 year (past the newborn weeks): thick blood's
            signs and when to get help at once are a baby's, not an adult's.
        urgent: the care-team message asks for contact soon or now: the action's closing
            "share at your next visit" would contradict it, so it points to the message.

    Returns:
        Title, the four labelled parts, the precautions (or background) topic summary and the
        related topic codes. Raises KeyError for an unknown code.
    """
    page = explain(code)
    # Chemotherapy leads only while low counts are still expected after it (recovery_context:
    # by day 40 to 60 the marrow has usually recovered, and counts still low after that deserve
    # a review [C1]); later it is one cause of several.
    after_chemo = days_since_chemo is not None and 0 <= days_since_chemo <= CHEMO_LEADS_UNTIL_DAY
    meaning = _meaning_for(code, person, after_chemo=after_chemo)
    action = page.action_fever if fever and page.action_fever else page.action
    notice = page.notice
    if code == "leukocytosis" and very_high and not high_level:
        high_level = "hyper"
    high_key = "hyper-wbc" if code == "leukocytosis" and high_level == "hyper" else code
    if high_level and high_key in _CRITICAL_HIGH_WORDS:
        meaning, notice, action = _CRITICAL_HIGH_WORDS[high_key]
        if person == "newborn" and high_key in _NEWBORN_CRITICAL_HIGH_WORDS:
            meaning, notice, action = _NEWBORN_CRITICAL_HIGH_WORDS[high_key]
    if code == "critical-value":
        meaning, notice, action = _critical_words(
            set(critical),
            febrile=febrile,
            high_analytes=high_analytes,
            low_analytes=low_analytes,
            newborn=person == "newborn",
        )
        if person == "newborn":
            # A baby's signs, never an adult's: low, a lab's "AA" (no direction), or high.
            notice = _newborn_critical_notice(set(critical), high_analytes)
            if not febrile and set(critical) == {"low"}:
                meaning = _NEWBORN_CRITICAL_LOW
    if infant and person == "child":
        notice, action = _infant_words(
            code, set(critical), high_analytes, (notice, action), critical_high=bool(high_level)
        )
        if code == "erythrocytosis" and high_level:
            meaning = _INFANT_THICK_BLOOD_MEANING
    meaning = f"{meaning} {extra}".strip()
    precautions: str | None = None
    background: str | None = None
    # Febrile neutropenia is an emergency: its action is all it says; the topic stays linked.
    young = person in ("child", "newborn")
    if page.topics and code != "febrile-neutropenia":
        first = TOPICS[page.topics[0]]
        if first.code == "marrow-failure":
            if days_since_chemo is None and person == "newborn":
                background = _NEWBORN_MARROW_BACKGROUND
            elif days_since_chemo is None and young:
                background = _CHILD_MARROW_BACKGROUND
            elif with_precautions or days_since_chemo is not None:
                background = _marrow_background(days_since_chemo)
        elif with_precautions:
            precautions = first.summary_fever if fever and first.summary_fever else first.summary
            if person == "newborn" and first.code in _NEWBORN_PRECAUTIONS:
                precautions = _NEWBORN_PRECAUTIONS[first.code]
    if person == "newborn" and not high_level and code != "critical-value":
        notice = _NEWBORN_NOTICE.get(code, notice)
        if not (fever and page.action_fever):
            action = _NEWBORN_ACTION.get(code, action)
    if urgent:
        action = action.replace(ROUTINE_FOLLOW_UP, URGENT_FOLLOW_UP)
    if young:
        reword = _for_baby_words if person == "newborn" else _for_child_words
        meaning, notice, action = (reword(t) for t in (meaning, notice, action))
        precautions = reword(precautions) if precautions else precautions
        background = reword(background) if background else background
    return FindingWords(
        title=page.title,
        measures=page.measures,
        meaning=meaning,
        notice=notice,
        action=action,
        precautions=precautions,
        background=background,
        topics=tuple(t for t in page.topics if t not in _NOT_FOR_NEWBORN)
        if person == "newborn"
        else page.topics,
    )


# Thick blood beyond its critical limit in a baby under 1 year: the causes that fit a baby (a
# heart or lung condition that lowers the blood's oxygen, losing body water) [MAYO-HGB]
# [NIDIRECT-PCYT], not an adult's stroke, leg clot or marrow condition, which a nurse reviewer
# found said to the parent of a 5-month-old.
_INFANT_THICK_BLOOD_MEANING = (
    "A hemoglobin or hematocrit this far above the range needs your care team's review now. "
    "Blood this thick flows slowly and clots more easily. In a baby it is most often seen with "
    "a heart or lung condition that lowers the oxygen in the blood, or with losing a lot of "
    "body water (dehydration), or it comes from a sample or typing error."
)


def _infant_words(
    code: str,
    directions: set[str],
    high_analytes: tuple[str, ...],
    words: tuple[str, str],
    *,
    critical_high: bool,
) -> tuple[str, str]:
    """What a parent of a baby under 1 year might notice, and when to get help at once, with
    thick blood (a high hemoglobin or hematocrit): a baby's signs, not an adult's (``words``:
    the notice and action otherwise given)."""
    notice, action = words
    baby = f"In a baby: {_INFANT_THICK_BLOOD_SIGNS}. Some babies show nothing."
    if code == "erythrocytosis":
        return baby, _NEWBORN_HIGH_ACTION if critical_high else _NEWBORN_ACTION[code]
    thick = set(high_analytes) <= {"hgb", "hct"}
    if code == "critical-value" and directions == {"high"} and high_analytes and thick:
        return baby, action
    return notice, action


def _meaning_for(code: str, person: str, *, after_chemo: bool) -> str:
    """What a finding can mean, led by the causes that fit the person (see finding_words)."""
    if after_chemo and code in _AFTER_CHEMO_MEANING:
        return _AFTER_CHEMO_MEANING[code]
    fitted = {
        "pregnant": _PREGNANCY_MEANING,
        "child": _CHILD_MEANING,
        "newborn": _NEWBORN_MEANING,
    }.get(person)
    return fitted.get(code, EXPLANATIONS[code].meaning) if fitted else EXPLANATIONS[code].meaning


def _critical_high_meaning(
    analytes: tuple[str, ...], known: Mapping[str, str] = _CRITICAL_HIGH_CLAUSES
) -> str:
    """A critical value's meaning for counts beyond their high limits, one clause each (from
    ``known``: a newborn's own clauses, or everyone's)."""
    clauses = [known[a] for a in analytes if a in known]
    if not clauses or len(clauses) != len(analytes):
        return _CRITICAL_HIGH
    said = "; ".join(dict.fromkeys(clauses))
    return (
        "Labs phone results this far above the range to the care team at once, because "
        f"{said}. Sometimes a problem with the sample or a typing error in the unit or value "
        "is the reason. Only the care team can tell which."
    )


def _critical_notice(signs: str) -> str:
    """A critical value's "What you might notice": the signs for its counts, said once (the
    signs of one count need no "it depends on the count")."""
    if ";" not in signs:
        return f"{signs[0].upper()}{signs[1:]}. Some people notice nothing."
    return f"It depends on the count: {signs}. Some people notice nothing."


def _critical_high_signs(analytes: tuple[str, ...]) -> str:
    """What a person might notice with counts beyond their high limits, for those counts (the
    general signs when a count has none of its own), without the opening and closing words."""
    signs = [_CRITICAL_HIGH_SIGNS[a] for a in analytes if a in _CRITICAL_HIGH_SIGNS]
    if not signs or len(signs) != len(analytes):
        return _CRITICAL_HIGH_SIGNS_ANY
    return "; ".join(dict.fromkeys(signs))


def _critical_words(
    directions: set[str],
    *,
    febrile: bool,
    high_analytes: tuple[str, ...] = (),
    low_analytes: tuple[str, ...] = (),
    newborn: bool = False,
) -> tuple[str, str, str]:
    """What a critical value can mean, what a person might notice and what to do, for the
    directions its values lie beyond (and, when known, the counts beyond a high or a low
    limit); ``newborn``: a baby's own clause for thick blood."""
    page = EXPLANATIONS["critical-value"]
    if febrile:
        # The fever is reported already: the white cells' clause gives way to the febrile words.
        if low_analytes and set(low_analytes) <= _WHITE_CLAUSES and directions == {"low"}:
            return _CRITICAL_FEBRILE, _CRITICAL_FEBRILE_NOTICE, _CRITICAL_FEBRILE_ACTION
        low_analytes = tuple(a for a in low_analytes if a not in _WHITE_CLAUSES)
    low_clauses = [_CRITICAL_LOW_CLAUSES.get(a) for a in low_analytes]
    low_signs = (
        "; ".join(dict.fromkeys(c for c in low_clauses if c))
        if low_clauses and None not in low_clauses
        else _CRITICAL_LOW_SIGNS
    )
    if directions == {"low"}:
        meaning, notice = _CRITICAL_LOW, _critical_notice(low_signs)
    elif directions == {"high"}:
        clauses = _NEWBORN_CRITICAL_HIGH_CLAUSES if newborn else _CRITICAL_HIGH_CLAUSES
        meaning = _critical_high_meaning(high_analytes, clauses)
        notice = _critical_notice(_critical_high_signs(high_analytes))
    else:
        # Low and high (or a lab's "AA", no direction): one list of signs, said once.
        high = _critical_high_signs(high_analytes) if high_analytes else _CRITICAL_HIGH_SIGNS_ANY
        meaning, notice = _CRITICAL_BOTH, _critical_notice(f"{low_signs}; {high}")
    if febrile:
        return _CRITICAL_FEBRILE, notice, _CRITICAL_FEBRILE_ACTION
    return meaning, notice, page.action


def _newborn_critical_notice(directions: set[str], high_analytes: tuple[str, ...]) -> str:
    """What a parent might see with a newborn's critical value: the low signs, and for each
    count beyond a high limit its own (unknown counts: the general signs)."""
    if "high" not in directions:
        return _NEWBORN_CRITICAL_NOTICE
    signs = [_NEWBORN_CRITICAL_HIGH_SIGNS.get(a) for a in high_analytes]
    if not signs or None in signs:
        return _NEWBORN_CRITICAL_NOTICE
    said = "; ".join(dict.fromkeys(s for s in signs if s))
    if directions == {"high"}:
        opening = "It depends on the count: " if ";" in said else ""
        said = said if opening else f"{said[0].upper()}{said[1:]}"
        return f"{opening}{said}. Some babies show nothing."
    return f"{_NEWBORN_CRITICAL_NOTICE[: -len(' Some babies show nothing.')]} Also {said}."


def _marrow_background(days_since_chemo: int | None) -> str:
    if days_since_chemo is None:
        return TOPICS["marrow-failure"].summary
    if days_since_chemo > 60:
        return _MARROW_LATE_AFTER_CHEMO.format(day=days_since_chemo)
    return _MARROW_AFTER_CHEMO.format(day=days_since_chemo)


def safety_line(
    *, fever: bool = False, low_white: bool = False, newborn: bool = False, infant: bool = False
) -> str:
    """The line every abnormal result carries: seek care at once for heavy bleeding, a high
    fever or trouble breathing (docs/clinical.md section 1).

    Args:
        fever: the person reported a temperature of 38.0 C or more; the line then speaks of
            that fever climbing instead of asking them to watch for one.
        low_white: neutrophils (or, without an ANC, white cells) are low: "a high fever" is
            then named as its threshold, 38.0 C (100.4 F) (docs/clinical.md section 5).
        newborn: the person is under 1 month (``engine.reader``): the baby's own line, which
            names 38.0 C and a baby's signs whatever the counts or a reported fever.
        infant: a baby of 3 to 6 months (an age given): "a high fever" is named as 39.0 C,
            NICE's threshold at that age, unless the counts or a fever call for another line.
    """
    if newborn:
        return SAFETY_LINE_NEWBORN
    if fever:
        return SAFETY_LINE_FEVER
    if low_white:
        return SAFETY_LINE_LOW_WHITE
    return SAFETY_LINE_INFANT if infant else SAFETY_LINE


def recovery_context(days_since_chemo: int, *, child: bool = False) -> str:
    """Place day N after chemotherapy on the usual recovery timeline.

    Before day 7 counts are usually still falling; days 7-14 are the usual low point; by 3 to
    4 weeks they usually recover; the marrow usually refills by day 40-60; past day 60 counts
    still low deserve a review (docs/clinical.md sections 1 and 5). Returns two or three
    sentences; ``child``: worded for the parent of a child under 18 ("your child's care team",
    "not a prediction for your child"). Raises ValueError for a negative number of days.
    """
    if days_since_chemo < 0:
        raise ValueError(f"days since chemotherapy cannot be negative, got {days_since_chemo}")
    day = days_since_chemo
    if day < 7:
        phase = (
            f"Day {day} after chemotherapy is before the usual low point: counts often keep "
            "falling for a while and are usually lowest about 7 to 14 days after treatment, "
            "then recover over 3 to 4 weeks."
        )
    elif day <= 14:
        phase = (
            f"Day {day} after chemotherapy is when counts are usually at their lowest (about "
            "day 7 to 14), so low values now are expected; they usually recover over 3 to 4 "
            "weeks after treatment."
        )
    elif day <= 30:
        phase = (
            f"Day {day} after chemotherapy is past the usual low point (about day 7 to 14); "
            "counts are usually climbing back and often recover by 3 to 4 weeks after "
            "treatment, though they may not be fully normal yet."
        )
    elif day <= 60:
        phase = (
            f"Day {day} after chemotherapy is in the second month: counts have usually come "
            "back up from the low point, and the marrow usually regains its normal cell "
            "content by about day 40 to 60. Counts still low after that deserve a review with "
            "your care team."
        )
    else:
        phase = (
            f"Day {day} after chemotherapy is past the 40 to 60 days by which the marrow "
            "usually regains its normal cell content. Full recovery of the counts can take "
            "months, sometimes years, but counts that are still low now deserve a review with your "
            "care team."
        )
    text = f"{phase} {_TIMELINE_CAVEAT}"
    return _for_child_words(text) if child else text


def transplant_context(kind: Literal["auto", "allo"], *, child: bool = False) -> str:
    """Where counts stand after an autologous (``auto``) or allogeneic (``allo``) stem cell
    transplant: what the transplant is and how engraftment is dated (docs/clinical.md sections
    1 and 5); ``child``: worded for the parent of a child under 18. Raises ValueError for
    another kind."""
    if kind == "auto":
        # [C1]
        what = (
            "After an autologous transplant (your own stem cells, collected before high-dose "
            "treatment and given back after it: a 'stem cell rescue'),"
        )
        # The day +30/+42 graft-failure deadlines are defined for donor transplants [C5].
        deadline = ""
    elif kind == "allo":
        # [C1]
        what = "After an allogeneic transplant (stem cells from a matched donor),"
        # Primary graft failure: no ANC >= 0.5 by day +30, +42 after cord blood [C5]. This is
        # the deadline the definitions set, not a typical time to engraftment.
        deadline = (
            " The same rules look for neutrophil engraftment by day 30, or day 42 after cord "
            "blood; if it has not happened by then, the care team looks into why."
        )
    else:
        raise ValueError(f"unknown transplant kind {kind!r}; known: {', '.join(TRANSPLANT_KINDS)}")
    # ASTCT engraftment [C5].
    text = (
        f"{what} counts stay low until the new cells settle in the marrow (engraftment). "
        "Neutrophils count as engrafted from the first of three days in a row at 0.5 x10^9/L "
        "or more, platelets from the first of three days in a row at 20 x10^9/L or more "
        f"without a platelet transfusion in the week before (ASTCT).{deadline} This is the "
        "usual course, not a prediction for you."
    )
    return _for_child_words(text) if child else text
