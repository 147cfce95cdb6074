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

from cbc_cli import schema_document
from cbc_cli.api import interpret
from cbc_cli.grading import load_scheme, scheme_info
from cbc_cli.models import Result
from cbc_cli.report.html import check_page
from cbc_cli.trend.words import for_parent
from cbc_cli.wording import (
    CHILD_URGENCY_TITLE,
    URGENCY_TITLE,
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
    assert _titled("Tell your child's care team at the next visit or call", out)
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


# Who the pages address, read from the rendered pages (terminal, HTML) and the JSON, never from
# internals: the pediatric bands end at 18 years (docs/clinical.md section 3), so a 17-year-old's
# page speaks to a parent and an 18-year-old's does not; an age not given cannot tell (an adult's
# words); a newborn is a child. ANC 0.4 is a critical value at every age: the title is "now".
@pytest.mark.parametrize(
    ("person", "child"),
    [
        ((), False),
        (("--age", "17"), True),
        (("--age", "18"), False),
        (("--age", "54"), False),
        (("--age", "10d"), True),
        (("--age", "6m"), True),
        # From the dates: one day short of 18 is still a child; the 18th birthday is not.
        (("--dob", "2008-03-13", "--collected", "2026-03-12"), True),
        (("--dob", "2008-03-12", "--collected", "2026-03-12"), False),
    ],
)
def test_who_the_pages_address(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, person: tuple[str, ...], child: bool
) -> None:
    values = ["check", "--anc", "0.4", *person]
    _, out, _ = run(capsys, *values, "--format", "json")
    result = json.loads(out)["results"][0]
    assert result["urgency"] == "now"
    assert result["patient"]["child"] is child
    assert ("Contact your child's care team now" in result["message"]) is child

    _, page, _ = run(capsys, *values)
    assert _titled("Contact your child's care team now", page) is child
    assert _titled("Contact your care team now", page) is not child

    html = tmp_path / "page.html"
    run(capsys, *values, "--format", "html", "-o", str(html))
    text = html.read_text(encoding="utf-8").replace("&#39;", "'")
    assert ("Contact your child's care team now" in text) is child
    assert ("Contact your care team now" in text) is not child


def test_the_pages_follow_the_engines_decision_not_the_age_text() -> None:
    # The result carries who its words are for, decided once by the engine: a view reads
    # PatientInfo.child and never works it back from the age text ("17 y").
    for age in (0, 1, 6, 17, 18, 40):
        r = interpret({"hgb": "12.0"}, sex="female", age=age)
        assert r.patient.child is (age < 18)
    r = interpret({"anc": "0.4"}, age=17)
    r.patient.age = "40 y"  # the text alone does not make an adult of the child
    page = _page(r)
    assert "Contact your child's care team now" in page
    assert "Contact your care team now" not in page
    # Only the words change: the urgency codes are the same for both.
    assert set(CHILD_URGENCY_TITLE) == set(URGENCY_TITLE)
    assert urgency_title("now") == "Contact your care team now"
    assert urgency_title("now", child=True) == "Contact your child's care team now"


def _page(result: Result) -> str:
    """The HTML page of one result, its apostrophes as typed."""
    return check_page([result], scheme_info(load_scheme())).replace("&#39;", "'")


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
    said = [n for n in person["notes"] if "judged against every range" in n]
    assert said == [
        "Sex and age not given: platelets and ANC were judged against every range for either "
        "sex, from newborn to adult; each flag holds for all of them. Give the age (or a date "
        "of birth) and the sex so that the person's own ranges apply."
    ]
    # Nothing says a child's range or an adult's was chosen: none was.
    assert person["analytes"][0]["range_low"] is None
    _, page, _ = run(capsys, *base)
    flat = _flat(page)
    # Said before the care-team box, where it is read before acting.
    assert flat.index("judged against every range") < flat.index("Contact your care team now")
    assert "child" not in page
    html = tmp_path / "noage.html"
    run(capsys, *base, "--format", "html", "-o", str(html))
    text = html.read_text(encoding="utf-8").replace("&#39;", "'")
    assert text.index("were judged against every range") < text.index('class="urgency ')
    # Only the age missing: the sex is not asked for.
    source.write_text(
        "patient_id,collected_at,sex,plt\nK1,2026-03-02,F,160\nK1,2026-03-09,F,70\n", "utf-8"
    )
    _, out, _ = run(capsys, "trend", str(source), "--format", "json")
    notes = json.loads(out)["persons"][0]["notes"]
    assert (
        "Age not given: platelets were judged against every range from newborn to adult; each "
        "flag holds for all of them. Give the age (or a date of birth) so that the person's own "
        "ranges apply."
    ) in notes


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


# --- a newborn (under 1 month) --------------------------------------------------------------
# Newborn neutrophil limits change by the hour and day (Manroe 1979; docs/clinical.md section
# 3), so an older child's "a low count often comes with a viral infection and recovers within a
# few weeks" (Alexandropoulou 2013, children with febrile illness) does not hold; an infection in
# a newborn can turn serious quickly (Merck Manual, Neonatal sepsis); a newborn's low hemoglobin
# can come from blood lost around birth (Merck Manual, Anemia in the newborn), not most often
# from low iron; a newborn's low platelets come from causes before birth, the mother's
# antibodies or infection (Chakravorty & Roberts 2012), not immune thrombocytopenia after a viral
# infection. A baby cannot report tiredness, dizziness, headaches or chest pain.


def _result(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """The JSON result of ``cbc check ARGS`` (one result)."""
    _, out, _ = run(capsys, "check", *args, "--format", "json")
    return json.loads(out)["results"][0]  # type: ignore[no-any-return]


def _findings(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, Any]]:
    return {f["code"]: f for f in _result(capsys, *args)["findings"]}


def test_a_newborns_low_neutrophils_are_not_reassured_as_a_childs_passing_virus(
    capsys: pytest.CaptureFixture[str],
) -> None:
    newborn = _result(capsys, "--anc", "0.3", "--age", "5d")
    child = _result(capsys, "--anc", "0.3", "--age", "5y")
    # The urgency and the codes are the same for both: ANC < 0.5 is critical at every age.
    assert newborn["urgency"] == child["urgency"] == "now"
    assert [f["code"] for f in newborn["findings"]] == [f["code"] for f in child["findings"]]
    words = {f["code"]: f for f in newborn["findings"]}["neutropenia"]
    assert "recovers within a few weeks" not in words["meaning"]
    assert "viral infection" not in words["meaning"]
    assert "exact age" in words["meaning"]
    assert "infection" in words["meaning"]
    assert "serious quickly" in words["meaning"]
    # Signs of infection a parent can see in a baby, not a sore throat or burning urine.
    assert "poor feeding" in words["notice"]
    assert "sore throat" not in words["notice"]
    assert "confusion" not in words["action"]
    assert "38.0 C" in words["action"]
    # An older child keeps the child's words.
    older = {f["code"]: f for f in child["findings"]}["neutropenia"]
    assert "viral infection" in older["meaning"]


def test_a_newborns_low_hemoglobin_and_platelets_get_newborn_causes_and_signs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    found = _findings(capsys, "--hgb", "9", "--plt", "40", "--age", "5d")
    anemia, plt = found["anemia"], found["thrombocytopenia"]
    assert "low iron" not in anemia["meaning"]
    assert "blood loss around birth" in anemia["meaning"]
    assert "Tiredness" not in anemia["notice"]
    assert "dizziness" not in anemia["notice"]
    assert "pale" in anemia["notice"].lower()
    assert "breathe fast" in anemia["notice"]
    assert "chest pain" not in anemia["action"]
    assert "fainting" not in anemia["action"]
    # Pace yourself / get up slowly does not fit a baby.
    assert anemia["precautions"] is None
    assert "immune thrombocytopenia" not in plt["meaning"]
    assert "viral infection" not in plt["meaning"]
    assert "mother" in plt["meaning"]
    assert "infection" in plt["meaning"]
    assert "headache" not in plt["action"]
    assert "changes in sight" not in plt["action"]
    assert "razor" not in (plt["precautions"] or "")
    assert "contact sports" not in (plt["precautions"] or "")
    assert "aspirin or ibuprofen" in (plt["precautions"] or "")
    for code in ("bicytopenia",):
        assert "vitamin B12" not in found[code]["meaning"]
        assert "tiredness" not in found[code]["notice"]


def test_a_newborns_low_white_count_is_judged_against_the_exact_age(
    capsys: pytest.CaptureFixture[str],
) -> None:
    words = _findings(capsys, "--wbc", "2.0", "--age", "10d")["leukopenia"]
    assert "recovers within a few weeks" not in words["meaning"]
    assert "exact age" in words["meaning"]


def test_newborn_is_under_one_month_and_decided_in_one_place() -> None:
    from cbc_cli.age import parse_age
    from cbc_cli.engine import reader
    from cbc_cli.panel import Patient

    assert reader(Patient(age=parse_age("5d"))) == "newborn"
    assert reader(Patient(age=parse_age("3w"))) == "newborn"
    assert reader(Patient(age=parse_age("2m"))) == "child"
    assert reader(Patient(age=parse_age("40"))) == ""
    assert reader(Patient()) == ""


# --- cbc explain --child ----------------------------------------------------------------------
# A child's result sends the parent to `cbc explain TOPIC`: the topic must then speak to the
# parent too (docs/clinical.md section 6: the tool speaks to the person who reads it), with the
# same precautions (soft toothbrush, no aspirin or NSAIDs unless the care team says so, avoiding
# falls: docs/clinical.md section 5).

_ADULT_SELF = re.compile(r"\b(?:you feel|yourself|prescribed for you|before you stand)\b")


def test_a_childs_more_line_names_explain_child(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, out, _ = run(capsys, "check", "--hgb", "8", "--plt", "30", "--age", "6")
    page = _flat(out)
    assert "More: cbc explain anemia-care, nutrition, growth-factors-transfusion --child" in page
    assert "diagnose or replace the care team" in page
    assert "replace your care team" not in page
    # A child rarely shaves.
    assert "Use a soft toothbrush (and an electric razor for anyone who shaves)." in page
    html = tmp_path / "child.html"
    run(capsys, "check", "--plt", "30", "--age", "6", "--format", "html", "-o", str(html))
    text = html.read_text(encoding="utf-8")
    assert "growth-factors-transfusion --child</code>" in text
    assert "replace your care team" not in text
    assert "replace the care team" in text
    # An adult's page is as before.
    _, out, _ = run(capsys, "check", "--plt", "30", "--age", "60")
    page = _flat(out)
    assert "--child" not in page
    assert "replace your care team" in page
    assert "Use a soft toothbrush and an electric razor." in page


@pytest.mark.parametrize(
    "topic",
    [
        "anemia-care",
        "bleeding-precautions",
        "infection-precautions",
        "nutrition",
        "transplant",
        "chemotherapy-timeline",
    ],
)
def test_explain_topic_child_speaks_to_the_parent(
    capsys: pytest.CaptureFixture[str], topic: str
) -> None:
    _, adult, _ = run(capsys, "explain", topic)
    code, out, _ = run(capsys, "explain", topic, "--child")
    assert code == 0
    page = _flat(out)
    assert not _ADULT_SELF.search(page), page
    assert "your care team" not in page.replace("your child's care team", "")
    assert "replace the care team" in page
    assert page != _flat(adult)


def test_explain_child_keeps_the_precautions_and_titles_the_parent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "explain", "anemia-care", "--child")
    page = _flat(out)
    assert page.startswith("Looking after a child with low hemoglobin")
    assert "Looking after yourself" not in page
    # Get up slowly (Huntsman Cancer Institute), still said.
    assert "get up slowly" in page
    _, out, _ = run(capsys, "explain", "bleeding-precautions", "--child")
    page = _flat(out)
    assert "soft toothbrush" in page
    assert "anyone who shaves" in page
    assert "aspirin" in page
    assert "prescribed for your child" in page
    _, out, _ = run(capsys, "explain", "infection-precautions", "--child")
    page = _flat(out)
    assert "If your child feels hot" in page
    assert "38.0 C" in page
    _, out, _ = run(capsys, "explain", "neutropenia", "--child")
    page = _flat(out)
    assert "In children a low count" in page
    assert "--child" in page


def test_explain_child_with_json_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "anemia-care", "--child", "--format", "json")
    assert code == 2
    assert out == ""
    assert "--child" in err


def test_the_routine_title_and_message_name_a_visit_or_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Platelets 120 x10^9/L: below the adult range (140, Merck Manual) and the child's (187 at
    # 6 years), CTCAE v5.0 grade 1: routine for both; only the words differ.
    adult = _result(capsys, "--plt", "120", "--age", "40")
    child = _result(capsys, "--plt", "120", "--age", "6")
    assert adult["urgency"] == child["urgency"] == "routine"
    assert "at your next planned visit or call" in adult["message"]
    assert "at the next planned visit or call" in child["message"]
    assert "contact," not in adult["message"] + child["message"]
    _, out, _ = run(capsys, "check", "--plt", "120", "--age", "40")
    assert _titled("Tell your care team at your next visit or call", out)
    assert urgency_title("routine", child=True) == (
        "Tell your child's care team at the next visit or call"
    )


# --- cbc trend: when to seek care at once -----------------------------------------------------
# The source documents' own rule (docs/clinical.md section 1): seek care at once for heavy
# bleeding, a high fever or trouble breathing; with low neutrophils the fever is 38.0 C
# (docs/clinical.md section 5). cbc check shows it under every abnormal result: trend's box must
# too, for the latest counts.

SAFETY_LOW_WHITE = (
    "Seek care at once, day or night, for a temperature of 38.0 C or higher (100.4 F), heavy "
    "bleeding, or trouble breathing."
)


def test_trend_box_carries_the_safety_line_for_a_childs_low_counts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The example's latest draw: ANC 0.9 (below 1.5, low at 6 years) and platelets 32.
    source = "examples/trend_child_platelets.csv"
    _, out, _ = run(capsys, "trend", source, "--format", "json")
    person = json.loads(out)["persons"][0]
    assert person["safety"] == SAFETY_LOW_WHITE
    _, page, _ = run(capsys, "trend", source)
    flat = _flat(page)
    box = flat[flat.index("Contact your child's care team now") :]
    assert SAFETY_LOW_WHITE in box
    assert "diagnose or replace the care team" in flat
    html = tmp_path / "t.html"
    run(capsys, "trend", source, "--format", "html", "-o", str(html))
    text = html.read_text(encoding="utf-8")
    assert f'<p class="safety"><strong>{SAFETY_LOW_WHITE}</strong></p>' in text
    assert "replace the care team" in text
    assert "replace your care team" not in text


def test_trend_box_carries_the_safety_line_for_an_adult_and_none_when_recovered(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    adult = tmp_path / "adult.csv"
    adult.write_text(SERIES, encoding="utf-8")
    # Platelets 30 at 40 years: below the adult critical limit (37, Kost 1990): now; no ANC,
    # so the fever is not named as neutropenic.
    person, page = _trend(capsys, adult, "--age", "40")
    assert person["urgency"] == "now"
    assert person["safety"] == (
        "Seek care at once, day or night, for heavy bleeding, a high fever, or trouble breathing."
    )
    assert person["safety"] in _flat(page)
    # Counts back within range at the latest draw, nothing raised: no safety line.
    recovered = tmp_path / "recovered.csv"
    recovered.write_text(
        "patient_id,collected_at,sex,plt\nA1,2026-03-02,F,250\nA1,2026-03-09,F,240\n", "utf-8"
    )
    person, page = _trend(capsys, recovered, "--age", "40")
    assert person["urgency"] == "none"
    assert person["safety"] is None
    assert "Seek care at once" not in page


def test_a_recovery_milestone_that_does_not_apply_never_reads_as_an_all_clear(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Platelets 32 at 6 years: below the children's critical limit (53, Kost 1991), yet never
    # below the platelet recovery level (20, ASTCT): the milestone does not apply.
    source = "examples/trend_child_platelets.csv"
    _, out, _ = run(capsys, "trend", source, "--since", "2026-03-02", "--format", "json")
    person = json.loads(out)["persons"][0]
    plt = next(s for s in person["states"] if s["analyte"] == "plt")
    assert plt["state"] == "not-needed"  # the JSON code is unchanged
    assert "not applicable" in plt["message"]
    assert "32 x10^9/L at the latest draw, critically low" in plt["message"]
    html = tmp_path / "t.html"
    run(capsys, "trend", source, "--since", "2026-03-02", "--format", "html", "-o", str(html))
    text = html.read_text(encoding="utf-8")
    assert "not needed" not in text
    assert '<td data-label="Recovery">not applicable (never below 20)' in text
    assert "<li>Platelets: no draw was below 20.</li>" not in text


# --- cbc trend: options a file's columns overrule ---------------------------------------------


def test_an_age_option_the_file_overrules_is_said_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The file's age column (52 at each draw) wins over --age 8, as on cbc check (a row's own
    # person, the options filling gaps): the series is an adult's, and the note says so.
    base = ["trend", "examples/trend_transplant.csv", "--since", "2026-05-01"]
    _, out, _ = run(capsys, *base, "--transplant", "pb", "--age", "8", "--format", "json")
    report = json.loads(out)
    person = report["persons"][0]
    notes = [n for n in person["notes"] if "was not used" in n]
    assert notes == [
        "the age given (8 y) was not used: the file's age or date-of-birth column gives the age at "
        "each draw (52 y at the latest)"
    ]
    assert "your child" not in person["message"]
    # The transfusion column is read (a transfusion is in the JSON), so no note calls it
    # ignored.
    assert person["transfusions"]
    assert not any("platelet_transfusion" in n and "ignored" in n for n in report["notes"])
    assert not any("columns ignored" in n for n in report["notes"])
    assert (
        "column 'platelet_transfusion' is read as platelet transfusions (yes or no)"
        in (report["notes"])
    )
    # The same age as the column's: nothing to say.
    _, out, _ = run(capsys, *base, "--transplant", "pb", "--age", "52", "--format", "json")
    assert not any("was not used" in n for n in json.loads(out)["persons"][0]["notes"])


# --- A newborn's page: no adult words left (Fein and Avner 2019, the febrile neonate: in the
# first 28 days, 38.0 C / 100.4 F or more needs evaluation at once; Merck Manual, Neonatal
# sepsis: the temperature can also run low, with poor feeding, sleepiness or trouble
# breathing; Chakravorty & Roberts, Br J Haematol 2012: newborn low platelets mostly from
# causes before birth, infection, or the mother's antibodies). ---------------------------------

# Topics written for adults' conditions or care: never offered for a newborn.
ADULT_TOPICS = {
    "marrow-failure",
    "chemotherapy-timeline",
    "nutrition",
    "anemia-care",
    "growth-factors-transfusion",
}


def test_a_newborns_safety_line_names_the_fever_threshold_and_a_babys_signs() -> None:
    from cbc_cli.explanations import safety_line

    for fever in (False, True):
        for low_white in (False, True):
            line = safety_line(fever=fever, low_white=low_white, newborn=True)
            assert "at once" in line
            for sign in ("feeds poorly", "unusually sleepy", "trouble breathing", "bleeds"):
                assert sign in line
            assert "a high fever" not in line
            if fever:
                # A fever given: not asked about again, nor set beside "feels cold"; what a
                # parent can see of it turning serious instead (NICE NG143).
                assert "38.0 C" not in line
                assert "feels cold" not in line
                assert "mottled" in line
            else:
                # A fever under 2 months is 38.0 C / 100.4 F or more: care at once.
                assert "38.0 C (100.4 F) or higher" in line
                # The temperature can run low in a sick newborn.
                assert "feels cold" in line
    # Older people keep their own lines.
    assert "baby" not in safety_line()
    assert "baby" not in safety_line(low_white=True)


def test_every_newborn_result_carries_the_newborns_safety_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for args in (("--hgb", "9", "--plt", "40"), ("--anc", "0.3"), ("--hgb", "12")):
        result = _result(capsys, *args, "--age", "5d")
        assert result["safety"] is not None
        assert "38.0 C (100.4 F)" in result["safety"]
        assert "feels cold" in result["safety"]


def test_a_newborns_critical_value_speaks_of_a_babys_signs_not_an_adults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    critical = _findings(capsys, "--anc", "0.3", "--age", "5d")["critical-value"]
    # Symptoms a baby cannot report, and chemotherapy, are not a newborn's words.
    for word in ("tiredness", "breathlessness", "fainting", "chills", "Some people"):
        assert word not in critical["notice"]
    assert "chemotherapy" not in critical["meaning"]
    # Signs a parent can see, the temperature running either way (Merck, Neonatal sepsis).
    for sign in ("pale", "fast breathing", "poor feeding", "sleepiness", "high or low"):
        assert sign in critical["notice"]
    assert "sample" in critical["meaning"]
    # Nothing diagnosed: it "can" reflect a change.
    assert "can reflect" in critical["meaning"]
    # An adult keeps the adult words: the signs of very low white cells.
    adult = _findings(capsys, "--anc", "0.3", "--age", "40")["critical-value"]
    assert "chemotherapy" in adult["meaning"]
    assert "chills" in adult["notice"]


def test_a_newborns_infection_precautions_fit_a_baby(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for temperature in ((), ("--temp", "38.5")):
        found = _findings(capsys, "--anc", "0.3", "--age", "5d", *temperature)
        words = found["neutropenia"]["precautions"] or ""
        assert "food" not in words.lower()
        assert "holding or feeding your baby" in words
        assert "crowds" in words
        # A newborn's fever needs a doctor at once (Fein and Avner 2019): no medicine to hide it.
        assert "Give no fever medicine unless the care team says so" in words
        assert "doctor straight away" in words


def test_a_newborns_more_line_and_background_leave_out_adult_topics(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for args in (
        ("--hgb", "9", "--plt", "40"),
        ("--wbc", "1", "--hgb", "7", "--plt", "40"),
        ("--anc", "0.3"),
    ):
        found = _findings(capsys, *args, "--age", "5d")
        for finding in found.values():
            assert not ADULT_TOPICS & set(finding["topics"]), finding["code"]
        for code in ("bicytopenia", "pancytopenia"):
            if code in found:
                background = found[code]["background"]
                assert background.startswith("A blood count alone cannot tell the reason.")
                # The mother's antibodies are a cause at this age (Chakravorty & Roberts).
                assert "mother" in background
                assert "bone marrow" not in background
    _, page, _ = run(capsys, "check", "--hgb", "9", "--plt", "40", "--age", "5d")
    for line in _flat(page).split("More: ")[1:]:
        assert not any(t in line.split(" --child")[0] for t in ADULT_TOPICS)
    # A child of 6 keeps the links.
    older = _findings(capsys, "--hgb", "9", "--age", "6")["anemia"]
    assert "anemia-care" in older["topics"]


def test_routine_follow_up_says_visit_or_call(capsys: pytest.CaptureFixture[str]) -> None:
    _, child, _ = run(capsys, "check", "--hgb", "11", "--age", "6", "--sex", "female")
    assert "at the next visit or call" in _flat(child)
    _, adult, _ = run(capsys, "check", "--hgb", "11", "--age", "40", "--sex", "female")
    assert "at your next visit or call" in _flat(adult)
    for page in (child, adult):
        assert "next contact" not in _flat(page)


def test_an_age_option_the_file_overrode_is_said_above_the_care_team_box(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = ["trend", "examples/trend_transplant.csv", "--since", "2026-05-01"]
    argv = [*base, "--transplant", "pb", "--age", "8"]
    _, out, _ = run(capsys, *argv)
    page = _flat(out)
    note = page.index("the age given (8 y) was not used")
    box = re.search(r"[┏╭][━─] Contact your care team now", out)
    assert box is not None
    assert note < page.index("Contact your care team now")
    html = tmp_path / "trend.html"
    run(capsys, *argv, "--format", "html", "-o", str(html))
    text = html.read_text(encoding="utf-8")
    assert text.index("the age given (8 y) was not used") < text.index('class="urgency ')


def test_the_json_contract_names_who_the_words_are_for() -> None:
    # schema 1.2 (and on): patient.child, a boolean, always present (cbc schema and the JSON agree).
    schema = schema_document()
    assert schema["$id"] == "urn:cbc-cli:schema:result:1.3"
    child = schema["$defs"]["PatientInfo"]["properties"]["child"]
    assert child["type"] == "boolean"
    assert "under 18" in child["description"]
    assert interpret({"hgb": "12.0"}).to_dict()["patient"]["child"] is False
