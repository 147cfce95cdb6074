"""One set of rules: long exports (a row per result) through the columnar path write exactly what
the row path writes, and say the same notes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_columnar import AGES, EDGES, NOISE, SEXES, export_text
from test_columnar import (
    test_columnar_imports_only_the_engines_public_rules as _imports_only_public_rules,
)

from cbc_cli.api import default_ranges, resolve_scheme
from cbc_cli.batch import BatchStats, count, run
from cbc_cli.columnar import plan, sizes
from cbc_cli.columnar_long import LongColumnarCsv
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.long_index import SampleIndex, sample_keys
from cbc_cli.panel import Patient
from cbc_cli.readers import read_input
from cbc_cli.readers.source import open_source
from cbc_cli.writers.batch_writers import CsvWriter

ROOT = Path(__file__).resolve().parent.parent

# How LIS exports name each analyte: ids, aliases, LOINC codes, and tests cbc does not read.
NAMES = {
    "hgb": ["hgb", "Hemoglobin", "718-7", " HGB "],
    "wbc": ["WBC", "6690-2", "Leukocytes"],
    "anc": ["ANC", "Neutrophils #", "751-8"],
    "plt": ["PLT", "Platelets", "777-3"],
    "alc": ["ALC", "Lymphocytes #"],
    "hct": ["HCT", "Hematocrit"],
    "mcv": ["MCV"],
    "neut_pct": ["NEUT%", "Neutrophils %"],
}
UNITS = {
    "hgb": ["", "g/dL", "g/L", "mmol/L", "NA"],
    "wbc": ["", "10^9/L", "10^3/uL", "/uL"],
    "anc": ["", "10^9/L", "cells/uL"],
    "plt": ["", "10^9/L", "10^3/uL"],
    "alc": ["", "10^9/L"],
    "hct": ["", "%", "L/L"],
    "mcv": ["", "fL"],
    "neut_pct": ["", "%"],
}
OTHER = ["Sodium", "CRP", ""]


@st.composite
def long_exports(draw: st.DrawFn) -> str:
    with_unit = draw(st.booleans())
    with_time = draw(st.booleans())
    with_flag = draw(st.booleans())
    header = ["sample_id", *(["collected_at"] if with_time else []), "sex", "age", "analyte"]
    # The last column is carried through; a name that looks like a result is noted once.
    note = draw(st.sampled_from(["note", "MPV (fL)", "Leukozten"]))
    header += ["value", *(["unit"] if with_unit else []), *(["flag"] if with_flag else []), note]
    rows: list[list[str]] = []
    for i in range(draw(st.integers(1, 12))):
        # Ids that open like a formula, with spaces the reader strips, or repeated later (the
        # rows of one sample apart: read as two samples, with a note).
        sample = draw(
            st.sampled_from(
                [f"S{i}", f"S{i}", f"S{i % 3}", f"=S{i}", f" S{i}", f"S{i}\nx", "", "S-1"]
            )
        )
        time = draw(st.sampled_from(["2026-11-02", "2026-11-03", ""]))
        sex = draw(st.sampled_from(["", "", *SEXES]))
        age = draw(st.sampled_from(["", "", *AGES]))
        for _ in range(draw(st.integers(1, 6))):
            if draw(st.integers(0, 6)) == 0:
                name, value, unit = draw(st.sampled_from(OTHER)), "138", "mmol/L"
            else:
                analyte = draw(st.sampled_from(sorted(NAMES)))
                name = draw(st.sampled_from(NAMES[analyte]))
                value = draw(st.sampled_from(EDGES[analyte] + NOISE[:2]) | st.sampled_from(NOISE))
                unit = draw(st.sampled_from(UNITS[analyte]))
            # Sex and age are often on some rows of a sample only.
            cells = [sample, *([time] if with_time else [])]
            cells += [sex if draw(st.integers(0, 3)) else "", age if draw(st.booleans()) else ""]
            cells += [name, value, *([unit] if with_unit else [])]
            if with_flag:
                cells.append(draw(st.sampled_from(["", "L", "H", "LL", " hh", "N"])))
            cells.append(draw(st.sampled_from(["", "x", "@x", "-"])))
            rows.append(cells)

    return export_text(draw, header, rows)


def _scalar(path: Path, scheme_id: str, limits: Limits = DEFAULT_LIMITS) -> tuple[str, ...]:
    scheme = resolve_scheme(scheme_id)
    source = open_source(str(path))
    data = read_input(source, limits=limits)
    assert data.long
    out = io.StringIO()
    writer = CsvWriter(out, data.header, [], scheme, long=True, delimiter=data.delimiter)
    stats = BatchStats()
    for record, result in run(data.records, default_ranges(), scheme, Patient()):
        writer.write(record, result)
        count(stats, result)
    source.close()
    return out.getvalue(), "\n".join([*source.warnings, *data.notes]), repr(_plain(stats))


def _columnar(
    path: Path, scheme_id: str, limits: Limits = DEFAULT_LIMITS, jobs: int = 1
) -> tuple[str, ...]:
    return _run(path, scheme_id, limits, jobs)[0]


def _columnar_run(
    path: Path, scheme_id: str, *, jobs: int, chunk: int
) -> tuple[tuple[str, ...], LongColumnarCsv]:
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = chunk
    try:
        return _run(path, scheme_id, DEFAULT_LIMITS, jobs)
    finally:
        sizes.CHUNK_BYTES = original


def _run(
    path: Path, scheme_id: str, limits: Limits, jobs: int
) -> tuple[tuple[str, ...], LongColumnarCsv]:
    scheme = resolve_scheme(scheme_id)
    source = open_source(str(path))
    fast = plan(source, "auto", {}, {}, limits, long=True)
    assert fast is not None
    out = io.StringIO()
    tab = fast.tab
    CsvWriter(out, tab.header, [], scheme, long=True, delimiter=tab.delimiter)
    stats = BatchStats()
    runner = LongColumnarCsv(
        fast=fast,
        source=source,
        ranges=default_ranges(),
        scheme=scheme,
        context=Patient(),
        out=out,
        formula_guard=True,
        stats=stats,
        columns={},
        units={},
        jobs=jobs,
        limits=limits,
    )
    runner.run()
    source.close()
    notes = "\n".join([*source.warnings, *runner.notes])
    return (out.getvalue(), notes, repr(_plain(stats))), runner


def _plain(stats: BatchStats) -> tuple[object, ...]:
    return (
        stats.samples,
        stats.error_samples,
        stats.cell_errors,
        sorted(stats.error_lines),
        sorted((str(k), v) for k, v in stats.urgency.items() if v),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=long_exports(),
    scheme_id=st.sampled_from(["ctcae5", "ctcae6", "daids21"]),
    chunk=st.sampled_from([64, 300, 1 << 20]),
    jobs=st.sampled_from([1, 2]),  # 2: parts of whole samples judged by forked workers
)
def test_long_columnar_equals_the_row_path(
    tmp_path_factory: pytest.TempPathFactory, text: str, scheme_id: str, chunk: int, jobs: int
) -> None:
    path = tmp_path_factory.mktemp("export") / "long.csv"
    path.write_bytes(text.encode("utf-8"))
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = chunk  # small chunks cut samples, lines and CRLF pairs apart
    try:
        assert _columnar(path, scheme_id, jobs=jobs) == _scalar(path, scheme_id)
    finally:
        sizes.CHUNK_BYTES = original


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=long_exports(), chunk=st.sampled_from([64, 300, 1 << 20]), jobs=st.sampled_from([1, 2]))
def test_long_columnar_equals_the_row_path_past_the_limits(
    tmp_path_factory: pytest.TempPathFactory, text: str, chunk: int, jobs: int
) -> None:
    # Lines and cells past small limits are error rows in their place; they end a sample.
    lines = text.split("\n")
    lines[len(lines) // 2] += ",x" + "y" * 130
    path = tmp_path_factory.mktemp("export") / "long.csv"
    path.write_bytes("\n".join(lines).encode("utf-8"))
    limits = Limits(field=40, line=120)
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = chunk
    try:
        assert _columnar(path, "ctcae5", limits, jobs) == _scalar(path, "ctcae5", limits)
    finally:
        sizes.CHUNK_BYTES = original


def test_a_sample_longer_than_several_chunks_is_read_whole(tmp_path: Path) -> None:
    # No sample id: the whole file is one sample, as the row path reads it.
    rows = ["sex,age,analyte,value"] + [f"F,40,{a},{v}" for a, v in [("hgb", "9.1")] * 400]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\nF,40,plt,20\n")
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = 200
    try:
        assert _columnar(path, "ctcae5") == _scalar(path, "ctcae5")
    finally:
        sizes.CHUNK_BYTES = original


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_derived_anc_is_judged_by_the_columnar_rules(tmp_path: Path, jobs: int) -> None:
    # WBC 2.0 x10^9/L with 20% neutrophils gives an ANC of 0.4 x10^9/L (engine.derive_counts),
    # grade 4 neutropenia by NCI CTCAE v5.0 (2017: ANC <0.5 x10^9/L). The columnar rules ask the
    # engine for the derived count: the sample is not sent row by row (the runner's ``by_row``
    # counts what the row path wrote in their place), and the output is the row path's.
    path = tmp_path / "long.csv"
    lines = ["sample_id,sex,age,analyte,value,flag"]
    for i in range(200):  # enough samples that parts go to a worker with jobs=2
        lines += [f"S{i},F,40,WBC,2.0,", f"S{i},F,40,NEUT%,20,", f"S{i},F,40,HGB,13.0,"]
        lines += [f"T{i},M,50,WBC,7.0,", f"T{i},M,50,NEUT%,60,"]
    path.write_text("\n".join(lines) + "\n")
    fast, runner = _columnar_run(path, "ctcae5", jobs=jobs, chunk=1 << 12)
    assert fast == _scalar(path, "ctcae5")
    assert runner.by_row == 0
    header, first = (line.split(",") for line in fast[0].splitlines()[:2])
    cell = dict(zip(header, first, strict=True))
    assert cell["neutropenia_grade"] == "4"
    assert "neutropenia" in cell["findings"].split(";")
    assert cell["urgency"] == "now"  # as the row path decides for grade 4 neutropenia
    # A critical flag from the lab raises the urgency in engine.decide: the row path reads
    # those samples, and the count says so (it sees the samples a worker sent to the row path).
    flagged = path.read_text().replace("S7,F,40,HGB,13.0,", "S7,F,40,HGB,13.0,HH")
    flagged = flagged.replace("T150,M,50,WBC,7.0,", "T150,M,50,WBC,7.0,LL")
    path.write_text(flagged)
    fast, runner = _columnar_run(path, "ctcae5", jobs=jobs, chunk=1 << 12)
    assert fast == _scalar(path, "ctcae5")
    assert runner.by_row == 2


def test_a_many_sample_export_matches_the_row_path(tmp_path: Path) -> None:
    # Thousands of samples over many chunks, some repeated far apart (a note each).
    import random

    rng = random.Random(3)
    lines = ["sample_id,patient_id,collected_at,sex,age,analyte,value,unit"]
    for i in range(3000):
        sample = f"S{i:05d}" if rng.random() > 0.01 else f"S{rng.randint(0, i):05d}"
        sex, age = rng.choice("FM"), str(rng.randint(1, 90))
        for name, value, unit in (
            ("WBC", f"{rng.uniform(0.5, 15):.1f}", "10^9/L"),
            ("HGB", f"{rng.uniform(60, 170):.0f}", "g/L"),
            ("PLT", f"{rng.uniform(5, 500):.0f}", "10^9/L"),
            ("ANC", f"{rng.uniform(0.1, 9):.2f}", "10^9/L"),
        ):
            lines.append(
                f"{sample},P{i % 700},2026-11-0{i % 9 + 1},{sex},{age},{name},{value},{unit}"
            )
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n")
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = 1 << 14
    try:
        for jobs in (1, 2):
            fast = _columnar(path, "ctcae5", jobs=jobs)
            assert fast == _scalar(path, "ctcae5")
            assert "has the sample id of line" in fast[1]
    finally:
        sizes.CHUNK_BYTES = original


def test_the_shipped_long_export_takes_the_row_path_for_its_range_column() -> None:
    # A reference_range column changes how a value is judged: the columnar rules leave it.
    source = open_source(str(ROOT / "examples" / "long_export.csv"))
    assert plan(source, "auto", {}, {}, long=True) is None
    source.close()


@pytest.mark.parametrize(
    ("header", "covered"),
    [
        ("sample_id,sex,age,analyte,value,unit", True),
        ("Sample;Gender;Age;Test;Result;Units;Flag;Comment", True),
        ("sample_id,analyte,value,reference_range", False),
        ("sample_id,analyte,value,ref_low,ref_high", False),
        ("sample_id,dob,collected_at,analyte,value", False),
        ("sample_id,temperature,analyte,value", False),
        ("sample_id,sex,age,hgb,plt", False),
        ("sample_id,analyte,value,,", False),
    ],
)
def test_plan_long_covers_only_what_it_can(tmp_path: Path, header: str, covered: bool) -> None:
    path = tmp_path / "x.csv"
    path.write_text(header + "\n")
    source = open_source(str(path))
    assert (plan(source, "auto", {}, {}, long=True) is not None) is covered
    source.close()


@given(
    keys=st.lists(
        st.tuples(
            st.sampled_from(["S1", "S2", "", "S-10000000000", "S3"]), st.sampled_from(["", "d"])
        ),
        max_size=40,
    ),
    batch=st.integers(1, 7),
    ordered=st.booleans(),
)
def test_sample_index_gives_the_first_line_of_each_key(
    keys: list[tuple[str, str]], batch: int, ordered: bool
) -> None:
    import numpy as np

    from cbc_cli.splitter import split

    if ordered:  # an export sorted by sample: nothing is looked up until a key is out of order
        keys = sorted(set(keys))
    index, expected = SampleIndex(), {}  # type: ignore[var-annotated]
    for start in range(0, len(keys), batch):
        part = keys[start : start + batch]
        lines = np.arange(start + 1, start + 1 + len(part), dtype=np.int64)
        if start % 2:  # one by one, as the row path's reader asks
            got = []
            for key, line in zip(part, lines.tolist(), strict=True):
                got.append(index.get(key) or 0)
                index.setdefault(key, line)
        else:  # as the columnar path asks: the keys of a chunk's samples, from its fields
            fields = split("".join(f"{s},{c}\n" for s, c in part).encode(), 2, ",")
            assert fields is not None
            keys_ = sample_keys(fields, 0, 1, np.arange(len(part)), start + 1)
            got = [0] * len(part)
            if keys_ is not None:
                found = index.first_lines(
                    keys_.hashes, keys_.lines, keys_.first, keys_.last, keys_.increasing
                )
                for line, first in zip(keys_.lines.tolist(), found.tolist(), strict=True):
                    got[line - start - 1] = first
        want = []
        for key, line in zip(part, lines.tolist(), strict=True):
            want.append(expected.get(key, 0) if key[0] else 0)
            expected.setdefault(key, line)
        assert got == want
    index.close()


def test_cbc_check_takes_long_exports_through_the_columnar_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers import run_cli

    lines = ["sample_id,sex,age,analyte,value,unit"]
    for i in range(300):
        lines += [f"S{i},F,40,HGB,{6 + i % 9}.5,g/dL", f"S{i},F,40,PLT,{20 + 7 * i},10^9/L"]
    lines.append("S2,F,40,ANC,0.3,10^9/L")  # S2 again, apart: a second sample and a note
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run_cli(capsys, "check", str(path), "--format", "csv")
    want, notes, _ = _scalar(path, "ctcae5")
    assert (code, out) == (0, want)
    assert err == f"cbc: note: {notes}\n"
    assert "line 602 has the sample id of line 6" in err


@pytest.mark.parametrize(
    "module",
    ["long_samples.py", "long_index.py", "long_rules.py", "long_rowpath.py"],
)
def test_the_long_modules_ask_the_engine_and_restate_no_rule(module: str) -> None:
    # columnar_long.py is checked with columnar.py (tests/test_columnar.py); so are the modules
    # it was split into: the engine's public functions only, no thresholds of their own.
    _imports_only_public_rules(module)
