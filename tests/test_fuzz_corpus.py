"""The fuzz regression corpus (tests/fixtures/fuzz): every file is read to the end, exit 0 or 3,
each sample or broken piece is one row in its place, and no value from the file reaches stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

FUZZ = Path(__file__).resolve().parent / "fixtures" / "fuzz"
# The rows each file gives, by their line (None: a resource of a JSON document, which has none).
EXPECTED: dict[str, list[int | None]] = {
    "ndjson_broken_line.ndjson": [1, 2, 3, 4, 6, 7, 8],
    "json_array_malformed.json": [2, 3, 4],
    "ndjson_deep_line.ndjson": [1, 2, 3],
    "ndjson_huge_number.ndjson": [1, 2, 3, 4],
    "json_deep_document.json": [1],
    "fhir_wrong_types.ndjson": list(range(1, 15)),
    "fhir_limits.ndjson": [1, 2, 3, 4, 5],
    "fhir_duplicate_full_url.json": [None, None, None],
    "fhir_array_malformed.json": [None, None, 4],
    "fhir_deep_document.json": [1],
    "hl7_long_message.hl7": [1, 304, 306],
    # Found by long runs of tests/fuzzing.py:
    "hl7_unit_tiny_factor.hl7": [1, 8],
    "fhir_code_text_in_loinc.json": [None, None],
    "ndjson_broken_second_line.ndjson": [1, 2, 3, 4, 6, 7, 8],
    "ndjson_text_after_value.ndjson": [1, 2, 3, 4],
}
MARKERS = ("13.579", "Zyxwvut", "MRN1", "S3", "Qz8Marker")


def test_the_json_and_hl7_corpus_is_all_listed() -> None:
    # Every JSON, NDJSON and HL7 file has its rows listed here (tests/test_fuzz.py runs them all).
    listed = sorted(p.name for p in FUZZ.iterdir() if p.suffix in {".json", ".ndjson", ".hl7"})
    assert sorted(EXPECTED) == listed


def _units(path: Path) -> list[int]:
    """Line numbers of what must each be one row: NDJSON lines that are not blank, HL7 MSHs."""
    lines = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if path.suffix == ".hl7":  # (an MSH may follow a BOM and MLLP's start byte, 0x0B)
        return [
            n
            for n, line in enumerate(lines, start=1)
            if line.lstrip(b"\xef\xbb\xbf\x0b").startswith(b"MSH")
        ]
    return [n for n, line in enumerate(lines, start=1) if line.strip()]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fuzz_file_is_read_whole_and_accounted_for(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FUZZ / name
    code, out, err = run_cli(capsys, "check", str(path), "--format", "ndjson")
    assert code in (0, 3), err
    assert "Traceback" not in err
    assert "internal error" not in err
    rows = [json.loads(line) for line in out.splitlines()]
    lines = [row["line"] for row in rows]
    assert lines == EXPECTED[name]
    if path.suffix in (".ndjson", ".hl7"):
        assert lines == _units(path)  # exactly one row per line (or message), in order
    for row in rows:
        assert (row["status"] == "error") == (row["error"] is not None)
    for marker in MARKERS:
        assert marker not in err, marker
