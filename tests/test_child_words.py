"""A parent typing a child's counts is spoken to as a parent everywhere (the urgency title on
the terminal page and in the HTML report, ``cbc trend``'s sentences, messages and headings), and
a child's answer is never weaker than an adult's: the child's own ranges and critical limits
apply. An adult's words do not change.

Clinical facts used (docs/clinical.md sections 3 and 5): the pediatric bands end at 18 years;
ANC below 0.5 x10^9/L is a critical value at every age and CTCAE v5.0 grade 4; children's
platelets at 6 to 9 years are 187-400 x10^9/L (Mayo Clinic Health System, PLTC), adults'
140-450 (Merck Manual); children's critical platelet limit is below 53 (Kost, Pediatrics 1991),
adults' below 37 (Kost, JAMA 1990); with no age, ANC < 0.5 is critical at every age.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli as run

from cbc_cli.api import interpret
from cbc_cli.models import PatientInfo
from cbc_cli.trend.words import for_parent
from cbc_cli.wording import (
    CHILD_URGENCY_TITLE,
    URGENCY_TITLE,
    is_child_info,
    urgency_title,
)

ADULT_TITLES = ("Contact your care team now", "Contact your care team soon")


def _titled(title: str, page: str) -> bool:
    """Whether the page's care-team box carries this title (a heavy box for now, else rounded)."""
    return re.search(rf"[┏╭][━─] {re.escape(title)} [━─]", page) is not None


def _flat(text: str) -> str:
    """The page's words with line breaks and box edges folded into single spaces."""
    return " ".join(re.sub(r"[┃│]", " ", text).split())


# --- cbc check ------------------------------------------------------------------------------


def test_child_of_6_with_anc_0_4_is_urgent_and_the_parent_is_addressed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    values = ["check", "--anc", "0.4", "--age", "6"]
    _, out, _ = run(capsys, *values, "--format", "json")
    result = json.loads(out)["results"][0]
    # ANC < 0.5 is critical at every age, and CTCAE v5.0 grade 4 (< 0.5 x10^9/L).
    assert result["urgency"] == "now"
    anc = result["analytes"][0]
    assert anc["flag"] == "LL"
    assert result["grades"]["neutropenia"] == 4
    # The child's band (University of Iowa pediatric table, 5-18 years), not the adult's
    # (Williams: 1.8-7.7).
    assert "Pediatric" in anc["reference_range"]["source"]
    assert anc["reference_range"]["low"] != 1.8
    # The JSON message is the parent's; the codes are the contract's own.
    assert "Contact your child's care team now" in result["message"]
    assert "Contact your care team" not in result["message"]
    assert {f["code"] for f in result["findings"]} == {"neutropenia", "critical-value"}

    _, out, _ = run(capsys, *values)
    page = _flat(out)
    assert _titled("Contact your child's care team now", out)
    assert not any(title in page for title in ADULT_TITLES)

    html = tmp_path / "child.html"
    run(capsys, *values, "--format", "html", "-o", str(html))
    text = html.read_text(encoding="utf-8").replace("&#39;", "'")
    assert "</span> Contact your child's care team now</h1>" in text or (
        "</span> Contact your child's care team now</h2>" in text
    )
    assert not any(title in text for title in ADULT_TITLES)


def test_an_adults_title_and_message_are_unchanged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    values = ["check", "--anc", "0.4", "--age", "40"]
    _, out, _ = run(capsys, *values, "--format", "json")
    result = json.loads(out)["results"][0]
    assert result["urgency"] == "now"
    assert result["message"].endswith(
        "Contact your care team now. If they cannot be reached, call emergency services."
    )
    _, out, _ = run(capsys, *values)
    assert _titled("Contact your care team now", out)
    assert "child" not in out
    html = tmp_path / "adult.html"
    run(capsys, *values, "--format", "html", "-o", str(html))
    assert "child" not in html.read_text(encoding="utf-8")


def test_a_childs_soon_and_routine_titles(capsys: pytest.CaptureFixture[str]) -> None:
    # Platelets 120 at 6 years: below the child's range (187), CTCAE v5.0 grade 1 (from the
    # LLN down to 75): routine.
    _, out, _ = run(capsys, "check", "--plt", "120", "--age", "6", "--sex", "male")
    assert _titled("Mention at your child's next contact", out)
    _, out, _ = run(capsys, "check", "--hgb", "7.5", "--age", "6", "--sex", "male")
    # Hemoglobin 7.5 g/dL: CTCAE v5.0 grade 3 (< 8.0), above the child's critical limit (6.9).
    assert _titled("Contact your child's care team soon", out)
    _, out, _ = run(capsys, "check", "--hgb", "7.5", "--age", "30", "--sex", "male")
    assert _titled("Contact your care team soon", out)


def test_the_html_summary_speaks_to_a_parent_only_when_every_sample_named_is_a_childs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    children = tmp_path / "children.csv"
    children.write_text("sample_id,sex,age,anc\nK1,F,6,0.4\nK2,M,9,3.0\n", encoding="utf-8")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("sample_id,sex,age,anc\nK1,F,6,0.4\nA1,M,50,0.3\n", encoding="utf-8")
    for source, child in ((children, True), (mixed, False)):
        page = tmp_path / "page.html"
        run(capsys, "check", str(source), "--format", "html", "-o", str(page))
        text = page.read_text(encoding="utf-8").replace("&#39;", "'")
        most = "Most urgent: Contact your child's care team now"
        assert (most in text) is child
        assert ("Most urgent: Contact your care team now" in text) is not child
        # Each sample keeps its own title.
        assert text.count("Contact your child's care team now</h3>") == 1


def test_a_childs_notes_on_the_usual_course_speak_to_the_parent() -> None:
    child = interpret({"hgb": "9.0"}, sex="female", age=6, days_since_chemo=12)
    adult = interpret({"hgb": "9.0"}, sex="female", age=40, days_since_chemo=12)
    assert any("not a prediction for your child" in n for n in child.notes)
    assert any("not a prediction for you," in n for n in adult.notes)
    child = interpret({"plt": "80"}, sex="female", age=6, transplant="auto")
    adult = interpret({"plt": "80"}, sex="female", age=40, transplant="auto")
    assert any("(your child's own stem cells," in n for n in child.notes)
    assert any("not a prediction for your child." in n for n in child.notes)
    assert any("(your own stem cells," in n for n in adult.notes)


def test_febrile_neutropenia_in_a_child_speaks_of_the_child() -> None:
    # Fever 38.6 C with ANC 0.3: febrile neutropenia (IDSA 2010), now at every age.
    r = interpret({"anc": "0.3"}, age=6, temp=38.6)
    assert r.urgency == "now"
    found = next(f for f in r.findings if f.code == "febrile-neutropenia")
    assert "even when the child seems fairly well" in found.meaning
    assert "your child's care team now" in found.action


@pytest.mark.parametrize(
    ("age", "child"),
    [
        (None, False),
        ("17 y", True),
        ("18 y", False),
        ("54 y", False),
        ("200 m", True),
        ("216 m", False),
        ("3 w", True),
        ("10 d", True),
        ("0 y", True),
    ],
)
def test_who_counts_as_a_child_on_a_result(age: str | None, child: bool) -> None:
    assert is_child_info(PatientInfo(age=age)) is child


def test_the_pages_and_the_engine_agree_on_who_is_a_child() -> None:
    for age in (0, 1, 6, 17, 18, 40):
        r = interpret({"hgb": "12.0"}, sex="female", age=age)
        assert is_child_info(r.patient) is (age < 18)
    # Only the words change: the urgency codes are the same for both.
    assert set(CHILD_URGENCY_TITLE) == set(URGENCY_TITLE)
    assert urgency_title("now") == "Contact your care team now"
    assert urgency_title("now", child=True) == "Contact your child's care team now"


# --- cbc trend ------------------------------------------------------------------------------

# Platelets over three weekly draws after chemotherapy: 160, then 70, then 30 x10^9/L.
SERIES = (
    "patient_id,collected_at,sex,plt\nK1,2026-03-02,F,160\nK1,2026-03-09,F,70\nK1,2026-03-16,F,30\n"
)


def _trend(
    capsys: pytest.CaptureFixture[str], source: Path, *options: str
) -> tuple[dict[str, Any], str]:
    base = ["trend", str(source), "--analyte", "plt", "--since", "2026-03-02", *options]
    _, out, _ = run(capsys, *base, "--format", "json")
    person = json.loads(out)["persons"][0]
    _, page, _ = run(capsys, *base)
    return person, page


def test_a_childs_platelet_series_speaks_to_the_parent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "child.csv"
    source.write_text(SERIES, encoding="utf-8")
    person, out = _trend(capsys, source, "--age", "6")
    plt = person["analytes"][0]
    # The child's range (Mayo, 6-9 years: 187-400), never the adult's 140-450: 160 is low.
    assert (plt["range_low"], plt["range_high"]) == (187.0, 400.0)
    assert plt["points"][0]["flag"] == "L"
    # 30 is below the children's critical limit (53, Kost 1991): now.
    assert plt["latest"]["flag"] == "LL"
    assert person["urgency"] == "now"
    assert "Contact your child's care team now" in person["message"]
    changes = person["changes"]
    assert len(changes) == 2  # platelets halved twice
    for change in changes:
        assert change["message"].endswith("is worth a call to your child's care team.")
    assert person["timeline"].endswith(
        "not a prediction for your child; it varies with the treatment given."
    )
    page = _flat(out)
    assert _titled("Contact your child's care team now", out)
    assert "Changes worth a call to your child's care team" in page
    assert not any(title in page for title in ADULT_TITLES)
    assert "prediction for you;" not in page

    html = tmp_path / "trend.html"
    run(capsys, "trend", str(source), "-a", "plt", "--age", "6", "-f", "html", "-o", str(html))
    text = html.read_text(encoding="utf-8").replace("&#39;", "'")
    assert "</span> Contact your child's care team now</h2>" in text
    assert "Changes worth a call to your child's care team</h2>" in text


def test_a_date_of_birth_or_an_age_column_makes_the_series_a_childs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "child.csv"
    source.write_text(SERIES, encoding="utf-8")
    person, _ = _trend(capsys, source, "--dob", "2019-06-01")
    assert "your child's care team" in person["message"]
    assert person["analytes"][0]["range_low"] == 187.0
    column = tmp_path / "column.csv"
    column.write_text(SERIES.replace(",sex,", ",sex,age,").replace(",F,", ",F,6,"), "utf-8")
    person, _ = _trend(capsys, column)
    assert "your child's care team" in person["message"]


def test_an_adults_series_is_worded_as_before(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "adult.csv"
    source.write_text(SERIES, encoding="utf-8")
    person, out = _trend(capsys, source, "--age", "40")
    plt = person["analytes"][0]
    # The adult range (Merck: 140-450): 160 is within it.
    assert (plt["range_low"], plt["range_high"]) == (140.0, 450.0)
    assert plt["points"][0]["flag"] == "N"
    for change in person["changes"]:
        assert change["message"].endswith("is worth a call to the care team.")
    assert person["timeline"].endswith(
        "not a prediction for you; it varies with the treatment given."
    )
    page = _flat(out)
    assert _titled("Contact your care team now", out)
    assert "Changes worth a call to the care team" in page
    assert "child" not in page


def test_a_series_without_an_age_says_how_it_was_judged_and_stays_urgent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "noage.csv"
    source.write_text(
        "patient_id,collected_at,plt,anc\nK1,2026-03-02,160,1.9\nK1,2026-03-09,70,0.4\n",
        encoding="utf-8",
    )
    base = ["trend", str(source), "-a", "plt", "-a", "anc"]
    _, out, _ = run(capsys, *base, "--format", "json")
    person = json.loads(out)["persons"][0]
    # No age: ANC < 0.5 is critical at every age, which keeps it urgent.
    assert person["urgency"] == "now"
    said = [n for n in person["notes"] if "judged against every range that could apply" in n]
    assert len(said) == 1
    assert said[0].startswith("sex and age not given: plt, anc were judged")
    assert "--age or --dob" in said[0]
    # Nothing says a child's range or an adult's was chosen: none was.
    assert person["analytes"][0]["range_low"] is None
    _, page, _ = run(capsys, *base)
    assert "judged against every range that could apply" in _flat(page)
    assert "child" not in page


def test_for_parent_rewords_only_who_is_addressed() -> None:
    said = (
        "A fall after a recovery is worth a call to the care team. Your care team will know "
        "whether this matters for you; only your care team can say what it means for you."
    )
    assert for_parent(said) == (
        "A fall after a recovery is worth a call to your child's care team. Your child's care "
        "team will know whether this matters for your child; only your child's care team can "
        "say what it means for your child."
    )
    # Already a parent's words: unchanged.
    assert for_parent(for_parent(said)) == for_parent(said)
    assert for_parent("a review for your child's care team") == (
        "a review for your child's care team"
    )


def test_a_childs_lost_recovery_alert_after_a_transplant_speaks_to_the_parent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # ASTCT: neutrophil recovery is the first of 3 successive draws with ANC 0.5 or more; a later
    # draw below 0.5 loses it (an alert, soon: the rules file's lost_urgency).
    rows = ["patient_id,collected_at,age,anc"]
    rows += [f"T9,2026-05-{day:02d},9,{anc}" for day, anc in ((5, 0.1), (12, 0.6), (13, 0.7))]
    rows += ["T9,2026-05-14,9,0.8", "T9,2026-05-20,9,0.4"]
    source = tmp_path / "tx.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    argv = ["trend", str(source), "-a", "anc", "--since", "2026-05-01", "--transplant", "pb"]
    _, out, _ = run(capsys, *argv, "--format", "json")
    person = json.loads(out)["persons"][0]
    (alert,) = person["alerts"]
    assert alert["code"] == "neutrophil-recovery-lost"
    assert "worth a call to your child's care team" in alert["message"]
    assert alert["message"].endswith("only they can say what it means for your child.")
    adult = source.read_text(encoding="utf-8").replace(",9,", ",45,")
    source.write_text(adult, encoding="utf-8")
    _, out, _ = run(capsys, *argv, "--format", "json")
    (alert,) = json.loads(out)["persons"][0]["alerts"]
    assert alert["message"].endswith("only they can say what it means for you.")
