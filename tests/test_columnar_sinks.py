"""The columnar path's other outputs agree with the row-by-row path: brief NDJSON records byte
for byte, and the terminal summary count for count (and as printed)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from helpers import columnar_runner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_columnar import _scalar, exports

from cbc_cli import columnar
from cbc_cli.api import default_ranges, resolve_scheme
from cbc_cli.batch import BatchStats, BatchSummary, count, run
from cbc_cli.brief import brief_data, brief_schema
from cbc_cli.cli import main
from cbc_cli.cli.check_file import columnar_sink
from cbc_cli.cli.formats import print_file_table
from cbc_cli.columnar import sizes
from cbc_cli.models import Result
from cbc_cli.panel import Patient
from cbc_cli.readers import read_input
from cbc_cli.readers.source import open_source
from cbc_cli.writers.batch_writers import NdjsonWriter

ROOT = Path(__file__).resolve().parent.parent


def _rows(path: Path, scheme_id: str) -> tuple[list[Result], BatchStats]:
    """The row-by-row path's results and statistics for a file."""
    source = open_source(str(path))
    data = read_input(source)
    stats = BatchStats()
    results = []
    for _, result in run(data.records, default_ranges(), resolve_scheme(scheme_id), Patient()):
        count(stats, result)
        results.append(result)
    source.close()
    return results, stats


def _scalar_brief(path: Path, scheme_id: str) -> str:
    out = io.StringIO()
    writer = NdjsonWriter(out, brief=True)
    for result in _rows(path, scheme_id)[0]:
        writer.write(None, result)
    return out.getvalue()


def _columnar_run(path: Path, scheme_id: str, jobs: int, sink: str) -> columnar.ColumnarCsv:
    runner, source = columnar_runner(path, scheme_id, jobs=jobs, sink=sink)
    runner.formula_guard = False  # as cli.check_file runs the sinks other than CSV
    runner.run()
    source.close()
    return runner


def _summary(results: list[Result]) -> BatchSummary:
    summary = BatchSummary()
    for result in results:
        summary.add(result)
    return summary


def _same_stats(a: BatchStats, b: BatchStats) -> None:
    assert (a.samples, a.error_samples) == (b.samples, b.error_samples)
    assert a.cell_errors == b.cell_errors
    assert sorted(a.error_lines) == sorted(b.error_lines)
    assert +a.urgency == +b.urgency


def _check_sinks(path: Path, scheme_id: str, jobs: int) -> None:
    results, stats = _rows(path, scheme_id)
    brief = _columnar_run(path, scheme_id, jobs, "brief")
    assert brief.out.getvalue() == _scalar_brief(path, scheme_id)  # type: ignore[attr-defined]
    _same_stats(brief.stats, stats)
    tally = _columnar_run(path, scheme_id, jobs, "summary")
    assert tally.out.getvalue() == ""  # type: ignore[attr-defined]
    assert tally.summary == _summary(results)
    assert tally.first == (results[0] if results else None)
    _same_stats(tally.stats, stats)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=exports(),
    scheme_id=st.sampled_from(["ctcae5", "ctcae6", "daids21"]),
    chunk=st.sampled_from([64, 300, 1 << 20]),
    jobs=st.sampled_from([1, 2]),
)
def test_brief_records_and_summary_equal_the_row_path(
    tmp_path_factory: pytest.TempPathFactory, text: str, scheme_id: str, chunk: int, jobs: int
) -> None:
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = chunk  # small chunks: many chunks, each with scalar rows or not
    try:
        _check_sinks(path, scheme_id, jobs)
    finally:
        sizes.CHUNK_BYTES = original


@pytest.mark.parametrize(
    "content",
    [
        # Sample ids to escape or strip, or missing; a Latin-1 line (its chunk goes row by row).
        'sample_id,sex,age,hgb,plt\n"a\\"b",F,40,9.1,100\n S2 ,M,50,7,20\n,F,3,11,300\n'
        "\u00e9t\u00e9,F,40,9,90\nS\u2003,F,40,9,90\n",
        # No sample id column; a derived ANC (scalar) next to columnar rows.
        "sex,age,wbc,neut_pct,anc,hgb\nF,40,3.0,40,,9\nF,40,3.0,40,1.1,9\nM,60,9,60,5,15\n",
        # Bounds, units, errors and an empty row among plain rows.
        "sample_id,sex,age,hgb,anc\nA,F,40,<7,0.4\nB,F,40,90 g/L,800 cells/uL\nC,F,40,abc,0.2\n"
        "D,F,40,,\nE,X,40,9,1\n",
        # ; as delimiter with decimal commas.
        "sample_id;sex;age;hgb;plt;anc\nA;F;54;7,1;20;0,3\nB;M;40;14,0;250;4,0\n",
        # One critical value, persons whose limits differ (the message names the limit: plt
        # < 37 adults, < 53 children, < 50 at 0-14 days, < 30 at 15 days to 1 month), a low
        # and a high together, and a critical value for some ages only with no age.
        "sample_id,sex,age,plt,wbc,hgb\nA,F,40,20,5,12\nB,F,8,20,5,12\nC,F,5d,20,5,16\n"
        "D,F,3w,20,5,12\nE,M,40,20,45,21\nF,M,8,20,45,21\nG,,,20,45,12\nH,,,45,5,12\n"
        "I,F,40,45,5,12\nJ,F,8,45,1.5,12\n",
        # A high hematocrit the hemoglobin does not show: erythrocytosis, not graded (the
        # schemes grade the hemoglobin), counted so in the summary on both paths.
        "sample_id,sex,age,hgb,lymph_pct,mcv,hct,alc\nS0,,,6.5,5,79.9,17,0.19\n"
        "S3,,3m,9.9,5,79.9,47,0.19\nS4,M,40,15,,,56,\n",
        # Values that do not fit together (a brief record's consistency): hemoglobin and
        # hematocrit apart and alike, a typed ANC far from the differential's, and one near it.
        "sample_id,sex,age,hgb,hct,wbc,neut_pct,anc\nA,F,50,9,66,5,60,3\nB,F,50,9,27,5,60,3\n"
        "C,F,50,12.5,56,5,60,0.5\nD,F,50,12.5,38,5,60,0.5\nE,F,50,12.5,38,5,60,3.1\n",
    ],
)
@pytest.mark.parametrize("jobs", [1, 2])
def test_awkward_files_give_the_same_brief_records_and_summary(
    tmp_path: Path, content: str, jobs: int
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content.encode("utf-8").replace("\u00e9t\u00e9".encode(), b"\xe9t\xe9"))
    _check_sinks(path, "ctcae5", jobs)


def test_the_shipped_export_gives_the_same_sinks() -> None:
    _check_sinks(ROOT / "examples" / "lab_export.csv", "ctcae5", 1)


def test_brief_records_carry_no_explanation_prose_and_fit_the_schema() -> None:
    import jsonschema  # type: ignore[import-untyped]

    results, _ = _rows(ROOT / "examples" / "lab_export.csv", "ctcae5")
    record = brief_data(results[3])  # LAB-0004: pancytopenia with critical values
    assert record["urgency"] == "now"
    assert "critical-value" in record["findings"]
    assert record["grades"]["neutropenia"] == 4
    assert record["analytes"]["plt"] == {"value": 18.0, "unit": "10^9/L", "flag": "LL"}
    text = json.dumps(record)
    full = results[3].to_json()
    for finding in results[3].findings:
        assert finding.explanation in full
        assert finding.explanation not in text
    document = {"schema_version": "1.1", "brief": True, "grading": {}, "results": [record]}
    jsonschema.validate(document, brief_schema())


def _table(results: list[Result], stats: BatchStats) -> str:
    out = io.StringIO()
    first = results[0] if results else None
    print_file_table(out, resolve_scheme("ctcae5"), _summary(results), first)
    return out.getvalue()


def _cbc(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    stdin: bytes = b"",
) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    with pytest.raises(SystemExit) as exc:
        main(argv)
    code = exc.value.code
    out, err = capsys.readouterr()
    if code not in (0, 1, 3):
        out = err  # the error line, for the test to read
    return (code if isinstance(code, int) else 0), out


@pytest.mark.parametrize("kind", ["csv", "tsv", "gzip", "stdin", "gzip-stdin"])
def test_summary_brief_and_csv_of_each_input_take_the_fast_path_and_match(
    tmp_path: Path,
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("CBC_RANGES", raising=False)
    text = (ROOT / "examples" / "lab_export.csv").read_text()
    text += "LAB-0099,F,40,<0.5,,,,,,\nLAB-0100,F,40,,,,,,,\n"  # rows the scalar path takes
    if kind == "tsv":
        text = text.replace(",", "\t")
    path = tmp_path / ("export.tsv" if kind == "tsv" else "export.csv")
    path.write_text(text)
    results, stats = _rows(path, "ctcae5")
    data = text.encode()
    if kind.startswith("gzip"):
        data = gzip.compress(data)
        path = tmp_path / "export.csv.gz"
        path.write_bytes(data)
    import cbc_cli.cli.check_file as batch_cli

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("read row by row")

    # Proof that the fast path runs: the row-by-row reader is never called.
    monkeypatch.setattr(batch_cli, "read_input", refuse)
    stdin = data if kind.endswith("stdin") else b""
    argv = ["check", "-" if stdin else str(path), "--jobs", "2"]
    code, table = _cbc(capsys, monkeypatch, argv, stdin)
    assert code == 3  # the error row
    assert table == _table(results, stats)
    code, brief = _cbc(capsys, monkeypatch, [*argv, "--format", "ndjson", "--brief"], stdin)
    assert code == 3
    assert brief == "".join(
        json.dumps(brief_data(r), ensure_ascii=False, separators=(",", ":")) + "\n" for r in results
    )
    code, rows = _cbc(capsys, monkeypatch, [*argv, "--format", "csv"], stdin)
    assert code == 3
    assert rows == _scalar(path, "ctcae5")


def test_a_one_sample_file_shows_the_whole_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    path = tmp_path / "one.csv"
    path.write_text("sample_id,sex,age,hgb,anc,plt\nS1,F,54,9.1,0.8,62\n")
    results, stats = _rows(path, "ctcae5")
    code, shown = _cbc(capsys, monkeypatch, ["check", str(path)])
    assert code == 0
    assert shown == _table(results, stats)
    assert "Contact your care team soon" in shown


def test_brief_is_refused_where_it_has_no_meaning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _cbc(capsys, monkeypatch, ["check", "--hgb", "9.1", "--brief"])
    assert code == 2
    assert "--brief applies to --format json, ndjson or csv" in err


def test_which_outputs_take_the_columnar_path() -> None:
    assert columnar_sink("csv", False) == columnar_sink("csv", True) == "csv"
    assert columnar_sink("table", False) == "summary"
    assert columnar_sink("ndjson", True) == "brief"
    # Whole results too (cbc_cli.json_sink); the JSON document holds the same records.
    assert columnar_sink("ndjson", False) == columnar_sink("json", False) == "ndjson"
    assert columnar_sink("json", True) == "brief"
    assert columnar_sink("html", False) is None


def test_explain_json_gives_every_text_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cbc_cli.explanations import EXPLANATIONS, TOPICS

    code, out = _cbc(capsys, monkeypatch, ["explain", "--format", "json"])
    assert code == 0
    document = json.loads(out)
    assert set(document["findings"]) == set(EXPLANATIONS)
    assert set(document["topics"]) == set(TOPICS)
    # The texts a brief record leaves out are here, once: a full result's words come from them.
    results, _ = _rows(ROOT / "examples" / "lab_export.csv", "ctcae5")
    for finding in results[0].findings:
        words = document["findings"][finding.code]
        assert words["title"] == finding.title
        assert words["measures"] == finding.measures
        assert finding.topics == words["topics"]
    code, out = _cbc(capsys, monkeypatch, ["explain", "bleeding-precautions", "-f", "json"])
    one = json.loads(out)
    assert one["findings"] == {}
    assert one["topics"]["bleeding-precautions"]["points"] == list(
        TOPICS["bleeding-precautions"].points
    )
    code, err = _cbc(capsys, monkeypatch, ["explain", "anaemia-x", "--format", "json"])
    assert code == 2
    assert "unknown finding or topic" in err


def test_schema_brief_validates_the_brief_json_document(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    code, out = _cbc(capsys, monkeypatch, ["schema", "--brief"])
    schema = json.loads(out)
    assert schema["$id"] == "urn:cbc-cli:schema:brief:1.1"
    path = str(ROOT / "examples" / "lab_export.csv")
    code, out = _cbc(capsys, monkeypatch, ["check", path, "--format", "json", "--brief"])
    assert code == 0
    document = json.loads(out)
    assert document["brief"] is True
    assert len(document["results"]) == 6
    jsonschema.Draft202012Validator(schema).validate(document)
    # A bound keeps its comparator; a whole result fails the brief schema (it has no "brief").
    _, out = _cbc(capsys, monkeypatch, ["check", "--anc", "<0.1", "--format", "json"])
    assert not jsonschema.Draft202012Validator(schema).is_valid(json.loads(out))
    _, out = _cbc(capsys, monkeypatch, ["check", "--anc", "<0.1", "--format", "ndjson", "--brief"])
    record = json.loads(out)
    assert record["analytes"]["anc"] == {
        "value": 0.1,
        "unit": "10^9/L",
        "flag": "LL",
        "comparator": "<",
    }


@given(st.lists(st.binary(max_size=40), max_size=5000), st.booleans())
@settings(max_examples=30, deadline=None)
def test_parts_joined_a_block_at_a_time_are_the_same_bytes(
    parts: list[bytes], counted: bool
) -> None:
    """join_parts gives what bytes.join gives, with the length counted by the caller or not."""
    from cbc_cli.columnar.sinks import join_parts

    for joined in (parts, [*parts, *[b"q", b""] * 2100, *parts]):  # over one block and under
        total = sum(map(len, joined)) if counted else None
        assert join_parts(joined, total) == b"".join(joined)


@given(
    st.lists(
        st.tuples(
            st.sampled_from([b"", b",a\n", b",b\n"]),
            st.lists(st.sampled_from([b"", b"x", b"yy", b"zzz"]), max_size=6).map(tuple),
        ),
        max_size=300,
    )
)
@settings(max_examples=30, deadline=None)
def test_outcomes_give_back_each_tail_and_extra_as_given(
    items: list[tuple[bytes, tuple[bytes, ...]]],
) -> None:
    """Kept as ids into one pool of distinct values, an outcome's tail and extra read back as
    they were given (their order, length and empty pieces kept), however they were batched."""
    import numpy as np

    from cbc_cli.columnar.tables import Outcomes

    outcomes = Outcomes()
    for start in range(0, len(items), 37):
        batch = items[start : start + 37]
        ids = outcomes.extend(
            [t for t, _ in batch],
            [0] * len(batch),
            np.zeros(len(batch), bool),
            [None] * len(batch),
            [e for _, e in batch],
        )
        assert ids.tolist() == list(range(start, start + len(batch)))
    assert [outcomes.extra_of(i) for i in range(len(items))] == [e for _, e in items]
    every = np.arange(len(items))
    assert outcomes.tails(every).tolist() == [t for t, _ in items]
    width = 8
    pieces = outcomes.pieces(every, width)
    padded = [(*e, *[b""] * width)[:width] for _, e in items]
    assert outcomes.pool.values.take(pieces).tolist() == [list(p) for p in padded]
    assert len(outcomes.pool) <= 1 + 2 + 3  # the distinct texts only, once each


@pytest.mark.parametrize(
    "body",
    [b"a,1\nbb,22\n\xc3\xa9,\n", b"x,y\n", b",\n,\n,\n"],
)
def test_chunk_lines_are_the_lines_split_at_each_line_feed(body: bytes) -> None:
    # The summary and brief sinks read a chunk's lines through ChunkLines: each line, a slice,
    # a count from the end, and all of them in turn are the bytes splitting the chunk gives.
    from cbc_cli.columnar.cells import ChunkLines
    from cbc_cli.splitter import split

    fields = split(body, 2, ",")
    assert fields is not None
    lines = ChunkLines(body, fields.start(0), fields.end(1))
    want = body.split(b"\n")[:-1]
    assert len(lines) == len(want)
    assert [lines[i] for i in range(len(want))] == want
    assert list(lines) == want
    assert lines[-1] == want[-1]
    assert lines[1:] == want[1:]
    with pytest.raises(IndexError):
        lines[len(want)]


def test_a_brief_record_says_which_values_do_not_fit_together(tmp_path: Path) -> None:
    # The full result's consistency notes (engine.consistency_notes), not dropped from the
    # brief record: the columnar path leaves such rows to the row path, which writes them.
    path = tmp_path / "export.csv"
    path.write_text(
        "sample_id,sex,age,hgb,hct,wbc,neut_pct,anc\n"
        "A,F,50,9,66,,,\nB,F,50,9,27,,,\nC,F,50,12,36,5.0,60,0.5\n"
    )
    runner, source = columnar_runner(path, sink="brief")
    runner.out = out = io.StringIO()
    runner.run()
    source.close()
    a, b, c = (json.loads(line) for line in out.getvalue().splitlines())
    assert len(a["consistency"]) == 1
    assert "do not fit together" in a["consistency"][0]
    assert b["consistency"] == []
    assert len(c["consistency"]) == 1
    assert "disagree" in c["consistency"][0]
