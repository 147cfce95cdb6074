"""The sources the wording rests on: each key in brackets (``[C1]``) that a comment on a text
cites, with what the text takes from it. No code: the texts are in the modules beside this one.
"""

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
#      higher is an intermediate-risk ("amber") one, which needs a face-to-face assessment, as
#      do poor feeding and reduced activity in an infant; not waking, or not staying awake, is
#      a high-risk one.
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
