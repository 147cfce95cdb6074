"""The split route (fields split from the segment text) reads the same Records as the python-hl7
route (fields from python-hl7's tree), for generated messages with escape sequences,
repetitions, subcomponents, odd encoding characters, odd segments and batches."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli.limits import Limits
from cbc_cli.readers.hl7 import read_hl7
from cbc_cli.readers.records import Record
from cbc_cli.readers.source import Source

# Characters that may be delimiters: none a letter, digit or space (HL7 v2.5.1 chapter 2).
_DELIMITERS = "|^~\\&#$@!%*+/:;=?`{}'\"_,[]"
# OBX-3 (code, name, coding system) and a value and unit that fit it.
_CODES = [
    ("718-7", "Hemoglobin", "LN", "9.1", "g/dL"),
    ("6690-2", "WBC", "LN", "3.1", "10*3/uL"),
    ("751-8", "Neutrophils", "LN", "0.3", "10*9/L"),
    ("777-3", "Platelets", "LN", "62", "10*9/L"),
    ("30525-0", "Age", "LN", "61", "a"),
    ("8310-5", "Body temperature", "LN", "38.6", "Cel"),
    ("30350-3", "Hemoglobin", "LN", "7.0", "g/dL"),
    ("PLTX", "Platelet count", "L", "210", "10*3/uL"),
    ("", "Hemoglobin", "", "13.1", "g/dL"),
    ("GLU", "Glucose", "L", "99", "mg/dL"),
]
_WORDS = ["9.1", "12", "0.3", "<", ">=", "=", "-", "L", "H", "N", " ", ".", "x", "g/dL", "10*9/L"]
_WORDS += ["12.0-16.0", "150 to 400", "Cel", "a", "degF", "20240301", "197001", "NA", "é"]


@st.composite
def _message(draw: st.DrawFn, number: int) -> str:
    chars = draw(st.permutations(_DELIMITERS))
    fs, comp, rep, esc, sub = chars[:5]
    encoding = comp + rep + esc + sub + draw(st.sampled_from(["", chars[5]]))
    escapes = [f"{esc}{code}{esc}" for code in ("F", "S", "R", "T", "E", "H", "N", "X41")]
    escapes += [f"{esc}{code}{esc}" for code in (".br", ".sp2", ".spx", "Q", "", "C2842", "X4")]
    escapes += [esc]  # a sequence never closed

    def text(words: list[str] | None = None, size: int = 4) -> str:
        plain = st.sampled_from(words or _WORDS)
        atoms = st.one_of(plain, plain, st.sampled_from([comp, rep, sub]), st.sampled_from(escapes))
        return "".join(draw(st.lists(atoms, max_size=size)))

    def value(words: list[str]) -> str:
        plain = draw(st.sampled_from(words))
        return plain if draw(st.integers(0, 5)) else text([*words, plain])

    def code() -> tuple[str, str, str]:
        """OBX-3, and a value and unit for it."""
        c, name, system, number, unit = draw(st.sampled_from(_CODES))
        if draw(st.integers(0, 5)) == 0:
            return text(), number, unit
        field = comp.join([c, name, system])
        if draw(st.booleans()):
            alt, alt_name, alt_system, _, _ = draw(st.sampled_from(_CODES))
            field += comp + comp.join([alt, alt_name, alt_system])
        return field + (rep + text() if draw(st.booleans()) else ""), number, unit

    def segment(sid: str, fields: list[str]) -> str:
        return fs.join([sid, *fields])

    oru = [f"ORU{comp}R01", f"ORU{comp}R01{comp}ORU_R01", f"ORU{rep}x", "ORU"]
    msh_type = draw(st.sampled_from([*oru, *oru, "ADT", f"ADT{comp}A01", ""]))
    segments = [
        f"MSH{fs}{encoding}"
        + fs.join(["", "LIS", "LAB", "", "", "20240301083000", "", msh_type, f"M{number}", "P"])
    ]
    if draw(st.booleans()):
        pid = ["1", "", text(["MRN1", "HOSP"]), "", "Doe", "", value(["19700115", "1970", "x"])]
        segments.append(segment("PID", [*pid, value(["F", "M", "U", "female"])]))
    if draw(st.booleans()):
        stamp = value(["20240301080000", "202403", "2024-03-01"])
        obr = ["1", text(["P1"]), text(["S1", "FIL"]), "58410-2", "", "", stamp]
        segments.append(segment("OBR", obr))
    for index in range(draw(st.integers(0, 5)) or draw(st.integers(0, 1))):
        kind = draw(st.sampled_from(["NM", "NM", "SN", "ST", ""]))
        identifier, amount, unit = code()
        if kind == "SN":
            parts = st.sampled_from(["<", "=", amount, "-", ""])
            result = comp.join(draw(st.lists(parts, max_size=4)))
        else:
            result = value([amount, f"{amount} L", f"*{amount}", "250", "", "NA"])
        unit = value([unit, unit, "g/dL", "10*9/L", "%", ""])
        unit += draw(st.sampled_from(["", f"{comp}{comp}UCUM", f"{rep}g/L"]))
        obx = [
            str(index + 1),
            kind,
            identifier,
            "",
            result,
            unit,
            value(["12.0-16.0", "", "[1-2]"]),
        ]
        obx += [value(["L", "H", "N", ""]), "", "", value(["F", "C", "D", "X", ""]), "", ""]
        obx.append(value(["202403020715", "", "", "bad"]))
        segments.append(segment("OBX", obx))
    for _ in range(draw(st.integers(0, 2))):
        segments.insert(
            draw(st.integers(1, len(segments))),
            draw(st.sampled_from([segment("NTE", [text()]), "ZZ", f"OBX{comp}1", "NTE"])),
        )
    if draw(st.booleans()):
        segments.append(segment("SPM", ["1"] + [""] * 15 + [value(["20240301", "x"])]))
    return "\r".join(segments) + "\r"


@st.composite
def _feed(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 3))
    body = "".join(draw(_message(n)) for n in range(count))
    if draw(st.booleans()):
        body = f"FHS|^~\\&|LIS\rBHS|^~\\&|LIS\r{body}BTS|{draw(st.integers(0, 4))}\rFTS|1\r"
    if draw(st.booleans()):
        body = "PID|1||X\r" + body
    ends = draw(st.sampled_from(["\r", "\n", "\r\n"]))
    return body.replace("\r", ends)


def _read(text: str, parser: str, limits: Limits | None = None) -> tuple[list[Record], list[str]]:
    source = Source(io.BufferedReader(io.BytesIO(text.encode("utf-8"))), "feed.hl7")
    records, notes = read_hl7(source, parser=parser, limits=limits or Limits())
    return list(records), notes


@settings(max_examples=200, deadline=None)
@given(_feed())
def test_split_fields_read_the_same_records_as_python_hl7(feed: str) -> None:
    split, split_notes = _read(feed, "split")
    tree, tree_notes = _read(feed, "python-hl7")
    assert split == tree
    assert split_notes == tree_notes


def test_the_generated_messages_reach_values_escapes_and_errors() -> None:
    # The property above means little if the generated feeds never get values read, escapes
    # unescaped or problems found: one fixed example of each, on both routes.
    esc_message = (
        "MSH$^~\\&$LIS$LAB$$$20240301083000$$ORU^R01$M1$P\r"
        "OBR$1$$S\\F\\1~S2&x$58410-2$$$20240301080000\r"
        "OBX$1$NM$718-7^Hb^LN~x$$9.1 L$g/dL^^UCUM$12.0-16.0$$$$F\r"
        "OBX$2$NM$777-3^Plt^LN$$62$10\\S\\9/L$150-400$L$$$F\r"
        "OBX$3$NM$6690-2^WBC^LN$$3\\.spx\\$10*9/L$$$$$F\r"
    )
    for parser in ("split", "python-hl7"):
        [record], _ = _read(esc_message, parser)
        assert record.sample_id == "S$1"  # \F\ is this message's field separator ($)
        assert record.panel is not None
        assert record.panel.values["hgb"].value == 9.1
        assert record.panel.lab_flags["hgb"] == "L"
        assert record.panel.values["plt"].value == 62  # 10\S\9/L is 10^9/L
        assert [e.field for e in record.cell_errors] == ["OBX"]  # \.spx\ left out, said
