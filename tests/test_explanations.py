"""Tests for cbc_cli.explanations: completeness and safe wording of the plain-language texts."""

import re

import pytest

from cbc_cli.explanations import (
    CARE_TEAM_MESSAGES,
    DISCLAIMER,
    EXPLANATIONS,
    MCV_PATTERNS,
    NOTHING_CHECKED_MESSAGE,
    Explanation,
    explain,
    recovery_context,
)

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
    texts.append(NOTHING_CHECKED_MESSAGE)
    texts.append(DISCLAIMER)
    texts.extend(recovery_context(day) for day in (0, 30, 31, 60, 61, 365))
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


def test_recovery_context_phases() -> None:
    texts = {day: recovery_context(day) for day in (0, 30, 31, 60, 61)}
    assert len(set(texts.values())) == 5
    for day, text in texts.items():
        assert f"Day {day} " in text
        assert "not a prediction" in text
    assert "first month" in texts[0]
    assert "first month" in texts[30]
    assert "40 to 60" in texts[31]
    assert "40 to 60" in texts[60]
    assert "years" in texts[61]
    assert "first month" not in texts[31]
    assert "40 to 60" not in texts[61]


def test_recovery_context_rejects_negative_days() -> None:
    with pytest.raises(ValueError, match="negative"):
        recovery_context(-1)


def test_care_team_messages_keys() -> None:
    assert set(CARE_TEAM_MESSAGES) == {"none", "routine", "soon", "now"}
    for text in CARE_TEAM_MESSAGES.values():
        assert "care team" in text
    assert "emergency services" in CARE_TEAM_MESSAGES["now"]


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
