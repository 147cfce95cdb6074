"""HL7 v2 input and output: ORU^R01 messages read into records, and written back.

Sample messages are named constants (as python-hl7's tests/samples.py keeps them); each says what
it exercises. They were written for these tests after the ORU^R01 structure of HL7 v2.5.1
chapter 7, with LOINC codes from docs/clinical.md section 2. Realistic whole files are in
tests/fixtures/hl7 (see the README there).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import flags, interpretation, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli.api import default_ranges, resolve_scheme, scheme_info
from cbc_cli.batch import run
from cbc_cli.limits import Limits
from cbc_cli.models import Result
from cbc_cli.readers import Input, read_input
from cbc_cli.readers.records import Record
from cbc_cli.readers.source import Source
from cbc_cli.writers.hl7_writer import Hl7Writer, escape

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hl7"
SCHEME = resolve_scheme("ctcae5")

# One ORU^R01 for an adult woman after chemotherapy: LOINC in OBX-3, UCUM units, printed ranges
# in three spellings (4.5-11.0, 150 to 400, >59 is not CBC), a comparator in SN form, a lab flag
# (OBX-8 N for platelets) that disagrees with cbc's, a non-CBC OBX (glucose) that is ignored.
ORU_CBC = (
    "MSH|^~\\&|LIS|LAB|||20240301083000||ORU^R01^ORU_R01|MSG001|P|2.5.1\r"
    "PID|1||MRN123^^^HOSP^MR||Doe^Jane||19700115|F\r"
    "OBR|1|PL1|FIL1|58410-2^CBC panel^LN|||20240301080000\r"
    "OBX|1|NM|718-7^Hemoglobin^LN||9.1|g/dL|12.0-16.0|L|||F\r"
    "OBX|2|NM|6690-2^WBC^LN||3.1|10*3/uL|4.5-11.0|L|||F\r"
    "OBX|3|SN|751-8^Neutrophils^LN||<^0.1|10*9/L|1.8-7.7|LL|||F\r"
    "OBX|4|NM|777-3^Platelets^LN||62|10*3/uL|150 to 400|N|||F\r"
    "OBX|5|NM|2345-7^Glucose^LN||99|mg/dL|70-99||||F\r"
)
# An ADT message in a result feed: not a result, skipped with a note.
ADT_A01 = "MSH|^~\\&|ADT|HOSP|||20240301083100||ADT^A01|MSG002|P|2.5.1\rPID|1||MRN123\r"
# Other delimiters declared in MSH-1/MSH-2 (# fields, $ components, @ escape): the same result.
ORU_OTHER_DELIMITERS = (
    "MSH#$~@&#LIS#LAB###20240301083000##ORU$R01#MSG003#P#2.5.1\r"
    "OBR#1##S@F@1#58410-2$CBC$LN###20240301080000\r"
    "OBX#1#NM#718-7$Hemoglobin$LN##9.1#g/dL#12.0-16.0#L###F\r"
)
# OBX-3 by the lab's local code (component 1, system L) with LOINC as the alternate identifier
# (components 4-6), by a name only, and a LOINC code that is not the catalogue's (venous
# hemoglobin 30350-3) whose name reads like hemoglobin: ignored with a note.
ORU_LOCAL_CODES = (
    "MSH|^~\\&|LIS|LAB|||20240301083000||ORU^R01|MSG004|P|2.5.1\r"
    "OBR|1||S4|CBC^Blood count^L|||20240301080000\r"
    "OBX|1|NM|PLTX^Platelet count^L^777-3^Platelets^LN||210|10*9/L|150-400||||F\r"
    "OBX|2|NM|^Hemoglobin||13.1|g/dL|12.0-16.0||||F\r"
    "OBX|3|NM|30350-3^Hemoglobin^LN||7.0|g/dL|12.0-16.0||||F\r"
    "OBX|4|NM|WBCLOCAL^Leukocyte total^L||6.1|10*9/L|4.0-11.0||||F\r"
)
# Result status (OBX-11, table 0085): a corrected result replaces the first, a deleted one is
# not used, X (cannot be obtained) with no value is not an error; the time comes from OBX-14
# because OBR-7 is empty; the sample id falls back to OBR-2 (placer) when OBR-3 is empty.
ORU_STATUSES = (
    "MSH|^~\\&|LIS|LAB|||20240301083000||ORU^R01|MSG005|P|2.5.1\r"
    "OBR|1|PLACER9||58410-2^CBC^LN\r"
    "OBX|1|NM|718-7^Hemoglobin^LN||19.5|g/dL|12.0-16.0|H|||F|||202403020715\r"
    "OBX|2|NM|718-7^Hemoglobin^LN||9.5|g/dL|12.0-16.0|L|||C|||202403020715\r"
    "OBX|3|NM|777-3^Platelets^LN||5|10*9/L|150-400|LL|||D\r"
    "OBX|4|NM|751-8^Neutrophils^LN|||10*9/L|1.8-7.7||||X\r"
    "OBX|5|NM|777-3^Platelets^LN||180|10*9/L|>150|N|||F\r"
)
# Age and temperature as ask-at-order-entry OBX (LOINC 30525-0, 8310-5): febrile neutropenia.
ORU_FEVER = (
    "MSH|^~\\&|LIS|LAB|||20240301083000||ORU^R01|MSG006|P|2.5.1\r"
    "PID|1||MRN9||||||M\r"
    "OBR|1||S6|58410-2^CBC^LN|||20240301080000\r"
    "OBX|1|NM|751-8^Neutrophils^LN||0.3|10*9/L|||||F\r"
    "OBX|2|NM|30525-0^Age^LN||61|a^^UCUM|||||F\r"
    "OBX|3|NM|8310-5^Body temperature^LN||38.6|Cel^^UCUM|||||F\r"
)
# Problems inside one message: a structured numeric range (SN 1^-^5) is not one value, an
# empty OBX-5 on a final result, a unit of the wrong dimension, an escape sequence python-hl7
# does not know (\Q\), a birth date that is not a date. The valid platelet count is still read.
ORU_CELL_PROBLEMS = (
    "MSH|^~\\&|LIS|LAB|||20240301083000||ORU^R01|MSG007|P|2.5.1\r"
    "PID|1||MRN7||||1970AB15|F\r"
    "OBR|1||S7\\Q\\|58410-2^CBC^LN|||20240301080000\r"
    "OBX|1|SN|751-8^Neutrophils^LN||^1^-^5|10*9/L|||||F\r"
    "OBX|2|NM|6690-2^WBC^LN|||10*9/L|||||F\r"
    "OBX|3|NM|718-7^Hemoglobin^LN||9.1|10*9/L|||||F\r"
    "OBX|4|NM|777-3^Platelets^LN||99|10*9/L|150-400|L|||F\r"
)
# A result message with no CBC analyte at all (a chemistry panel).
ORU_CHEMISTRY = (
    "MSH|^~\\&|LIS|LAB|||20240301083000||ORU^R01|MSG008|P|2.5.1\r"
    "OBR|1||S8|24323-8^CMP^LN\r"
    "OBX|1|NM|2345-7^Glucose^LN||99|mg/dL|70-99||||F\r"
    "OBX|2|NM|2951-2^Sodium^LN||140|mmol/L|135-145||||F\r"
)


def source_of(data: bytes | str, name: str = "test.hl7") -> Source:
    """A Source over bytes, as open_source makes one for a file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return Source(io.BufferedReader(io.BytesIO(raw)), name)


def read(data: bytes | str, input_format: str = "auto", columns: list[str] | None = None) -> Input:
    """The opened input of some bytes."""
    return read_input(source_of(data), input_format, columns or [])


def interpret(data: bytes | str, input_format: str = "auto") -> list[tuple[Record, Result]]:
    """Read and interpret every record, as the batch runner does."""
    opened = read(data, input_format)
    return list(run(opened.records, default_ranges(), SCHEME))


# --- reading -----------------------------------------------------------------------------------


def test_oru_values_units_ranges_flags_and_context() -> None:
    opened = read(ORU_CBC)
    assert opened.format == "hl7"
    [(record, result)] = list(run(opened.records, default_ranges(), SCHEME))
    assert record.sample_id == "FIL1"  # OBR-3 filler order number
    assert record.patient_id == "MRN123"  # PID-3, component 1
    assert record.collected_at == "2024-03-01T08:00:00"  # OBR-7, to the second as sent
    assert result.patient.sex == "female"
    assert result.patient.age == "54 y"
    assert result.patient.age_exact
    values = {a.analyte: (a.value, a.comparator) for a in result.analytes}
    assert values == {
        "wbc": (3.1, None),
        "hgb": (9.1, None),
        "plt": (62.0, None),
        "anc": (0.1, "<"),
    }
    ranges = {a.analyte: a.reference_range for a in result.analytes}
    assert ranges["plt"] is not None
    assert (ranges["plt"].low, ranges["plt"].high, ranges["plt"].origin) == (150.0, 400.0, "lab")
    assert flags(result) == {"wbc": "L", "hgb": "L", "plt": "L", "anc": "LL"}
    assert {a.analyte: a.lab_flag for a in result.analytes}["plt"] == "N"
    # The lab's OBX-8 disagrees with cbc for platelets: the engine says so.
    # Both flags by the lab's range: the note says so.
    assert (
        "the lab flagged platelets N; cbc's flag is L (cbc judged it by the lab's range given with "
        "the result)"
    ) in result.notes
    assert not record.cell_errors


@pytest.mark.parametrize(
    ("name", "transform"),
    [
        ("CR", lambda text: text.encode()),
        ("LF", lambda text: text.replace("\r", "\n").encode()),
        ("CRLF", lambda text: text.replace("\r", "\r\n").encode()),
        ("BOM", lambda text: b"\xef\xbb\xbf" + text.encode()),
        ("MLLP", lambda text: b"\x0b" + text.encode() + b"\x1c\r"),
        ("blank lines", lambda text: text.replace("\r", "\n\n").encode()),
    ],
)
def test_segment_ends_bom_and_mllp_read_the_same(name: str, transform: object) -> None:
    assert callable(transform)
    [(record, result)] = interpret(transform(ORU_CBC))
    [(_, expected)] = interpret(ORU_CBC)
    assert interpretation(result) == interpretation(expected), name
    assert record.sample_id == "FIL1"


def test_batch_of_messages_one_record_each_and_other_types_noted() -> None:
    opened = read(ORU_CBC + ADT_A01 + ORU_FEVER)
    records = list(opened.records)
    assert [r.sample_id for r in records] == ["FIL1", "S6"]
    assert opened.notes == ["message 2 (line 9) is ADT^A01, not an ORU result message: skipped"]


def test_fhs_bhs_wrappers_lf_file() -> None:
    opened = read((FIXTURES / "batch_fhs_bhs_lf.hl7").read_bytes())
    records = list(opened.records)
    assert [r.sample_id for r in records] == ["S-1001", "S-1002"]
    assert [r.line for r in records] == [3, 9]
    assert any("ADT^A08" in n for n in opened.notes)


def test_batch_trailer_count_mismatch_is_noted() -> None:
    text = "BHS|^~\\&|LIS\r" + ORU_CBC + "BTS|2\r"
    opened = read(text)
    assert len(list(opened.records)) == 1
    assert any("BTS-1" in n and "says 2" in n for n in opened.notes)


def test_mllp_frames_with_bom_and_crlf() -> None:
    results = interpret((FIXTURES / "mllp_bom_crlf.hl7").read_bytes())
    assert [r.sample_id for r, _ in results] == ["S-2001", "S-2002"]
    first = results[0][1]
    assert flags(first) == {"hgb": "L", "plt": "LL", "anc": "LL"}
    assert ("neutropenia", 4) in [(f.code, f.grade) for f in first.findings]


def test_encoding_characters_from_msh2() -> None:
    [(record, result)] = interpret(ORU_OTHER_DELIMITERS)
    assert record.sample_id == "S#1"  # @F@ is the escaped field separator (#)
    assert flags(result) == {"hgb": "L"}


def test_escaped_delimiters_in_fields_are_unescaped() -> None:
    text = ORU_CBC.replace("|FIL1|", "|FIL\\F\\1\\S\\A|")
    [record] = list(read(text).records)
    assert record.sample_id == "FIL|1^A"


def test_obx3_by_alternate_loinc_local_code_or_name() -> None:
    opened = read(ORU_LOCAL_CODES, columns=["WBCLOCAL=wbc"])
    [record] = list(opened.records)
    assert record.panel is not None
    values = {k: q.value for k, q in record.panel.values.items()}
    # PLTX is the lab's code; 777-3 in component 4 (LN in component 6) names platelets.
    # "Hemoglobin" by name; 30350-3 is another LOINC test and is not read as hgb.
    assert values == {"plt": 210.0, "hgb": 13.1, "wbc": 6.1}
    assert any("30350-3" in n and "--column" in n for n in opened.notes)
    # The note's advice works: the venous hemoglobin is read once it is mapped.
    [mapped] = list(read(ORU_LOCAL_CODES, columns=["30350-3=hgb"]).records)
    assert mapped.panel is not None
    assert mapped.panel.values["hgb"].value == 13.1  # the first; 7.0 is a second hgb
    assert any("hgb is given twice" in e.message for e in mapped.cell_errors)


def test_result_status_corrections_and_time_fallbacks() -> None:
    [(record, result)] = interpret(ORU_STATUSES)
    assert record.sample_id == "PLACER9"
    assert record.collected_at == "2024-03-02T07:15"  # OBX-14 when OBR-7 is empty, to the minute
    assert {a.analyte: a.value for a in result.analytes} == {"hgb": 9.5, "plt": 180.0}
    assert not record.cell_errors
    plt = next(a for a in result.analytes if a.analyte == "plt")
    assert plt.reference_range is not None
    assert (plt.reference_range.low, plt.reference_range.high) == (150.0, None)  # ">150"


def test_several_order_groups_make_one_sample() -> None:
    # A CBC and its differential ordered as two OBR groups of one message: one result.
    text = ORU_CBC + (
        "OBR|2|PL2|FIL2|57021-8^CBC W Auto Differential panel^LN|||20240301080000\r"
        "OBX|1|NM|731-0^Lymphocytes^LN||0.6|10*9/L|1.0-4.8|L|||F\r"
    )
    [(record, result)] = interpret(text)
    assert record.sample_id == "FIL1"
    assert flags(result)["alc"] == "L"
    assert "lymphopenia" in [f.code for f in result.findings]


def test_sample_id_falls_back_to_msh10() -> None:
    text = ORU_CBC.replace("|PL1|FIL1|", "|||")
    [record] = list(read(text).records)
    assert record.sample_id == "MSG001"


def test_age_and_temperature_observations_give_febrile_neutropenia() -> None:
    [(_, result)] = interpret(ORU_FEVER)
    assert result.patient.age == "61 y"
    assert result.patient.temperature_c == 38.6
    assert "febrile-neutropenia" in [f.code for f in result.findings]
    assert result.urgency == "now"


def test_partial_birth_date_is_noted_not_guessed() -> None:
    opened = read(ORU_CBC.replace("19700115", "1970"))
    [record] = list(opened.records)
    assert record.panel is not None
    assert record.panel.patient.age is None
    assert any("PID-7" in n for n in opened.notes)


# --- bad input ---------------------------------------------------------------------------------


def test_each_problem_is_located_and_the_rest_is_read() -> None:
    opened = read((FIXTURES / "problems_cr.hl7").read_bytes())
    records = list(opened.records)
    assert [(r.sample_id, r.error is not None) for r in records] == [
        (None, True),  # segments before any MSH
        ("S-3001", False),
        (None, True),  # MSH-2 not understood
        ("S-3003", False),  # a broken segment and a bad value: cell errors, plt read
        ("S-3004", False),
    ]
    orphan, msh2 = records[0].error, records[2].error
    assert orphan is not None
    assert msh2 is not None
    assert (orphan.line, orphan.field) == (1, "MSH")
    assert "before any MSH" in orphan.message
    assert (msh2.line, msh2.field) == (5, "MSH-2")
    assert msh2.message.startswith("message 2, MSH-2")
    broken, bad_value = records[3].cell_errors
    assert (broken.line, broken.field) == (10, "segment")
    assert broken.message.startswith("message 3: line 10: not an HL7 segment")
    assert (bad_value.line, bad_value.field) == (11, "OBX-5")
    assert "message 3: OBX 1 (line 11), OBX-5: hgb: 'twelve' is not a number" in (bad_value.message)
    assert records[3].panel is not None
    assert set(records[3].panel.values) == {"plt"}


def test_problems_file_is_detected_as_hl7_though_it_starts_mid_message() -> None:
    assert read((FIXTURES / "problems_cr.hl7").read_bytes()).format == "hl7"


def test_cell_problems_inside_one_message() -> None:
    [record] = list(read(ORU_CELL_PROBLEMS).records)
    assert record.panel is not None
    assert set(record.panel.values) == {"plt"}
    by_field = {(e.field, e.line): e.message for e in record.cell_errors}
    assert "range or ratio" in by_field[("OBX-5", 4)]
    assert "no value for wbc (OBX-11 F)" in by_field[("OBX-5", 5)]
    assert "unknown unit '10*9/L' for hgb" in by_field[("OBX-5", 6)]
    assert "escape sequence in OBR is not understood" in by_field[("OBR", 3)]
    assert by_field[("PID-7", 2)] == "message 1: line 2: PID-7 is not an HL7 date (YYYYMMDD)"
    # A birth date identifies a person: the message says where, never what.
    assert all("1970AB15" not in m for m in by_field.values())


def test_a_message_without_cbc_results_is_an_error_naming_its_codes() -> None:
    [record] = list(read(ORU_CHEMISTRY).records)
    assert record.error is not None
    assert record.error.message == (
        "message 1: no OBX segment holds a CBC analyte (OBX-3 codes: 2345-7, 2951-2); "
        "map local codes with --column CODE=ANALYTE"
    )


@pytest.mark.parametrize(
    ("msh", "field"),
    [
        ("MSH|^~\\|LIS", "MSH-2"),  # three characters
        ("MSH|^^\\&|LIS", "MSH-2"),  # the same character twice
        ("MSH|^~a&|LIS", "MSH-2"),  # a letter
        ("MSHX^~\\&XLIS", "MSH-1"),  # a letter as the field separator
    ],
)
def test_unknown_encoding_characters(msh: str, field: str) -> None:
    text = ORU_CBC.replace("MSH|^~\\&|LIS", msh, 1)
    [record] = list(read(text, "hl7").records)
    assert record.error is not None
    assert (record.error.line, record.error.field) == (1, field)
    assert record.error.message.startswith(f"message 1, {field}: ")


def test_input_without_msh_forced_as_hl7() -> None:
    [record] = list(read("PID|1||X\rOBX|1|NM|718-7^Hb^LN||9\r", "hl7").records)
    assert record.error is not None
    assert "2 segment(s) (PID, OBX) before any MSH" in record.error.message


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("MSHOBXPID|^~\\&\r\n01.9<-"), max_size=200))
def test_the_reader_never_raises_for_content(body: str) -> None:
    for record in read("MSH|^~\\&|x\r" + body, "hl7").records:
        assert record.panel is not None or record.error is not None


# --- writing and round trips ------------------------------------------------------------------


def write_hl7(results: list[tuple[Record, Result]]) -> str:
    out = io.StringIO()
    writer = Hl7Writer(out, scheme_info(SCHEME))
    for record, result in results:
        writer.write(record, result)
    writer.close()
    return out.getvalue()


def test_writer_segments_fields_and_notes() -> None:
    text = write_hl7(interpret(ORU_CBC))
    segments = text.split("\r")
    assert segments[-1] == ""  # every segment ends with CR (HL7 v2.5.1 section 2.5)
    ids = [s[:3] for s in segments[:-1]]
    assert ids[:3] == ["MSH", "PID", "OBR"]
    assert segments[0].split("|")[8] == "ORU^R01^ORU_R01"
    assert segments[0].split("|")[-1] == "UNICODE UTF-8"  # MSH-18
    obr = segments[2].split("|")
    assert (obr[3], obr[4].split("^")[0], obr[7], obr[25]) == (
        "FIL1",
        "58410-2",
        "20240301080000",
        "F",
    )
    obx = {s.split("|")[3].split("^")[0]: s.split("|") for s in segments if s.startswith("OBX")}
    anc = obx["751-8"]
    # OBX-2 SN keeps the bound, OBX-6 UCUM, OBX-7 the applied range, OBX-8 cbc's flag.
    assert (anc[2], anc[5], anc[6], anc[7], anc[8]) == (
        "SN",
        "<^0.1",
        "10*9/L^^UCUM",
        "1.8-7.7",
        "LL",
    )
    ntes = [s.split("|") for s in segments if s.startswith("NTE")]
    findings = [n[3] for n in ntes if n[4] == "RE" and n[3].startswith("neutropenia:")]
    assert findings
    assert "grade 4 (NCI CTCAE v5.0" in findings[0]
    assert any(n[4] == "PI" and n[3].startswith("urgency now:") for n in ntes)
    assert any("the lab flagged platelets N" in n[3] for n in ntes)
    # No raw component separator inside a note (escape() itself is tested below). The ANC's
    # ASCO/IDSA sentence with its "x10^9/L" is no longer shown beside a CTCAE grade (one
    # severity word per count, docs/clinical.md section 4).
    assert not any("^" in n[3] for n in ntes)


def test_escape_delimiters_and_line_breaks() -> None:
    assert escape("a|b^c&d~e\\f\ng") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\.br\\g"


def test_no_range_has_no_flag_and_a_note() -> None:
    from cbc_cli import interpret as interpret_values

    # No children's band % interval is shipped: band_pct has no range at 10 years.
    result = interpret_values({"hgb": "13.0", "band_pct": "5"}, sex="female", age=10)
    text = write_hl7([(Record(None), result)])
    band = next(s for s in text.split("\r") if s.startswith("OBX") and "35332-6" in s)
    assert band.split("|")[7:9] == ["", ""]
    assert "no range for band neutrophils (% of WBC)" in text


def test_round_trip_hl7_in_hl7_out_same_interpretation() -> None:
    for name in ("oru_r01_cbc_cr.hl7", "batch_fhs_bhs_lf.hl7", "mllp_bom_crlf.hl7"):
        first = interpret((FIXTURES / name).read_bytes())
        again = interpret(write_hl7(first))
        assert [interpretation(r) for _, r in again] == [interpretation(r) for _, r in first]
        assert [r.sample_id for r, _ in again] == [r.sample_id for r, _ in first]
        # Re-reading cbc's own output raises no disagreement between the lab's flag and cbc's.
        assert not any("the lab flagged" in n for _, r in again for n in r.notes)


def test_round_trip_keeps_derived_counts_context_and_error_samples() -> None:
    message = (
        "MSH|^~\\&|LIS|LAB|||20240301083000||ORU^R01|MSG010|P|2.5.1\r"
        "PID|1||MRN10||||19700115|F\r"
        "OBR|1||S10|58410-2^CBC^LN|||20240301080000\r"
        "OBX|1|NM|6690-2^WBC^LN||3.0|10*9/L|||||F\r"
        "OBX|2|NM|770-8^Neut %^LN||50|%|||||F\r"
        "OBX|3|NM|35332-6^Bands^LN||5|%|||||F\r"
        "OBX|4|NM|8310-5^Temp^LN||38.4|Cel|||||F\r"
    )
    first = interpret(message + ORU_CHEMISTRY)
    again = interpret(write_hl7(first))
    assert [interpretation(r) for _, r in again] == [interpretation(r) for _, r in first]
    assert again[0][1].patient.temperature_c == 38.4
    assert again[0][1].patient.age == "54 y"
    assert again[1][1].status == "error"


def test_round_trip_keeps_a_declared_age() -> None:
    from cbc_cli import interpret as interpret_values

    result = interpret_values({"hgb": "9.1", "plt": "62"}, sex="male", age="6m")
    [(_, again)] = interpret(write_hl7([(Record(None), result)]))
    assert again.patient.age == "6 m"
    assert interpretation(again) == interpretation(result)


# --- command line ------------------------------------------------------------------------------


def test_cli_reads_hl7_files_and_writes_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys, "check", str(FIXTURES / "batch_fhs_bhs_lf.hl7"), "--format", "json"
    )
    assert code == 0
    assert [r["sample_id"] for r in json.loads(out)["results"]] == ["S-1001", "S-1002"]
    assert "cbc: note: message 3 (line 15) is ADT^A08" in err


def test_cli_exit_3_when_a_message_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys, "check", str(FIXTURES / "problems_cr.hl7"), "--format", "ndjson"
    )
    assert code == 3
    assert len(out.splitlines()) == 5
    assert "2 of 5 samples could not be read" in err


def test_cli_hl7_from_stdin_to_hl7_round_trip(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (FIXTURES / "oru_r01_cbc_cr.hl7").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run_cli(capsys, "check", "-", "--input-format", "hl7", "--format", "hl7")
    assert code == 0
    assert out.startswith("MSH|^~\\&|cbc-cli|")
    [(_, again)] = interpret(out)
    [(_, first)] = interpret(data)
    assert interpretation(again) == interpretation(first)


def test_cli_single_sample_as_hl7(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys,
        "check",
        "--hgb",
        "9.1",
        "--anc",
        "0.4",
        "--plt",
        "62",
        "--sex",
        "female",
        "--dob",
        "1970-01-15",
        "--collected",
        "2024-03-01",
        "--temp",
        "38.5",
        "--format",
        "hl7",
    )
    assert code == 0
    pid = next(s for s in out.split("\r") if s.startswith("PID"))
    assert pid.split("|")[7:9] == ["19700115", "F"]
    [(_, again)] = interpret(out)
    from cbc_cli import interpret as interpret_values

    expected = interpret_values(
        {"hgb": "9.1", "anc": "0.4", "plt": "62"},
        sex="female",
        dob="1970-01-15",
        collected="2024-03-01",
        temperature="38.5",
    )
    assert interpretation(again) == interpretation(expected)
    assert again.patient.age_exact


def test_cli_csv_output_of_hl7_is_a_row_per_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # HL7 has no columns to carry through: each ORU^R01 gives a row with its identifiers (OBR-3,
    # the MSH line, PID-3, OBR-7), then cbc's columns with a flag for every catalogue analyte.
    from cbc_cli.analytes import ANALYTES
    from cbc_cli.writers.csv_writer import contract_columns

    code, out, err = run_cli(
        capsys, "check", str(FIXTURES / "batch_fhs_bhs_lf.hl7"), "--format", "csv"
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    header = ["sample_id", "line", "patient_id", "collected_at"]
    assert rows[0] == [*header, *contract_columns(ANALYTES, SCHEME)]
    out_rows = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [[r[c] for c in header] for r in out_rows] == [
        ["S-1001", "3", "MRN1001", "2024-03-13T05:00:00"],
        ["S-1002", "9", "MRN1002", "2024-03-13T05:15:00"],
    ]  # the ADT^A08 message is not a sample (noted on stderr)
    assert [(r["hgb_flag"], r["anc_flag"], r["plt_flag"]) for r in out_rows] == [
        ("N", "", "N"),
        ("L", "L", "L"),
    ]
    assert out_rows[1]["neutropenia_grade"] == "2"
    assert out_rows[1]["urgency"] == "soon"
    assert "ADT^A08" in err
    # The same samples as the JSON output, in the same order.
    _, out, _ = run_cli(capsys, "check", str(FIXTURES / "batch_fhs_bhs_lf.hl7"), "--format", "json")
    assert [r["sample_id"] for r in json.loads(out)["results"]] == ["S-1001", "S-1002"]


def test_cli_hl7_without_a_result_message_says_no_sample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "adt.hl7"
    path.write_text(ADT_A01, encoding="utf-8")
    code, out, err = run_cli(capsys, "check", str(path), "--format", "ndjson")
    assert code == 3
    assert out == ""
    note, error = err.splitlines()
    assert "ADT^A01, not an ORU result message: skipped" in note
    assert error.startswith(f"cbc: error: {path}: no sample cbc reads in the input (")
    assert "ORU^R01" in error
    assert "header" not in error


def test_cli_module_does_not_import_hl7_or_fhir() -> None:
    probe = (
        "import sys, cbc_cli.cli; "
        "print([m for m in sys.modules if m.split('.')[0] in ('hl7', 'fhir')])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_message_missing_its_msh_is_still_read_as_hl7(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Auto-detection: a first line that is an HL7 segment is HL7, so the reader can say MSH is
    # missing instead of the CSV reader complaining about the header.
    path = tmp_path / "no_msh.hl7"
    path.write_bytes(b"PID|1||123\rOBX|1|NM|718-7^Hgb^LN||9.1|g/dL\r")
    code, out, err = run_cli(capsys, "check", str(path))
    assert code == 3
    assert "before any MSH segment" in out
    assert "Could not be read" in out
    assert "Nothing out of range" not in out
    assert "1 of 1 sample could not be read (line 1)" in err


# --- limits and memory -------------------------------------------------------------------------


def _long_message(obx: int, control: str = "MSG900") -> str:
    """An ORU^R01 with ``obx`` hemoglobin OBX segments (the same value each time)."""
    head = ORU_CBC.split("\r")[:3]
    head[0] = head[0].replace("MSG001", control)
    rows = [f"OBX|{n}|NM|718-7^Hemoglobin^LN||9.1|g/dL|12.0-16.0|L|||F" for n in range(obx)]
    return "\r".join([*head, *rows]) + "\r"


def test_a_message_past_the_hl7_message_limit_is_an_error_row_and_the_rest_is_read() -> None:
    text = ORU_CBC + _long_message(200) + ORU_CBC.replace("MSG001", "MSG003")
    opened = read_input(source_of(text), limits=Limits(hl7_message=2000))
    records = list(opened.records)
    assert [r.error is None for r in records] == [True, False, True]
    error = records[1].error
    assert error is not None
    assert error.line == 9  # its MSH
    assert error.message == (
        "message 2 (line 9) is longer than the hl7_message limit (2000 characters) and is not "
        "read; give --limit hl7_message=SIZE to read it"
    )
    assert records[2].line == 9 + 3 + 200


def test_obx_segments_past_the_first_parse_chunk_keep_their_lines() -> None:
    text = _long_message(150) + "OBX|151|NM|777-3^Platelets^LN||lots|10*9/L|150-400||||F\r"
    [record] = list(read(text).records)
    assert record.panel is not None
    assert record.panel.values["hgb"].value == 9.1
    [cell] = record.cell_errors
    assert cell.line == 154
    assert cell.message.startswith("message 1: OBX 151 (line 154)")


def test_one_message_is_parsed_a_few_segments_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # python-hl7 builds about 10 KB of containers an OBX: parsed whole, a message of 90,000 OBX
    # took 805 MB. On the python-hl7 route a message is parsed a chunk at a time, so memory
    # follows the text; the split route builds no tree at all.
    import hl7  # type: ignore[import-untyped]

    from cbc_cli.readers.hl7 import read_hl7
    from cbc_cli.readers.hl7_tree import PARSE_SEGMENTS

    sizes: list[int] = []
    parse = hl7.parse

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        sizes.append(text.count("\r") + 1)
        return parse(text, *args, **kwargs)

    monkeypatch.setattr(hl7, "parse", counting)
    for parser in ("python-hl7", "split"):
        records, _ = read_hl7(source_of(_long_message(1000)), parser=parser)
        [record] = list(records)
        assert record.panel is not None
        assert record.panel.values["hgb"].value == 9.1
        if parser == "python-hl7":
            assert max(sizes) <= PARSE_SEGMENTS + 1  # the chunk and its MSH
            assert sum(sizes) >= 1003
            sizes.clear()
    assert sizes == []  # the split route: python-hl7 parses nothing


def _batch(messages: int) -> str:
    """A batch of CBC messages, one sample each (numbered sample ids)."""
    text = "FHS|^~\\&|LIS\rBHS|^~\\&|LIS\r"
    for n in range(messages):
        text += ORU_CBC.replace("|FIL1|", f"|S{n}|").replace("|MSG001|", f"|M{n}|")
    return text + f"BTS|{messages}\rFTS|1\r"


@pytest.mark.slow
def test_a_batch_is_read_a_message_at_a_time() -> None:
    # The segments alive while a batch is read are those of one message (and the next MSH),
    # however many messages: counted as objects, not timed or measured in bytes.
    import gc

    from cbc_cli.readers.hl7 import Segment

    per_message = ORU_CBC.count("\r")
    alive: list[int] = []
    opened = read(_batch(400))
    ids = []
    for number, record in enumerate(opened.records):
        if number % 25 == 0:
            alive.append(sum(isinstance(o, Segment) for o in gc.get_objects()))
        ids.append(record.sample_id)
    assert ids == [f"S{n}" for n in range(400)]  # every message, in order
    assert len(alive) == 16
    assert max(alive) <= per_message + 1


@pytest.mark.slow
def test_segments_before_any_msh_are_counted_not_kept() -> None:
    import gc

    from cbc_cli.readers.hl7 import Segment

    seen: list[int] = []

    class Probe(io.RawIOBase):
        """The input, handed over 4 KiB at a time, counting the segments alive at each read."""

        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            seen.append(sum(isinstance(o, Segment) for o in gc.get_objects()))
            chunk = self.data.read(min(len(buffer), 4096))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    text = "".join(f"{sid}|{n}\r" for n in range(3000) for sid in ("PID", "OBX", "NTE"))
    data = (text + ORU_CBC).encode()
    source = Source(io.BufferedReader(Probe(data)), "test.hl7")
    record = next(iter(read_input(source, "hl7").records))
    assert record.error is not None
    assert record.error.message == (
        "line 1: 9000 segment(s) (PID, OBX, NTE) before any MSH segment; an HL7 message starts "
        "with MSH"
    )
    # The first record comes once the orphans are past: they were read, 4 KiB at a time.
    assert len(seen) > len(text) // 4096
    assert max(seen) <= 2  # the first one, and the one being read
