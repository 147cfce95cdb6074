"""The columnar path's whole results (--format ndjson, --format json, with or without --brief)
are byte for byte what the row-by-row path writes (cbc_cli.json_sink)."""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import get_args

import pytest
from helpers import columnar_runner, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_columnar import _LIMIT_NAMES, CONTEXTS, exports

from cbc_cli import columnar, json_sink
from cbc_cli.api import default_ranges, resolve_scheme, scheme_info
from cbc_cli.batch import BatchStats, count, run
from cbc_cli.cli import check_file
from cbc_cli.columnar import sizes
from cbc_cli.models import Flag
from cbc_cli.panel import Patient
from cbc_cli.readers import read_input
from cbc_cli.readers.source import open_source
from cbc_cli.writers.batch_writers import JsonWriter, NdjsonWriter

ROOT = Path(__file__).resolve().parent.parent


def _rows(
    path: Path, scheme_id: str, context: Patient | None = None, *, document: bool, brief: bool
) -> tuple[str, BatchStats]:
    """What the row-by-row path writes (NDJSON, or the JSON document) and counts."""
    scheme = resolve_scheme(scheme_id)
    source = open_source(str(path))
    data = read_input(source)
    out = io.StringIO()
    writer: JsonWriter | NdjsonWriter = (
        JsonWriter(out, scheme_info(scheme), brief=brief)
        if document
        else NdjsonWriter(out, brief=brief)
    )
    stats = BatchStats()
    for record, result in run(data.records, default_ranges(), scheme, context or Patient()):
        count(stats, result)
        writer.write(record, result)
    writer.close()
    source.close()
    return out.getvalue(), stats


def _fast(
    path: Path,
    scheme_id: str,
    jobs: int,
    context: Patient | None = None,
    *,
    document: bool,
    brief: bool,
) -> tuple[str, columnar.ColumnarCsv]:
    """What the columnar path writes, as cli.check_file runs it."""
    runner, source = columnar_runner(path, scheme_id, jobs=jobs, sink="brief" if brief else "csv")
    runner.formula_guard = False
    if context is not None:
        runner.context = context
    out = io.StringIO()
    doc = json_sink.JsonDocument(out, scheme_info(runner.scheme), brief=brief) if document else None
    runner.out = doc.stream if doc is not None else out
    if not brief:
        json_sink.attach(runner)
    runner.run()
    if doc is not None:
        doc.close()
    source.close()
    return out.getvalue(), runner


def _same_stats(a: BatchStats, b: BatchStats) -> None:
    assert (a.samples, a.error_samples, a.cell_errors) == (
        b.samples,
        b.error_samples,
        b.cell_errors,
    )
    assert sorted(a.error_lines) == sorted(b.error_lines)
    assert +a.urgency == +b.urgency


@contextmanager
def _chunks_of(size: int) -> Iterator[None]:
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = size
    try:
        yield
    finally:
        sizes.CHUNK_BYTES = original


def _check(path: Path, scheme_id: str, jobs: int, context: Patient | None = None) -> None:
    for document, brief in ((False, False), (True, False), (True, True)):
        expected, stats = _rows(path, scheme_id, context, document=document, brief=brief)
        got, runner = _fast(path, scheme_id, jobs, context, document=document, brief=brief)
        assert got == expected, (document, brief)
        _same_stats(runner.stats, stats)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=exports(),
    scheme_id=st.sampled_from(["ctcae5", "ctcae6", "daids21"]),
    chunk=st.sampled_from([64, 300, 1 << 20]),
    jobs=st.sampled_from([1, 2]),
)
def test_whole_results_equal_the_row_path(
    tmp_path_factory: pytest.TempPathFactory, text: str, scheme_id: str, chunk: int, jobs: int
) -> None:
    # Persons of every sex and age (unreadable ones too), missing values, unreadable and
    # formula-looking cells, reported bounds and lab flags, over chunks of every size.
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    with _chunks_of(chunk):
        _check(path, scheme_id, jobs)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(exports(always=("wbc", "anc")), exports(always=("hgb", "hct"))),
    scheme_id=st.sampled_from(["ctcae5", "ctcae6", "daids21"]),
    jobs=st.sampled_from([1, 2]),
)
def test_words_that_read_several_values_are_written_alike(
    tmp_path_factory: pytest.TempPathFactory, text: str, scheme_id: str, jobs: int
) -> None:
    # A critical WBC with a known ANC (the WBC's note and the record's notes cite both values),
    # and hemoglobin set against hematocrit (the engine's note on a pair that does not fit
    # together is in no answer set, so those rows are the row path's).
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    with _chunks_of(300):
        _check(path, scheme_id, jobs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=exports(always=("wbc", "neut_pct")),
    scheme_id=st.sampled_from(["ctcae5", "daids21"]),
)
def test_derived_and_cross_checked_counts_are_written_alike(
    tmp_path_factory: pytest.TempPathFactory, text: str, scheme_id: str
) -> None:
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    _check(path, scheme_id, 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=exports(always=("hgb", "mcv")),
    scheme_id=st.sampled_from(["ctcae5", "ctcae6", "daids21"]),
    context=st.sampled_from(CONTEXTS),
)
def test_a_run_context_is_written_alike(
    tmp_path_factory: pytest.TempPathFactory, text: str, scheme_id: str, context: Patient
) -> None:
    # Pregnancy, a child's or newborn's age, a profile, days since chemotherapy and a
    # transplant: the notes and words they add, and the anemia's MCV pattern.
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    _check(path, scheme_id, 1, context)


@pytest.mark.parametrize(
    "content",
    [
        # Patient ids and collection times, given, empty, unreadable or with a zone.
        "sample_id,patient_id,collected_at,sex,age,hgb,anc,plt\n"
        "A,P1,2024-03-12,F,54,9.1,0.8,62\nB,,2024-03-12T08:30+01:00,M,60,15,4,250\n"
        "C, P2 ,,F,40,9.1,0.8,62\nD,P1,yesterday,F,54,9.1,0.8,62\nE,,,M,60,15,4,250\n",
        # Sample ids to escape or strip, or missing; a Latin-1 line (its chunk goes row by row).
        'sample_id,sex,age,hgb,plt\n"a\\"b",F,40,9.1,100\n S2 ,M,50,7,20\n,F,3,11,300\n'
        "\u00e9t\u00e9,F,40,9,90\nS\u2003,F,40,9,90\n",
        # No sample id column; a derived ANC next to a typed one.
        "sex,age,wbc,neut_pct,anc,hgb\nF,40,3.0,40,,9\nF,40,3.0,40,1.1,9\nM,60,9,60,5,15\n",
        # Bounds, units, errors, lab flags and an empty row among plain rows.
        "sample_id,sex,age,hgb,anc\nA,F,40,<7,0.4\nB,F,40,90 g/L,800 cells/uL\nC,F,40,abc,0.2\n"
        "D,F,40,,\nE,X,40,9,1\nF,F,40,9.1 L,0.3\n",
        # ; as delimiter with decimal commas; a critical WBC deferring to the ANC.
        "sample_id;sex;age;wbc;hgb;plt;anc\nA;F;54;1,5;7,1;20;0,3\nB;M;40;1,2;14,0;250;4,0\n",
        # One critical value for persons whose limits differ (the message names the limit), a
        # low and a high together, a newborn-only critical hemoglobin with no age (its note),
        # and a WBC deferring to an ANC in each state.
        "sample_id,sex,age,plt,wbc,hgb,anc\nA,F,40,20,5,12,3\nB,F,8,20,5,12,3\n"
        "C,F,5d,20,5,16,3\nD,F,3w,20,5,12,3\nE,M,40,20,45,21,3\nG,,,20,45,9,3\n"
        "H,,,45,5,7.5,3\nI,F,40,45,1.5,12,0.9\nJ,F,40,200,1.5,12,3\nK,,,200,1.5,25,0.3\n",
        # Hemoglobin and hematocrit that do not fit together (said first), among pairs that do,
        # the same values in other pairs, a bound, and SI units.
        "sample_id,sex,age,hgb,hct\nA,F,50,9,66\nB,F,50,9,27\nC,F,50,12.5,56\nD,F,50,12.5,38\n"
        "E,M,50,15,35\nF,M,50,<5,40\nG,F,50,90 g/L,0.66 L/L\nH,F,50,9,66\nI,,,9,27\n",
    ],
)
@pytest.mark.parametrize("jobs", [1, 2])
def test_awkward_files_give_the_same_results(tmp_path: Path, content: str, jobs: int) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content.encode("utf-8").replace("\u00e9t\u00e9".encode(), b"\xe9t\xe9"))
    _check(path, "ctcae5", jobs)


def test_rows_go_columnar_and_pieces_are_shared(tmp_path: Path) -> None:
    # Many rows, few answer sets: the records are assembled, not judged row by row.
    lines = ["sample_id,sex,age,wbc,hgb,mcv,plt,anc"]
    for i in range(3000):
        lines.append(
            f"S{i},{'FM'[i % 2]},{20 + i % 60},{1 + i % 9}.5,{8 + i % 7}.1,{75 + i % 30},"
            f"{40 + 10 * (i % 30)},{(i % 40) / 10}"
        )
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n")
    expected, _ = _rows(path, "ctcae5", document=False, brief=False)
    got, runner = _fast(path, "ctcae5", 1, document=False, brief=False)
    assert got == expected
    records = runner.json_records
    assert isinstance(records, json_sink.JsonRecords)
    assert records.answer_sets < 600  # answer sets, each the engine's once
    # A critical WBC with a known ANC is in these rows: cited values, still assembled here.
    assert records.citing_sets > 0


def test_the_cli_writes_the_same_document_both_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = ROOT / "examples" / "lab_export.csv"
    for argv in (["--format", "ndjson"], ["--format", "json"], ["--format", "json", "--brief"]):
        target = tmp_path / "fast.json"
        code, out, err = run_cli(capsys, "check", str(path), *argv, "-o", str(target))
        with monkeypatch.context() as m:
            m.setattr(check_file, "columnar_sink", lambda fmt, brief: None)
            row_code, row_out, row_err = run_cli(capsys, "check", str(path), *argv)
        assert (code, err) == (row_code, row_err)
        assert target.read_text(encoding="utf-8") == row_out
        assert out == ""


def test_a_header_alone_ends_the_document_as_the_row_path_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("sample_id,sex,age,hgb\n")
    code, out, err = run_cli(capsys, "check", str(path), "--format", "json")
    with monkeypatch.context() as m:
        m.setattr(check_file, "columnar_sink", lambda fmt, brief: None)
        assert run_cli(capsys, "check", str(path), "--format", "json") == (code, out, err)
    assert code == 3
    assert out.endswith('"results": []}\n')


def _tree() -> ast.Module:
    return ast.parse((ROOT / "cbc_cli" / "json_sink.py").read_text(encoding="utf-8"))


def test_the_sink_asks_the_engine_and_restates_no_rule() -> None:
    # Only the engine's public functions that interpret a panel, say what a value puts into
    # another finding, and write the patient object: no criteria, ranges or thresholds.
    allowed = {
        "cbc_cli.engine": {
            "cross_words",
            "interpret_panel",
            "patient_info",
            "hgb_hct_disagreement",
            "HGB_HCT",
        },
        "cbc_cli.models": {"Result", "SchemeInfo", "to_json"},
        "cbc_cli.units": {"Quantity"},
    }
    forbidden = {"cbc_cli.grading", "cbc_cli.ranges", "cbc_cli.explanations", "cbc_cli.limits"}
    for node in ast.walk(_tree()):
        if isinstance(node, ast.ImportFrom) and node.module in allowed:
            assert {a.name for a in node.names} <= allowed[node.module], node.module
        if isinstance(node, ast.ImportFrom):
            assert node.module not in forbidden, node.module
    flags = set(get_args(Flag))
    for node in ast.walk(_tree()):
        if isinstance(node, ast.Compare):
            named = {
                n.attr if isinstance(n, ast.Attribute) else n.id
                for side in (node.left, *node.comparators)
                for n in ast.walk(side)
                if isinstance(n, ast.Attribute | ast.Name)
            }
            assert not named & _LIMIT_NAMES, ast.unparse(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert node.value not in flags, ast.unparse(node)
        if isinstance(node, ast.Attribute):
            assert node.attr not in {"less", "less_equal", "greater", "greater_equal"}
            assert node.attr not in _LIMIT_NAMES, ast.unparse(node)


@pytest.mark.parametrize("quoted", [False, True])  # the columnar path; a chunk read row by row
@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_a_collection_time_that_cannot_be_read_is_noted_not_dropped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, quoted: bool, fmt: str
) -> None:
    import json

    sample = '"A"' if quoted else "A"
    path = tmp_path / "export.csv"
    path.write_text(
        f"sample_id,sex,age,hgb,collected_at\n{sample},F,40,12.5,2026-13-45\nB,F,40,12.5,2026-03-01\n"
    )
    code, out, _ = run_cli(capsys, "check", str(path), "--format", fmt)
    assert code == 0  # the values are judged: the time is not needed for them
    results = (
        json.loads(out)["results"] if fmt == "json" else [json.loads(x) for x in out.splitlines()]
    )
    unread, read = results
    assert unread["collected_at"] is None
    assert any('collection time "2026-13-45" could not be read' in n for n in unread["notes"])
    assert read["collected_at"].startswith("2026-03-01")
    assert not any("collection time" in n for n in read["notes"])
