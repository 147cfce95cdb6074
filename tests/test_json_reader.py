"""JSON and NDJSON input that breaks, nests too deep or holds huge numbers: an error row in its
place, the rest read, exit 3 and never an internal error (exit 70)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli.limits import Limits
from cbc_cli.readers import Input, read_input
from cbc_cli.readers.json_stream import deep_value, json_depth, load, value_end
from cbc_cli.readers.source import Source


def source_of(data: bytes | str, name: str = "test.ndjson") -> Source:
    """A Source over bytes, as open_source makes one for a file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return Source(io.BufferedReader(io.BytesIO(raw)), name)


def read(data: bytes | str, input_format: str = "auto", limits: Limits | None = None) -> Input:
    """The opened input of some bytes."""
    return read_input(source_of(data), input_format, limits=limits or Limits())


def sample(number: int) -> str:
    return json.dumps({"sample_id": f"S{number}", "hgb": 12.5, "plt": 210})


def ndjson(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


# --- NDJSON: one broken line is one error row ---------------------------------------------------


def test_a_broken_ndjson_line_is_an_error_row_in_its_place_and_the_rest_is_read() -> None:
    lines = [sample(n) for n in range(1, 3002)]
    lines[1501] = '{"sample_id": "S1502", "hgb": 12.5,'  # line 1502, cut short
    records = list(read(ndjson(lines)).records)
    assert len(records) == 3001
    assert [r.line for r in records] == list(range(1, 3002))
    broken = records[1501]
    assert broken.error is not None
    assert broken.error.line == 1502
    assert broken.error.message.startswith("line 1502: not valid JSON")
    assert all(r.panel is not None for i, r in enumerate(records) if i != 1501)
    assert records[-1].sample_id == "S3001"


def test_blank_lines_keep_the_line_numbers_of_the_file() -> None:
    text = sample(1) + "\n\n" + sample(2) + "\n" + "{oops}\n" + sample(4) + "\n"
    records = list(read(text).records)
    assert [(r.line, r.error is None) for r in records] == [
        (1, True),
        (3, True),
        (4, False),
        (5, True),
    ]


def test_cli_ndjson_with_a_broken_line_exits_3_with_every_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "in.ndjson"
    path.write_text(ndjson([sample(1), "[1, 2", sample(3)]))
    code, out, err = run_cli(capsys, "check", str(path), "--format", "ndjson")
    assert code == 3
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["line"], r["status"]) for r in rows] == [(1, "ok"), (2, "error"), (3, "ok")]
    assert "Traceback" not in err


def test_trend_input_with_a_broken_line_reads_the_other_draws(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "draws.ndjson"
    rows = [
        {"patient_id": "P1", "collected_at": "2024-03-01", "anc": 0.4},
        {"patient_id": "P1", "collected_at": "2024-03-05", "anc": 0.9},
        {"patient_id": "P1", "collected_at": "2024-03-09", "anc": 1.6},
    ]
    lines = [json.dumps(r) for r in rows]
    lines.insert(1, '{"patient_id": "P1", "collected_at": "2024-03-0')
    path.write_text(ndjson(lines))
    code, out, err = run_cli(capsys, "trend", str(path), "--format", "json")
    assert code == 3
    [person] = json.loads(out)["persons"]
    assert [d["collected_at"] for d in person["draws"]] == [
        "2024-03-01",
        "2024-03-05",
        "2024-03-09",
    ]
    assert "lines 2" in err or "line 2" in err


# --- JSON documents ---------------------------------------------------------------------------


def test_a_malformed_array_is_one_error_row_after_the_samples_before_it() -> None:
    text = "[\n" + sample(1) + ",\n" + sample(2) + ",\n" + '{"sample_id": "S3" "hgb": 1},\n'
    text += sample(4) + "\n]\n"
    records = list(read(text).records)
    assert [r.error is None for r in records] == [True, True, False]
    error = records[-1].error
    assert error is not None
    assert error.line == 4
    assert error.message == (
        "the value from line 4: not valid JSON at line 4 (Expecting ',' delimiter); "
        "the samples before it were read, nothing after it can be"
    )


def test_json_values_one_per_line_past_the_sniffer_recover_at_the_next_line() -> None:
    # The first line is longer than the 4 KiB the format sniffer sees: read as JSON values one
    # after another; a broken one is an error and reading goes on at the next line.
    first = json.dumps({"sample_id": "S1", "hgb": 12.5, "note": "x" * 5000})
    text = ndjson([first, '{"sample_id": "S2", "hgb": ', '  "plt": 3}', sample(4)])
    records = list(read(text).records)
    assert [(r.line, r.error is None) for r in records] == [(1, True), (2, False), (4, True)]


# --- limits: depth and digits -------------------------------------------------------------------


def test_depth_is_counted_without_the_brackets_in_strings() -> None:
    assert json_depth('{"a": "[[[{{{", "b": [1, [2]]}') == 3
    assert json_depth(r'{"a": "x\"[[[", "b": 1}') == 1
    assert json_depth('["unterminated [[[[') == 1
    assert json_depth("[" * 1000 + "]" * 1000) == 1000
    assert json_depth("12") == 0
    assert deep_value('[1] [[[2]]] {"a": 1}', 2) == 4
    assert deep_value("[1] [[2]]", 2) is None


def test_a_line_nested_past_the_limit_is_an_error_row_and_the_next_is_read() -> None:
    deep = '{"sample_id": "D", "hgb": ' + "[" * 1000 + "]" * 1000 + "}"
    records = list(read(ndjson([sample(1), deep, sample(3)])).records)
    assert [(r.line, r.error is None) for r in records] == [(1, True), (2, False), (3, True)]
    assert records[1].error is not None
    assert "past the json_depth limit (64)" in records[1].error.message
    assert "--limit json_depth=" in records[1].error.message


def test_a_document_nested_past_the_limit_is_one_error() -> None:
    [record] = list(read("[" * 1000 + "]" * 1000, "json").records)
    assert record.error is not None
    assert "past the json_depth limit" in record.error.message


def test_an_array_item_past_a_limit_is_an_error_row_and_the_items_after_it_are_read() -> None:
    deep = json.dumps({"sample_id": "D", "hgb": "]]", "x": [[["[["]]]})
    huge = '{"sample_id": "H", "hgb": ' + "9" * 500 + "}"
    text = "[" + sample(1) + ",\n" + deep + ",\n" + huge + ",\n" + sample(4) + "]"
    records = list(read(text, limits=Limits(json_depth=3)).records)
    assert [(r.line, r.error is None) for r in records] == [
        (1, True),
        (2, False),
        (3, False),
        (4, True),
    ]
    assert records[1].error is not None
    assert records[1].error.message == (
        "the value from line 2: JSON nested 4 deep is past the json_depth limit (3); check the "
        "file, or give --limit json_depth=4; the samples after it are read"
    )
    assert records[2].error is not None
    assert "json_digits" in records[2].error.message
    # Nested past Python's own stack, and cut across the reader's 64 KiB chunks.
    text = "[" + sample(1) + ",\n" + "[" * 100_000 + "]" * 100_000 + ",\n" + sample(3) + "]"
    records = list(read(text).records)
    assert [(r.line, r.error is None) for r in records] == [(1, True), (2, False), (3, True)]


def test_value_end_finds_where_a_value_ends_without_decoding_it() -> None:
    assert value_end('[1, "]", {"a": [2]}], 3', 0) == 20
    assert value_end('{"a": "}\\"}"} ,', 0) == 13
    assert value_end("12345, 6", 0) == 5
    assert value_end("[[1]", 0) is None
    assert value_end("12345", 0) is None


def test_a_five_thousand_digit_number_is_an_error_row() -> None:
    huge = '{"sample_id": "H", "hgb": ' + "9" * 5000 + "}"
    records = list(read(ndjson([sample(1), huge, sample(3)]), "ndjson").records)
    assert [(r.line, r.error is None) for r in records] == [(1, True), (2, False), (3, True)]
    assert records[1].error is not None
    assert "past the json_digits limit (100)" in records[1].error.message
    [alone] = list(read('{"hgb": 1.' + "5" * 5000 + "}", "json").records)
    assert alone.error is not None
    assert "json_digits" in alone.error.message


def test_limits_are_taken_from_read_input() -> None:
    text = ndjson(['{"sample_id": "A", "hgb": {"value": 9, "unit": "g/dL"}}', sample(2)])
    strict = list(read(text, limits=Limits(json_depth=1)).records)
    assert [r.error is None for r in strict] == [False, True]
    assert all(r.error is None for r in read(text).records)
    digits = list(read(ndjson(['{"hgb": 12345}']), limits=Limits(json_digits=4)).records)
    assert digits[0].error is not None


def test_load_refuses_what_json_loads_would_crash_on() -> None:
    with pytest.raises(ValueError, match="json_depth"):
        load("[" * 5000 + "]" * 5000)
    with pytest.raises(ValueError, match="json_digits"):
        load("1" * 5000)
    assert load('{"a": [1, 2.5]}') == {"a": [1, 2.5]}


def test_cli_deep_and_huge_inputs_exit_3_not_70(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name, text in [
        ("deep.json", "[" * 1000 + "]" * 1000),
        ("huge.ndjson", ndjson([sample(1), '{"hgb": ' + "7" * 5000 + "}", sample(3)])),
    ]:
        path = tmp_path / name
        path.write_text(text)
        code, _, err = run_cli(capsys, "check", str(path), "--format", "ndjson")
        assert code == 3, (name, err)
        assert "internal error" not in err


def test_a_json_value_past_the_line_limit_is_one_error() -> None:
    text = "[" + sample(1) + ",\n" + json.dumps({"sample_id": "L", "note": "x" * 300}) + "]"
    records = list(read(text, limits=Limits(line=200)).records)
    assert [r.error is None for r in records] == [True, False]
    assert records[1].error is not None
    assert "longer than the line limit (200 characters)" in records[1].error.message


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["hgb", "plt", "sample_id", "unit", "value"]), inner)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_VALUES, st.integers(min_value=0, max_value=60)), min_size=1, max_size=6))
def test_every_ndjson_line_is_one_record_whatever_it_holds(
    values: list[tuple[object, int]],
) -> None:
    # Each line is a JSON value, cut short at some point (0: whole).
    lines = []
    for value, cut in values:
        text = json.dumps(value)
        lines.append((text[: len(text) - cut] if cut < len(text) else text).replace("\n", " "))
    text = "".join(f"{line}\n" for line in lines)
    records = list(read(text, "ndjson").records)
    expected = [n for n, line in enumerate(lines, start=1) if line.strip()]
    assert [r.line for r in records] == expected
    for record in records:
        assert record.panel is not None or record.error is not None


# --- one decoder loop, lenient or strict (json_stream.JsonValues) --------------------------------


def test_one_loop_streams_leniently_and_reads_a_bundle_array_strictly() -> None:
    from cbc_cli.readers.json_stream import ArrayItems, Broken, stream_values

    text = '[{"a": 1}\n {"a": 2},, {"a": 3}]'
    # Streaming a document tolerates the missing and the doubled comma.
    assert [v for _, v in stream_values([text])] == [{"a": 1}, {"a": 2}, {"a": 3}]
    # In memory (a FHIR Bundle's entries) the same array breaks at the missing comma, after
    # the item before it, with the decoder's own message and position.
    items = ArrayItems(text, 0)
    got: list[tuple[int, object]] = []
    with pytest.raises(json.JSONDecodeError) as broke:
        got.extend(items)
    assert got == [(1, {"a": 1})]
    assert broke.value.msg == "Expecting ',' delimiter"
    assert broke.value.pos == text.index('{"a": 2}')
    # Strict still takes one comma before the "]", and stops just past the "]".
    tail = ' "rest": 1}'
    strict = ArrayItems("x [1, [2, 3],\n 4,]" + tail, 2)
    assert list(strict) == [(1, 1), (2, [2, 3]), (3, 4)]
    assert strict.pos == len("x [1, [2, 3],\n 4,]")
    # A text that ends inside the array, and a broken item: errors, the items before yielded.
    for cut, message in (("[1, 2", "Expecting ',' delimiter"), ("[1, ", "Expecting value")):
        seen: list[tuple[int, object]] = []
        with pytest.raises(json.JSONDecodeError) as ended:
            seen.extend(ArrayItems(cut, 0))
        assert ended.value.msg == message
        assert [v for _, v in seen] == [1] if cut == "[1, " else [1, 2]
    # Lenient: a broken value outside an array is a Broken row, and reading resynchronises.
    ndjson = '{"a": 1}\n{"a": \n{"a": 3}\n'
    values = [v for _, v in stream_values([ndjson[:12], ndjson[12:]])]
    assert values[0] == {"a": 1}
    assert isinstance(values[1], Broken)
    assert values[2] == {"a": 3}
