"""Tests for cbc_cli.explanations: completeness and safe wording of the plain-language texts."""

import json
import re
from collections.abc import Mapping

import pytest
from helpers import run_cli

from cbc_cli import interpret
from cbc_cli.errors import UsageError
from cbc_cli.explanations import (
    CARE_TEAM_MESSAGES,
    CHILD_CARE_TEAM_MESSAGES,
    CHILD_NOTHING_CHECKED_MESSAGE,
    CHILD_SOON_WITH_FEVER_MESSAGE,
    DISCLAIMER,
    EXPLANATIONS,
    MCV_PATTERNS,
    NOTHING_CHECKED_MESSAGE,
    SAFETY_LINE,
    SAFETY_LINE_FEVER,
    SAFETY_LINE_FEVER_NOW,
    SAFETY_LINE_LOW_WHITE,
    TOPICS,
    TRANSPLANT_KINDS,
    Explanation,
    explain,
    finding_words,
    recovery_context,
    safety_line,
    topic,
    transplant_context,
)
from cbc_cli.models import Finding, Result, json_schema

CODES = (
    "anemia",
    "neutropenia",
    "thrombocytopenia",
    "leukopenia",
    "lymphopenia",
    "leukocytosis",
    "neutrophilia",
    "thrombocytosis",
    "erythrocytosis",
    "bicytopenia",
    "pancytopenia",
    "febrile-neutropenia",
    "critical-value",
)

FIELDS = ("code", "title", "measures", "meaning", "notice", "action")


def _all_texts() -> list[str]:
    texts: list[str] = []
    for item in EXPLANATIONS.values():
        texts.extend(getattr(item, name) for name in FIELDS)
    texts.extend(MCV_PATTERNS.values())
    texts.extend(CARE_TEAM_MESSAGES.values())
    texts.extend(CHILD_CARE_TEAM_MESSAGES.values())
    texts.extend((CHILD_NOTHING_CHECKED_MESSAGE, CHILD_SOON_WITH_FEVER_MESSAGE))
    texts.append(NOTHING_CHECKED_MESSAGE)
    texts.append(DISCLAIMER)
    texts.extend(
        recovery_context(day) for day in (0, 3, 7, 10, 14, 15, 25, 30, 31, 50, 60, 61, 365)
    )
    for item in EXPLANATIONS.values():
        texts.append(item.action_fever)
        for fever in (False, True):
            for days in (None, 10, 90):
                words = finding_words(item.code, fever=fever, very_high=True, days_since_chemo=days)
                texts.extend(w for w in (words.precautions, words.background, words.meaning) if w)
                texts.append(words.action)
    # The words fitted to the person and to a critically high count (finding_words).
    for item in EXPLANATIONS.values():
        for person in ("", "child", "pregnant"):
            for level in ("", "critical", "hyper"):
                words = finding_words(
                    item.code, person=person, high_level=level, high_analytes=("wbc", "plt")
                )
                texts.extend(w for w in (words.meaning, words.notice, words.action) if w)
                texts.extend(w for w in (words.precautions, words.background) if w)
    for page in TOPICS.values():
        texts.extend((page.title, page.summary, page.summary_fever, *page.points))
    texts.extend((SAFETY_LINE, SAFETY_LINE_FEVER))
    texts.extend(transplant_context(kind) for kind in TRANSPLANT_KINDS)  # type: ignore[arg-type]
    return texts


def test_all_codes_present_in_order() -> None:
    assert tuple(EXPLANATIONS) == CODES


@pytest.mark.parametrize("code", CODES)
def test_every_field_non_empty(code: str) -> None:
    item = explain(code)
    assert isinstance(item, Explanation)
    assert item.code == code
    for name in FIELDS:
        value = getattr(item, name)
        assert isinstance(value, str)
        assert value.strip(), f"{code}.{name} is empty"


def test_explanation_is_frozen() -> None:
    item = explain("anemia")
    with pytest.raises(AttributeError):
        item.title = "changed"  # type: ignore[misc]


def test_mapping_is_read_only() -> None:
    with pytest.raises(TypeError):
        EXPLANATIONS["new"] = explain("anemia")  # type: ignore[index]


def test_unknown_code_raises_keyerror_listing_known_codes() -> None:
    with pytest.raises(KeyError) as excinfo:
        explain("no-such-finding")
    message = str(excinfo.value)
    assert "no-such-finding" in message
    for code in CODES:
        assert code in message


def test_no_text_says_you_have() -> None:
    for text in _all_texts():
        assert "you have" not in text.lower(), text


def test_diagnosis_only_mentioned_as_a_denial() -> None:
    for text in _all_texts():
        for sentence in re.split(r"(?<=[.;])\s+", text):
            if "diagnos" in sentence.lower():
                assert re.search(r"\bnot\b", sentence.lower()), sentence


# Sentences that say "take" without telling anyone to take a medicine.
_TAKE_WITHOUT_PRESCRIBING = re.compile(
    r"take (your|their) temperature|take care|do not take|before taking|can take months"
    r"|take longer"
)


def test_no_text_prescribes() -> None:
    # docs/clinical.md section 6: the tool never prescribes. No dose anywhere, and "take" only
    # as "take your temperature", "take care", "do not take ... unless" or "ask before taking".
    for text in _all_texts():
        assert not re.search(r"\d\s*(mg|mcg|µg|micrograms?|milligrams?|tablets?)\b", text), text
        for sentence in re.split(r"(?<=[.;:])\s+", text):
            if re.search(r"\b(take|taking)\b", sentence.lower()):
                assert _TAKE_WITHOUT_PRESCRIBING.search(sentence.lower()), sentence


def test_no_text_says_what_the_person_has() -> None:
    # "May", "can be seen with"; never "you have" or "this is <a condition>" (docs/clinical.md
    # section 6). "This is" only ever introduces what a text is not.
    for text in _all_texts():
        for sentence in re.split(r"(?<=[.;:])\s+", text):
            low = sentence.lower()
            assert "you have" not in low, sentence
            assert not re.search(r"\byou are (anemic|neutropenic|sick|ill)\b", low), sentence
            if re.search(r"\bthis is\b", low):
                assert re.search(r"\bnot\b", low), sentence


def test_texts_stay_short() -> None:
    # Plain and short (docs/clinical.md section 6): one labelled part of a finding is a few
    # sentences, a topic summary fits under a finding.
    for item in EXPLANATIONS.values():
        for name in ("measures", "meaning", "notice", "action", "action_fever"):
            assert len(getattr(item, name).split()) <= 70, (item.code, name)
        for person in ("child", "pregnant"):
            for level in ("", "critical", "hyper") if item.code != "critical-value" else ("",):
                words = finding_words(item.code, person=person, high_level=level)
                for part in (words.meaning, words.action):
                    assert len(part.split()) <= 70, (item.code, person, level, part)
                if item.code != "critical-value":  # its both-ways notice joins two lists
                    assert len(words.notice.split()) <= 70, (item.code, person, level)
    for page in TOPICS.values():
        assert len(page.summary.split()) <= 60, page.code
        assert len(page.summary_fever.split()) <= 60, page.code
        assert all(len(p.split()) <= 60 for p in page.points), page.code


def test_urgent_signs_are_named_with_at_once() -> None:
    # Heavy bleeding, high fever, trouble breathing on every result (docs/clinical.md
    # section 1); chest pain and fainting with anemia (URMC; Cancer.Net); confusion with low
    # white cells (Cancer.Net) and low platelets (Affiliated Oncologists' bleeding page).
    for phrase in ("at once", "heavy bleeding", "high fever", "trouble breathing"):
        assert phrase in SAFETY_LINE
    anemia = explain("anemia").action
    assert "at once" in anemia
    assert "chest pain" in anemia
    assert "fainting" in anemia
    for code in ("neutropenia", "leukopenia", "thrombocytopenia"):
        action = explain(code).action
        assert "at once" in action, code
        assert "confusion" in action, code


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("very_high", [False, True])
def test_a_reported_fever_is_never_something_to_watch_for(code: str, very_high: bool) -> None:
    # A person who gave a temperature of 38.0 C or more is not told to look out for a fever or
    # to take their temperature, in any part shown with a finding.
    words = finding_words(code, fever=True, very_high=very_high, days_since_chemo=10)
    for part in (words.notice, words.action, words.precautions or "", words.background or ""):
        low = part.lower()
        for phrase in ("watch for", "38.0 c or higher", "high fever", "take your temperature"):
            assert phrase not in low, (code, part)
    if explain(code).action_fever or (code == "leukocytosis" and very_high):
        # The fever sets the pace through the care-team message, never "at your next visit or call".
        assert ROUTINE not in words.action, code


def test_an_expected_pattern_never_softens_the_care_team_message() -> None:
    # Day 10 after chemotherapy with a critical platelet count: the background says the
    # pattern is expected, and also that this does not change the "now" message.
    result = _result({"hgb": 8.5, "anc": 0.4, "plt": 30}, sex="female", age=50, days_since_chemo=10)
    assert result.urgency == "now"
    found = _by_code(result)
    assert "does not change what the care-team message asks" in (
        found["pancytopenia"].background or ""
    )
    for f in result.findings:
        assert ROUTINE not in f.action, f.code


@pytest.mark.parametrize("code", CODES)
def test_every_action_mentions_care_team(code: str) -> None:
    assert "care team" in explain(code).action.lower()


def test_neutropenia_mentions_fever_threshold() -> None:
    assert "38.0 C" in explain("neutropenia").action


def test_thrombocytopenia_action_lists_urgent_bleeding_signs() -> None:
    action = explain("thrombocytopenia").action.lower()
    for phrase in ("bleeding", "urine", "stool", "headache", "at once"):
        assert phrase in action


def test_febrile_neutropenia_is_an_emergency() -> None:
    item = explain("febrile-neutropenia")
    assert "0.5" in item.measures
    assert "38.3 C" in item.measures
    assert "38.0 C" in item.measures
    assert "emergency" in item.meaning.lower()
    assert "now" in item.action
    assert "emergency services" in item.action


def test_cytopenias_name_suppression_and_failure() -> None:
    for code in ("bicytopenia", "pancytopenia"):
        meaning = explain(code).meaning.lower()
        assert "chemotherapy" in meaning
        assert "marrow suppression" in meaning
        assert "marrow failure" in meaning
        assert "care team" in meaning


def test_critical_value_mentions_lab_policy() -> None:
    assert "policy" in explain("critical-value").measures


def test_recovery_context_rejects_negative_days() -> None:
    with pytest.raises(ValueError, match="negative"):
        recovery_context(-1)


def test_care_team_messages_keys() -> None:
    assert set(CARE_TEAM_MESSAGES) == {"none", "routine", "soon", "now"}
    for text in CARE_TEAM_MESSAGES.values():
        assert "care team" in text
    assert "emergency services" in CARE_TEAM_MESSAGES["now"]


def test_a_soon_message_after_a_reported_fever_does_not_wait_for_one() -> None:
    # A fever with normal neutrophils is "soon" (the engine); the message must not then say
    # "if you get a fever". The signs needing help at once are in the fever-aware safety line.
    result = _result({"anc": 3.0, "hgb": 13.5, "plt": 250}, sex="female", age=54, temperature=38.5)
    assert result.urgency == "soon"
    assert "fever" not in CARE_TEAM_MESSAGES["soon"]
    assert result.safety == SAFETY_LINE_FEVER


def test_mcv_patterns_keys_and_framing() -> None:
    assert set(MCV_PATTERNS) == {"microcytic", "normocytic", "macrocytic"}
    for text in MCV_PATTERNS.values():
        assert "care team" in text
    assert "iron" in MCV_PATTERNS["microcytic"]
    assert "B12" in MCV_PATTERNS["macrocytic"]
    assert "folate" in MCV_PATTERNS["macrocytic"]


def test_nothing_checked_message_is_not_reassuring() -> None:
    assert "NOT a sign that all is well" in NOTHING_CHECKED_MESSAGE
    assert "care team" in NOTHING_CHECKED_MESSAGE
    assert "age and sex" in NOTHING_CHECKED_MESSAGE


def test_disclaimer_is_one_sentence() -> None:
    assert DISCLAIMER.count(".") == 1
    assert DISCLAIMER.endswith(".")
    assert "medical device" in DISCLAIMER


# --- Patient topics, the safety line, fever-aware words and the timeline -----------------------
TOPIC_CODES = (
    "infection-precautions",
    "bleeding-precautions",
    "anemia-care",
    "nutrition",
    "growth-factors-transfusion",
    "marrow-failure",
    "transplant",
    "chemotherapy-timeline",
)


def test_every_topic_is_there_with_words() -> None:
    assert tuple(TOPICS) == TOPIC_CODES
    for code in TOPIC_CODES:
        item = topic(code)
        assert item.code == code
        assert item.title.strip()
        assert item.summary.strip()
        assert item.points
        assert all(p.strip() for p in item.points)
    with pytest.raises(KeyError, match="known topics"):
        topic("nope")


def test_topic_and_finding_codes_do_not_clash() -> None:
    # `cbc explain NAME` looks up findings first, then topics: one name must mean one page.
    assert not set(TOPICS) & set(EXPLANATIONS)
    for item in EXPLANATIONS.values():
        assert set(item.topics) <= set(TOPICS), item.code


def test_infection_precautions_say_what_the_sources_say() -> None:
    # docs/clinical.md sections 1 and 5: hand washing, sick people and crowds, food safety, and
    # calling before fever-lowering medicine; chills as an early sign.
    text = " ".join(
        (TOPICS["infection-precautions"].summary, *TOPICS["infection-precautions"].points)
    )
    for phrase in ("wash your hands", "ill", "crowds", "food", "before taking", "hide", "chills"):
        assert phrase in text.lower(), phrase


def test_bleeding_precautions_say_what_the_sources_say() -> None:
    text = TOPICS["bleeding-precautions"].summary.lower()
    for phrase in ("soft toothbrush", "electric razor", "aspirin", "ibuprofen", "nsaids"):
        assert phrase in text, phrase
    assert "unless your care team says so" in text
    assert "falls" in text
    assert "contact sports" in text


def test_anemia_care_paces_and_says_when_to_get_help() -> None:
    item = TOPICS["anemia-care"]
    summary = item.summary.lower()
    assert "pace yourself" in summary
    assert "rest" in summary
    assert "get up slowly" in summary
    urgent = [p for p in item.points if "at once" in p]
    assert urgent
    assert "chest pain" in urgent[0]
    assert "breath" in urgent[0]


def test_nutrition_names_the_four_nutrients_and_asks_first() -> None:
    summary = TOPICS["nutrition"].summary
    for nutrient in ("Iron", "vitamin B12", "folate", "protein"):
        assert nutrient in summary
    assert "Ask your care team before taking any supplement" in summary


def test_growth_factors_and_transfusion_are_context_not_advice() -> None:
    item = TOPICS["growth-factors-transfusion"]
    text = " ".join((item.summary, *item.points))
    assert "G-CSF" in text
    assert "erythropoietin" in text
    # AABB thresholds (docs/clinical.md section 5), as background only.
    assert "10 x10^9/L" in text
    assert "7 g/dL" in text
    assert "not advice" in item.summary
    assert "does not recommend" in text
    assert "should" not in text.lower()


def test_marrow_failure_background_names_the_disorders_without_diagnosing() -> None:
    item = TOPICS["marrow-failure"]
    text = " ".join((item.summary, *item.points))
    for name in ("aplastic anemia", "MDS", "PNH", "pure red cell aplasia", "suppression"):
        assert name in text, name
    assert "insufficiency" in text
    assert "dark" in text  # PNH can darken the urine
    assert "cannot tell these apart" in item.summary


def test_recovery_context_follows_the_usual_timeline() -> None:
    # docs/clinical.md section 5: lowest about day 7-14, recovery over 3-4 weeks, marrow
    # cellularity by day 40-60; counts still low past then deserve a review.
    texts = {day: recovery_context(day) for day in (3, 10, 25, 50, 70)}
    assert len(set(texts.values())) == len(texts)
    for day, text in texts.items():
        assert text.startswith(f"Day {day} ")
        assert "not a prediction" in text
    assert "before the usual low point" in texts[3]
    assert "lowest about 7 to 14 days" in texts[3]
    assert "at their lowest" in texts[10]
    assert "expected" in texts[10]
    for day in (3, 10):
        assert "climb" not in texts[day]  # counts are still falling or at their lowest
    assert "climbing back" in texts[25]
    assert "past the usual low point" in texts[25]
    assert "40 to 60" in texts[50]
    assert "review with your care team" in texts[70]
    assert "past the 40 to 60 days" in texts[70]


@pytest.mark.parametrize(
    ("day", "phrase"),
    [
        (0, "before"),
        (6, "before"),
        (7, "lowest"),
        (14, "lowest"),
        (15, "climbing"),
        (30, "climbing"),
        (31, "second month"),
        (60, "second month"),
        (61, "past the 40 to 60"),
    ],
)
def test_recovery_context_phase_edges(day: int, phrase: str) -> None:
    assert phrase in recovery_context(day)


def test_recovery_context_rejects_negative_days_too() -> None:
    with pytest.raises(ValueError, match="negative"):
        recovery_context(-3)


def test_transplant_context_by_kind() -> None:
    auto = transplant_context("auto")
    allo = transplant_context("allo")
    assert "own stem cells" in auto
    assert "stem cell rescue" in auto
    assert "donor" in allo
    assert "donor" not in auto
    for text in (auto, allo):
        # ASTCT engraftment (docs/clinical.md section 5).
        assert "three days in a row at 0.5 x10^9/L" in text
        assert "20 x10^9/L" in text
        assert "ASTCT" in text
        assert "not a prediction" in text
    # Primary graft failure (docs/clinical.md section 5): the deadline the definitions set for
    # donor transplants, day +30 or +42 after cord blood; no deadline is claimed for own cells.
    assert "by day 30, or day 42 after cord blood" in allo
    assert "day 30" not in auto
    assert "usually engraft" not in auto + allo
    with pytest.raises(ValueError, match="auto"):
        transplant_context("cord")  # type: ignore[arg-type]


def test_safety_line_is_the_sources_rule_and_fever_aware() -> None:
    # docs/clinical.md section 5: care straight away with heavy bleeding, a high fever or
    # trouble breathing.
    assert safety_line() == SAFETY_LINE
    for phrase in ("at once", "heavy bleeding", "high fever", "trouble breathing"):
        assert phrase in SAFETY_LINE
    fever = safety_line(fever=True)
    assert fever == SAFETY_LINE_FEVER
    # A person who reported a fever is not told to watch for one, nor to wait for it to climb:
    # shivering, fainting, confusion or fast breathing call for care at once (Cancer.Net).
    assert "high fever" not in fever
    assert "a fever that keeps rising" in fever
    assert "shivering, fainting, confusion or fast breathing" in fever
    assert "heavy bleeding" in fever
    assert "trouble breathing" in fever
    # When the message already says "now", the fever is not something to watch.
    now = safety_line(fever=True, now=True)
    assert "keeps rising" not in now
    assert "shivering, fainting, confusion or fast breathing" in now
    # A baby under 1 year with a fever, low white cells or a "now" gets a baby's line.
    for given in ({"fever": True}, {"low_white": True}, {"now": True}):
        assert "feeds poorly" in safety_line(infant=True, **given)
        assert "confusion" not in safety_line(infant=True, **given)
    assert safety_line(infant=True) == SAFETY_LINE


@pytest.mark.parametrize(
    "code",
    [
        "neutropenia",
        "leukopenia",
        "lymphopenia",
        "bicytopenia",
        "pancytopenia",
        "leukocytosis",
        "neutrophilia",
    ],
)
def test_fever_aware_actions_never_ask_to_watch_for_a_fever(code: str) -> None:
    plain = finding_words(code).action
    fever = finding_words(code, fever=True).action
    assert "38.0 C or higher" in plain or "high fever" in plain
    assert "38.0 C or higher" not in fever
    assert "high fever" not in fever
    assert "take your temperature" not in fever.lower()
    assert "You reported a temperature of 38.0 C or more" in fever
    # The fever sets the pace through the care-team message: no routine ending after it.
    assert ROUTINE not in fever
    assert "care-team message" in fever


ROUTINE = "Otherwise, share this result with your care team at your next visit or call."


def test_fever_aware_infection_precautions() -> None:
    words = finding_words("neutropenia")
    plain = words.precautions or ""
    fever = finding_words("neutropenia", fever=True).precautions or ""
    # Taking the temperature when hot, chilled or unwell (Sunnybrook) is said once, in the
    # action; the precautions under it do not repeat it.
    assert "take your temperature" in words.action
    assert "shivery" in words.action
    assert "temperature" not in plain
    assert "hide one" in plain
    assert "fever you reported" in fever
    assert "take your temperature" not in fever
    assert "Wash your hands" in fever


def test_findings_carry_their_topics() -> None:
    assert "Wash your hands" in (finding_words("neutropenia").precautions or "")
    assert "soft toothbrush" in (finding_words("thrombocytopenia").precautions or "")
    assert "Get up slowly" in (finding_words("anemia").precautions or "")
    assert finding_words("anemia").topics[:2] == ("anemia-care", "nutrition")
    for code in ("pancytopenia", "bicytopenia"):
        words = finding_words(code)
        assert words.precautions is None
        assert words.background == TOPICS["marrow-failure"].summary
        assert words.topics[0] == "marrow-failure"


def test_marrow_background_knows_the_days_since_chemotherapy() -> None:
    soon = finding_words("pancytopenia", days_since_chemo=10).background or ""
    assert "day 10" in soon
    assert "expected" in soon
    # "Expected" never softens an urgent care-team message (a critical value, a fever).
    assert "does not change what the care-team message asks" in soon
    late = finding_words("pancytopenia", days_since_chemo=90).background or ""
    assert "day 90" in late
    assert "review" in late
    assert "expected" not in late


def test_very_high_white_count_opens_with_prompt_review() -> None:
    usual = finding_words("leukocytosis")
    assert usual.meaning.startswith("A high count is often the body's normal answer")
    high = finding_words("leukocytosis", very_high=True)
    # Above 100 x10^9/L: review now, and leukemia before infection (hyperleukocytosis is
    # mostly from leukemia: docs/clinical.md section 5).
    assert high.meaning.startswith(
        "A white count above 100 x10^9/L needs your care team's review now"
    )
    assert high.meaning.index("leukemia") < high.meaning.index("infection")
    # Trouble breathing (docs/clinical.md section 1); leukostasis signs (docs/clinical.md
    # section 5: Center for Nurses; Ganzel 2012 for the 100 x10^9/L threshold).
    assert "trouble breathing" in high.action
    assert "confusion" in high.action


# --- The words in results: every view carries them ------------------------------------------
def _result(values: Mapping[str, float | str], **context: object) -> Result:
    return interpret(values, **context)


def _by_code(result: Result) -> dict[str, Finding]:
    return {f.code: f for f in result.findings}


@pytest.mark.parametrize(
    "values",
    [
        {"hgb": 9.1},
        {"anc": 0.8},
        {"plt": 62},
        {"wbc": 15},
        {"hgb": 5.0},  # critical
        {"hgb": 9.1, "anc": 0.8, "plt": 62},
        {"plt": 600},
    ],
)
def test_every_abnormal_result_carries_the_safety_line(values: dict[str, float]) -> None:
    result = _result(values, sex="female", age=54)
    assert result.urgency != "none"
    # With low neutrophils "a high fever" is named: 38.0 C (docs/clinical.md section 5).
    assert result.safety == (SAFETY_LINE_LOW_WHITE if "anc" in values else SAFETY_LINE)


def test_a_normal_result_has_no_safety_line() -> None:
    result = _result({"hgb": 13.5, "anc": 3.0, "plt": 250, "wbc": 6.0}, sex="female", age=54)
    assert result.urgency == "none"
    assert result.safety is None


def test_nothing_checked_is_not_normal_and_keeps_the_safety_line() -> None:
    # No sex or age: hemoglobin 13.0 is low for a man and normal for a woman, so no range applies.
    result = _result({"hgb": 13.0})
    assert result.message == NOTHING_CHECKED_MESSAGE
    assert result.safety == SAFETY_LINE


def test_a_reported_fever_changes_the_words_not_the_rule() -> None:
    result = _result({"anc": 0.8, "hgb": 13.5, "plt": 250}, sex="female", age=54, temperature=38.4)
    # Fever with low neutrophils: contact now, so the line does not name a fever to watch.
    assert result.urgency == "now"
    assert result.safety == SAFETY_LINE_FEVER_NOW
    neutropenia = _by_code(result)["neutropenia"]
    assert "38.0 C or higher" not in neutropenia.action
    assert "You reported a temperature" in neutropenia.action
    assert "fever you reported" in (neutropenia.precautions or "")
    # Below 38.0 C is no fever: the usual words.
    cool = _result({"anc": 0.8}, sex="female", age=54, temperature=37.2)
    assert cool.safety == SAFETY_LINE_LOW_WHITE
    assert "38.0 C or higher" in _by_code(cool)["neutropenia"].action


def test_findings_carry_their_labelled_parts_and_topics() -> None:
    result = _result({"hgb": 9.1, "anc": 0.8, "plt": 62}, sex="female", age=54)
    found = _by_code(result)
    for f in result.findings:
        page = explain(f.code)
        assert f.measures == page.measures
        assert f.notice == page.notice
        assert f.meaning.startswith(page.meaning)
        # The joined paragraph stays as it was for JSON readers.
        assert f.explanation == f"{f.meaning} {f.notice}"
        assert f.topics == list(page.topics)
    assert "Wash your hands" in (found["neutropenia"].precautions or "")
    # Bleeding precautions below 50 x10^9/L only (docs/clinical.md section 5): 62 is grade 2.
    assert found["thrombocytopenia"].precautions is None
    low = _by_code(_result({"plt": 40}, sex="female", age=54))["thrombocytopenia"]
    assert "soft toothbrush" in (low.precautions or "")
    assert "blood thinner" in (low.precautions or "")
    assert "Get up slowly" in (found["anemia"].precautions or "")
    pancytopenia = found["pancytopenia"]
    assert pancytopenia.topics[0] == "marrow-failure"
    assert "aplastic anemia" in (pancytopenia.background or "")
    assert "cannot tell these apart" in (pancytopenia.background or "")


def test_bicytopenia_raises_the_marrow_background_and_single_lines_do_not() -> None:
    two = _by_code(_result({"anc": 0.8, "plt": 62}, sex="female", age=54))
    assert "marrow-failure" in two["bicytopenia"].topics
    assert two["bicytopenia"].background
    one = _result({"plt": 62}, sex="female", age=54)
    assert all(f.background is None for f in one.findings)
    assert all("marrow-failure" not in f.topics for f in one.findings)


def test_marrow_background_after_chemotherapy_says_expected() -> None:
    result = _result({"hgb": 9.1, "anc": 0.8, "plt": 62}, sex="female", age=54, days_since_chemo=10)
    found = _by_code(result)
    background = found["pancytopenia"].background or ""
    assert "expected" in background
    assert "care-team message" in background
    assert "care team can tell" in found["pancytopenia"].meaning
    assert "aplastic" not in background
    assert recovery_context(10) in result.notes


def test_transplant_context_goes_with_the_transplant_option() -> None:
    plain = _result({"anc": 0.3}, sex="male", age=40)
    assert plain.patient.transplant is None
    assert not any("engraft" in n for n in plain.notes)
    auto = _result({"anc": 0.3}, sex="male", age=40, transplant="auto")
    assert auto.patient.transplant == "auto"
    assert transplant_context("auto") in auto.notes
    allo = _result({"anc": 0.3}, sex="male", age=40, transplant="ALLO")
    assert transplant_context("allo") in allo.notes


def test_transplant_kind_is_checked() -> None:
    with pytest.raises(UsageError, match="auto"):
        _result({"anc": 0.3}, transplant="cord")


def test_white_count_of_150_needs_prompt_review() -> None:
    high = _by_code(_result({"wbc": "150 10^9/L"}, sex="female", age=54))["leukocytosis"]
    assert high.meaning.startswith("A white count above 100 x10^9/L needs your care team's")
    assert "confusion" in high.action
    usual = _by_code(_result({"wbc": 15}, sex="female", age=54))["leukocytosis"]
    assert usual.meaning.startswith("A high count is often the body's normal answer")


def test_every_view_carries_the_safety_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", "--hgb", "9.1", "--sex", "female", "--age", "54"]
    code, out, _ = run_cli(capsys, *args, "--format", "json")
    assert code == 0
    assert json.loads(out)["results"][0]["safety"] == SAFETY_LINE
    code, out, _ = run_cli(capsys, *args, "--format", "fhir")
    report = next(
        e["resource"]
        for e in json.loads(out)["entry"]
        if e["resource"]["resourceType"] == "DiagnosticReport"
    )
    assert SAFETY_LINE in report["conclusion"]
    code, out, _ = run_cli(capsys, *args, "--format", "hl7")
    ntes = [seg for seg in out.replace("\n", "\r").split("\r") if seg.startswith("NTE|")]
    assert any(SAFETY_LINE in seg and seg.endswith("|PI") for seg in ntes)
    code, out, _ = run_cli(capsys, *args)
    assert "Seek care at once" in out
    for label in (
        "What it measures:",
        "What it can mean:",
        "What you might notice:",
        "What to do:",
        "Precautions:",
    ):
        assert label in out, label


def test_schema_names_the_new_fields() -> None:
    schema = json_schema()
    finding = schema["$defs"]["Finding"]["properties"]
    for name in (
        "measures",
        "meaning",
        "notice",
        "precautions",
        "background",
        "topics",
        "explanation",
        "action",
    ):
        assert name in finding, name
    assert "safety" in schema["$defs"]["Result"]["properties"]
    assert "transplant" in schema["$defs"]["PatientInfo"]["properties"]


def test_febrile_neutropenia_keeps_to_its_emergency_action() -> None:
    words = finding_words("febrile-neutropenia", fever=True)
    assert words.precautions is None
    assert words.topics == ("infection-precautions",)
    assert "now" in words.action


def test_a_childs_care_team_messages_address_the_parent() -> None:
    # docs/clinical.md section 6: with an age under 18 the reader is most often a parent.
    for text in (
        *CHILD_CARE_TEAM_MESSAGES.values(),
        CHILD_NOTHING_CHECKED_MESSAGE,
        CHILD_SOON_WITH_FEVER_MESSAGE,
    ):
        assert "your child's care team" in text, text
        assert not re.search(r"\byou (feel|start|bleed|have)\b", text), text
    assert "emergency services" in CHILD_CARE_TEAM_MESSAGES["now"]


@pytest.mark.parametrize("code", ["leukocytosis", "thrombocytosis", "erythrocytosis"])
def test_a_critically_high_count_says_why_and_now(code: str) -> None:
    # docs/clinical.md section 5: beyond its critical limit a high count is never worded as a
    # mild one; it says what it can be seen with, why it is urgent, and to act now.
    usual = finding_words(code)
    high = finding_words(code, high_level="critical")
    assert high.meaning != usual.meaning
    assert "review now" in high.meaning
    assert high.action.startswith("Contact your care team now")
    assert "rarely" not in high.notice.lower()
    assert "normal answer" not in high.meaning


def test_a_low_count_leads_with_chemotherapy_only_after_it() -> None:
    # docs/clinical.md section 5: chemotherapy leads when days since chemotherapy are given, is
    # one cause of several otherwise, and gives way to causes that fit a child or a pregnancy.
    for code in ("anemia", "neutropenia", "thrombocytopenia", "leukopenia", "pancytopenia"):
        after = finding_words(code, days_since_chemo=10).meaning
        assert after.lower().index("chemotherapy") < 80, code
        plain = finding_words(code).meaning
        assert not plain.startswith(("A low value is common during", "A low count is expected"))
        child = finding_words(code, person="child").meaning
        assert "chemotherapy" not in child, code
    pregnant = finding_words("anemia", person="pregnant").meaning
    assert "chemotherapy" not in pregnant
    assert "iron" in pregnant


def test_chemotherapy_stops_leading_once_low_counts_are_no_longer_expected() -> None:
    # docs/clinical.md section 1 (marrow cellularity usually normal by 40 to 60 days) and the
    # recovery note past day 60 ("counts that are still low now deserve a review"): a count
    # still low at day 200 is not called expected; at day 60 it still is.
    for code in ("anemia", "neutropenia", "thrombocytopenia", "leukopenia", "pancytopenia"):
        late = finding_words(code, days_since_chemo=200).meaning
        assert late == finding_words(code).meaning, code
        assert "expected" not in late, code
        assert "common during and after" not in late, code
        edge = finding_words(code, days_since_chemo=60).meaning
        assert edge.lower().index("chemotherapy") < 80, code


def test_a_childs_finding_speaks_to_the_parent() -> None:
    # docs/clinical.md section 6: with an age under 18 the reader is most often a parent, so the
    # findings speak of "your child" as the care-team message does, never of "you" feeling
    # unwell, and the urgency words are the same.
    banned = re.compile(
        r"\byou feel\b|yourself|\byour care team|\byour sight|prescribed for you\b"
        r"|before taking|take your temperature|at your next visit or call"
    )
    for code in EXPLANATIONS:
        for fever in (False, True):
            for level in ("", "critical", "hyper"):
                for days in (None, 10):
                    for crit in ((), ("low",), ("high",)):
                        words = finding_words(
                            code,
                            person="child",
                            fever=fever,
                            high_level=level,
                            days_since_chemo=days,
                            critical=crit,
                        )
                        adult = finding_words(
                            code,
                            fever=fever,
                            high_level=level,
                            days_since_chemo=days,
                            critical=crit,
                        )
                        for part in (
                            words.meaning,
                            words.notice,
                            words.action,
                            words.precautions or "",
                            words.background or "",
                        ):
                            assert not banned.search(part), (code, part)
                        for urgent in ("at once", " now", "emergency services"):
                            assert (urgent in words.action) == (urgent in adult.action), code
    anc = finding_words("neutropenia", person="child")
    assert "If your child feels hot" in anc.action
    assert "your child's care team" in anc.action


# --- A clinical reviewer's reading of the newborn and child pages (cbc check, as printed) ---


def _page_words(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """cbc check's page for ARGS, line breaks and box edges folded into single spaces."""
    code, out, _ = run_cli(capsys, "check", *args)
    assert code == 0, out
    return " ".join(re.sub(r"[┃│┏┓┗┛╭╮╰╯]", " ", out).split())


def _finding_block(page: str, title: str) -> str:
    """The words of one finding on a page, from its bullet to the next finding or the notes."""
    start = page.index(f"• {title}")
    rest = page[start + 2 :]
    ends = [i for i in (rest.find("• "), rest.find("Range for "), rest.find("Grading:")) if i > 0]
    return rest[: min(ends)] if ends else rest


def test_a_newborns_thick_blood_is_said_to_flow_slowly_not_to_clot(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Walter AW, Perinatal polycythemia and hyperviscosity syndrome (Merck Manual Professional,
    # reviewed December 2022): thick blood sludges in the small vessels, and only sometimes
    # clots; Pappas & Delaney-Black 2004: flow to the organs can fall. Hematocrit 72% at 2 days
    # is beyond the newborn critical limit (> 70%, St. Luke's: docs/clinical.md section 5).
    critical = _finding_block(_page_words(capsys, "--hct", "72", "--age", "2d"), "Critical value")
    assert "clots more easily" not in critical
    assert "flows slowly through the smallest vessels" in critical
    assert "less oxygen to the organs" in critical
    # An adult's very high hemoglobin keeps the clot (nidirect polycythaemia: stroke, DVT).
    adult = _page_words(capsys, "--hgb", "21.5", "--sex", "male", "--age", "50")
    assert "clots more easily" in _finding_block(adult, "Critical value")


def test_a_newborns_high_hemoglobin_below_the_critical_limit_has_a_babys_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Hemoglobin 25 g/dL at 2 days: above the newborn range (14.5-22.5, Dallman; ARUP 0040085),
    # not above the critical limit (> 25.0, St. Luke's): a routine finding. Merck (Walter 2022):
    # thick blood; causes at this age are too little oxygen before birth, extra blood from the
    # placenta, a mother's diabetes, and losing body water mimics it; signs a ruddy look,
    # jaundice, poor feeding, lethargy, a bluish colour, breathing trouble; jitteriness (Wiswell
    # 1986). Wirth 1979: a heel-prick (capillary) hematocrit can read falsely high.
    page = _page_words(capsys, "--hgb", "25", "--age", "2d")
    assert "Tell your child's care team at the next visit or call" in page
    high = _finding_block(page, "Erythrocytosis")
    for said in (
        "In a newborn",
        "flows slowly through the smallest vessels",
        "placenta",
        "lost body water",
        "A heel-prick sample can read higher than blood from a vein; the care team may recheck it.",
        "jitteriness",
        "jaundice",
        "poor feeding",
        "Some babies show nothing.",
        "Get help at once if your baby has trouble breathing",
        "share this result with your child's care team at the next visit or call",
    ):
        assert said in high, said
    # An adult's words: none that a baby cannot tell or that does not fit a baby.
    for adult in ("smoking", "headaches", "chest pain", "swollen leg", "stroke", "itching"):
        assert adult not in high, adult
    # Routine: no word of acting now.
    assert " now" not in high


def test_a_newborns_high_hematocrit_alone_has_the_thick_blood_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Merck (Walter 2022): neonatal polycythemia is a venous hematocrit of 65% or more; 66% at 2
    # days is above the range (45.0-64.9, ARUP 0040080) and below the critical limit (> 70%).
    page = _page_words(capsys, "--hct", "66", "--age", "2d")
    assert "A heel-prick sample can read higher" in _finding_block(page, "Erythrocytosis")


def test_newborn_thick_blood_jitteriness_cites_a_source_that_was_read() -> None:
    # Jitteriness in neonatal polycythemia: Wiswell TE, et al. Pediatrics 1986;78(1):26 (the
    # Medscape page once cited could not be found again).
    from pathlib import Path

    import cbc_cli.explanations.sources as module

    clinical = (Path(__file__).parents[1] / "docs" / "clinical.md").read_text()
    assert "some babies with no sign [Wiswell 1986]" in clinical
    assert "- [Wiswell 1986] Wiswell TE, et al." in clinical
    assert "Pediatrics 1986;78(1):26" in clinical
    code = Path(module.__file__).read_text()  # the wording's sources
    assert "Wiswell TE, et al." in code
    for text in (clinical, code):
        assert "Kandasamy" not in text


def test_two_critical_counts_say_what_you_might_notice_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Platelets 30 (below 53, Kost 1991 / 20-50 adult limits) and WBC 40 (above 37 for adults,
    # Kost 1990): low and high at once. One "It depends on the count" with both lists.
    critical = _finding_block(_page_words(capsys, "--plt", "30", "--wbc", "40"), "Critical value")
    assert critical.count("It depends on the count") == 1
    assert critical.count("Some people notice nothing") == 1
    assert "bleeding or bruising with very low platelets" in critical
    assert "with a very high white count" in critical
    for crit in (("low", "high"), ()):
        notice = finding_words("critical-value", critical=crit).notice
        assert notice.count("It depends on the count") == 1, crit
        assert notice.count("Some people notice nothing") == 1, crit


def test_a_childs_high_count_does_not_name_smoking(capsys: pytest.CaptureFixture[str]) -> None:
    # Riley & Rupert 2015 (Am Fam Physician) and the Williams table name smoking among the causes
    # of a high white or neutrophil count, the Mayo Clinic among those of a high hemoglobin: a
    # cause of adults, not of a child or a baby.
    child = _finding_block(_page_words(capsys, "--wbc", "40", "--age", "10"), "Leukocytosis")
    assert "smoking" not in child
    assert "infection" in child
    adult = _finding_block(_page_words(capsys, "--wbc", "15", "--age", "40"), "Leukocytosis")
    assert "smoking" in adult
    for code in EXPLANATIONS:
        for person in ("child", "newborn"):
            for level in ("", "critical"):
                words = finding_words(code, person=person, high_level=level)
                assert "smoking" not in words.meaning, (code, person, level)


def test_the_newborn_ctcae_caveat_ends_with_a_full_stop(
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = _page_words(capsys, "--plt", "45", "--age", "10d")
    assert "the newborn critical limits for the baby's age are the better guide." in page


def test_a_newborns_findings_call_the_baby_your_baby(capsys: pytest.CaptureFixture[str]) -> None:
    # A newborn's lines speak of "your baby"; the care team is "your child's care team", as in
    # the care-team message above them.
    critical = _finding_block(_page_words(capsys, "--plt", "20", "--age", "10d"), "Critical value")
    assert "If your baby seems very unwell" in critical
    assert "even if your baby seems well" in critical
    assert "your child's care team now" in critical
    assert "your child seems" not in critical
    stray = re.compile(r"\b[Yy]our child\b(?!'s care team)")
    for code in EXPLANATIONS:
        for fever in (False, True):
            for level in ("", "critical"):
                for crit in ((), ("low",), ("high",), ("low", "high")):
                    words = finding_words(
                        code, person="newborn", fever=fever, high_level=level, critical=crit
                    )
                    for part in (
                        words.meaning,
                        words.notice,
                        words.action,
                        words.precautions or "",
                        words.background or "",
                    ):
                        assert not stray.search(part), (code, part)


@pytest.mark.parametrize("temperature", [None, 38.4])
@pytest.mark.parametrize(
    "values",
    [
        {"anc": 0.4},
        {"anc": 0.8, "plt": 40, "wbc": 3.0},
        {"hgb": 7.0, "plt": 30, "anc": 0.6},
        {"hgb": 23.0},
        {"wbc": 1.5},
        {"wbc": 10.0, "anc": 3.0, "plt": 300},
    ],
)
def test_a_young_childs_words_never_call_them_a_baby_who_feeds(
    values: Mapping[str, float], temperature: float | None
) -> None:
    # 1 to 2 years: the baby's signs, worded for a young child (eats or drinks, not feeds).
    result = _result(values, sex="female", age="18m", temperature=temperature)
    words = [result.message, result.safety or ""]
    for f in result.findings:
        words += [f.meaning, f.notice, f.action, f.precautions or ""]
    said = " ".join(words).lower()
    for word in ("baby", "babies", "feeds", "poor feeding", "will not feed", "shivering"):
        assert word not in said, word
    assert "confusion" not in said
