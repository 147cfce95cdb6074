"""A mutation fuzzer for every reader, with the oracles the project promises.

Seeds are the example and fixture files (CSV/TSV, long layout, JSON, NDJSON, HL7, FHIR, trend
input, range files). Each round mutates one seed (bytes, lines, cells or JSON structure), plants a
marker in a data cell, runs ``cbc`` in this process and checks:

- no exception escapes and no exit code outside the documented ones (never 70);
- no marker planted in a cell appears on stderr (``CBC_DEBUG=1`` included);
- NDJSON input: every non-blank line comes out exactly once, as a result or an error row, with
  its own line number;
- wide CSV written as CSV: ``--jobs 2`` gives the same bytes, stderr and exit code as ``--jobs 1``
  (that path is the columnar one, so this also compares two ways of running the fast path), and
  the same flags, findings and urgency as the row-by-row path (``--format ndjson``).

Run briefly by ``tests/test_fuzz.py``; for a long run (figures in the project's notes)::

    python tests/fuzzing.py --seconds 1800 --seed 7 --save tests/fixtures/fuzz

which prints inputs tried and failures, and saves each failing input to the folder given.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
csv.field_size_limit(sys.maxsize)
SEEDS = sorted(
    p
    for folder in ("examples", "tests/fixtures", "reference_ranges")
    for p in (ROOT / folder).rglob("*")
    if p.is_file()
    and p.suffix in {".csv", ".tsv", ".json", ".ndjson", ".hl7", ".toml"}
    and "expected" not in p.parts
    and "grading" not in p.parts
)
MARKER = "Qz8Marker"
"""Planted in a data cell; must never be echoed on stderr."""
CHECK_CODES = {0, 1, 3}
"""Exit codes `cbc check` may end with on any input (1 only with --fail-on)."""
RANGES_CODES = {0, 4}
NASTY = [
    '"',
    ",",
    ";",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\ufeff",
    "é",
    "\udcff",
    "{",
    "}",
    "[",
    "]",
    "|",
    "^",
    "~",
    "\\",
    "&",
    "NaN",
    "inf",
    "-0",
    "1e309",
    "-1",
    "0x10",
    "9" * 400,
    "<0.1",
    ">1000",
    "10^9/L",
    "/uL",
    "g/L",
    "MSH|^~\\&|",
    "OBX|1|NM|718-7^Hemoglobin^LN||9.1|g/dL|12-16|L|||F\r",
    "=HYPERLINK(1)",
    "[" * 300,
    '{"a":' * 300,
]


@dataclass
class Outcome:
    code: int
    out: bytes
    err: str


@dataclass
class Failure:
    kind: str
    detail: str
    argv: list[str]
    data: bytes


@dataclass
class Tally:
    tried: int = 0
    runs: int = 0
    failures: list[Failure] = field(default_factory=list)


class _Timeout(Exception):
    pass


class _Kept(io.BytesIO):
    """A byte buffer whose content outlives a close by the code under test."""

    def close(self) -> None:
        self.flush()


def run_cbc(argv: list[str], *, debug: bool = False, timeout: int = 60) -> Outcome:
    """Run ``cbc ARGV`` in this process with fresh standard streams; never raises."""
    from cbc_cli.cli import main

    out_bytes, err_bytes = _Kept(), _Kept()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    sys.stdin = io.TextIOWrapper(io.BytesIO(b""))
    sys.stdout = io.TextIOWrapper(out_bytes, encoding="utf-8", newline="", write_through=True)
    sys.stderr = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="replace", write_through=True)
    old_debug = os.environ.get("CBC_DEBUG")
    if debug:
        os.environ["CBC_DEBUG"] = "1"
    else:
        os.environ.pop("CBC_DEBUG", None)

    def _alarm(*_: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    code: int
    try:
        main(argv)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 0 if done.code is None else 1
    except _Timeout:
        code = -2
        sys.stderr.write("fuzz: timed out\n")
    except BaseException:  # any escape is what the fuzzer looks for
        code = -1
        # As Python would print it (CBC_DEBUG lets errors escape): checked for cell values too.
        sys.stderr.write(traceback.format_exc())
    else:
        code = 0
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        sys.stdin, sys.stdout, sys.stderr = streams
        if old_debug is None:
            os.environ.pop("CBC_DEBUG", None)
        else:
            os.environ["CBC_DEBUG"] = old_debug
    return Outcome(code, out_bytes.getvalue(), err_bytes.getvalue().decode("utf-8", "replace"))


# --- mutations ------------------------------------------------------------------------------


def _plant(text: str, rng: random.Random) -> str:
    """Put the marker into a data cell (not the header line, the first line with text: a header
    name is not a patient value, and notes about a header name it)."""
    lines = text.split("\n")
    header = next((k for k, line in enumerate(lines) if line.strip()), 0)
    if len(lines) < header + 2:
        return text + "\n" + MARKER
    i = rng.randrange(header + 1, len(lines))
    line = lines[i]
    for sep in (",", ";", "\t", "|"):
        if sep in line:
            cells = line.split(sep)
            j = rng.randrange(len(cells))
            cells[j] = rng.choice([MARKER, cells[j] + MARKER, MARKER + " g/dL", "9." + MARKER])
            lines[i] = sep.join(cells)
            return "\n".join(lines)
    if line.strip().startswith("{"):
        lines[i] = line.replace(":", f': "{MARKER}", "x":', 1)
        return "\n".join(lines)
    lines[i] = line + MARKER
    return "\n".join(lines)


def _json_mutate(data: object, rng: random.Random) -> object:
    """Replace one node of a JSON document by a node of another type."""
    nodes: list[tuple[object, object]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                nodes.append((node, k))
                walk(v)
        elif isinstance(node, list):
            for k, v in enumerate(node):
                nodes.append((node, k))
                walk(v)

    walk(data)
    if not nodes:
        return data
    for _ in range(rng.randint(1, 3)):
        parent, key = rng.choice(nodes)
        replacement = rng.choice(
            [None, True, 0, -1, 1e308, 10**60, "", MARKER, [], {}, [MARKER], {"x": MARKER}, "9.1"]
        )
        parent[key] = replacement  # type: ignore[index]
    return data


def mutate(seed: bytes, rng: random.Random) -> bytes:
    """One mutated input from a seed file's bytes."""
    text = seed.decode("utf-8", "replace")
    kind = rng.randrange(8)
    if kind == 0 and text.lstrip()[:1] in "[{":
        try:
            if "\n{" in text.strip() and not text.lstrip().startswith("["):
                lines = [json.loads(x) for x in text.splitlines() if x.strip()]
                k = rng.randrange(len(lines))
                lines[k] = _json_mutate(lines[k], rng)
                text = "\n".join(json.dumps(x) for x in lines) + "\n"
            else:
                text = json.dumps(_json_mutate(json.loads(text), rng))
        except (ValueError, RecursionError):
            pass
    elif kind == 1:  # lines: drop, repeat or swap
        lines = text.split("\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        op = rng.randrange(3)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[j])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        text = "\n".join(lines)
    elif kind == 2:  # a nasty token somewhere
        i = rng.randrange(len(text) + 1)
        text = text[:i] + rng.choice(NASTY) + text[i:]
    elif kind == 3:  # a range removed or repeated
        i = rng.randrange(len(text) + 1)
        j = min(len(text), i + rng.randint(1, 40))
        text = text[:i] + (text[i:j] * rng.randint(2, 5) if rng.random() < 0.5 else "") + text[j:]
    elif kind == 4:  # cut short
        text = text[: rng.randrange(len(text) + 1)]
    elif kind == 5:  # a broken line in the middle of a line-oriented file
        lines = text.split("\n")
        i = rng.randrange(1, max(2, len(lines)))
        lines.insert(i, rng.choice(['{"hgb": ', "}}}", '"unterminated,1,2', "x" * 50, "\x00\x01"]))
        text = "\n".join(lines)
    elif kind == 6:  # a long cell
        i = rng.randrange(len(text) + 1)
        text = text[:i] + "7" * rng.choice([1000, 5000, 140_000]) + text[i:]
    data = _plant(text, rng).encode("utf-8", "surrogateescape")
    if kind == 7 and data:  # raw bytes flipped
        raw = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        data = bytes(raw)
    return data


# --- oracles ---------------------------------------------------------------------------------


def _leaks(outcome: Outcome, data: bytes) -> bool:
    """Whether stderr shows the marker planted in a data cell. A mutation after planting can
    join lines so that the marker lands in the header line (a byte in place of the line end):
    cbc then rightly names that header in its notes, so an input whose header line holds the
    marker is not judged by this oracle."""
    if MARKER not in outcome.err:
        return False
    header = next((line for line in re.split(rb"[\r\n]", data) if line.strip()), b"")
    return MARKER.encode() not in header


def _ndjson_lines(data: bytes) -> set[int]:
    """1-based numbers of the non-blank lines of an NDJSON input."""
    text = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    return {i for i, line in enumerate(text.split("\n"), start=1) if line.strip()}


def _results(outcome: Outcome) -> list[dict[str, object]]:
    results = []
    # Split on LF only: str.splitlines also splits on U+2028, U+0085 and others, which JSON
    # strings may hold unescaped.
    for line in outcome.out.decode("utf-8", "replace").split("\n"):
        if line.strip():
            results.append(json.loads(line))
    return results


def _essence(results: list[dict[str, object]]) -> list[tuple[object, ...]]:
    """What the fast path and the row path must agree on, per row."""
    rows: list[tuple[object, ...]] = []
    for r in results:
        analytes = r["analytes"]
        findings = r["findings"]
        assert isinstance(analytes, list)
        assert isinstance(findings, list)
        flags = {a["analyte"]: a["flag"] for a in analytes if a["flag"] is not None}
        # A derived count (ANC or ALC from the differential) has a CSV flag column only when
        # the file has a column for it: marked, so that the comparison leaves it out.
        flags.update({f"derived:{a['analyte']}": True for a in analytes if a["derived"]})
        codes = sorted(f["code"] for f in findings)
        rows.append((flags, codes, r["urgency"], r["status"]))
    return rows


def _without_derived(row: tuple[object, ...]) -> tuple[object, ...]:
    flags = row[0]
    assert isinstance(flags, dict)
    kept = {k: v for k, v in flags.items() if not k.startswith("derived:")}
    derived = {k.removeprefix("derived:") for k in flags if k.startswith("derived:")}
    return ({k: v for k, v in kept.items() if k not in derived}, *row[1:], derived)


def _drop(fast: tuple[object, ...], row: tuple[object, ...]) -> tuple[object, ...]:
    """The CSV row's essence without the counts the row path derived (see _essence)."""
    flags, derived = fast[0], row[-1]
    assert isinstance(flags, dict)
    assert isinstance(derived, set)
    return ({k: v for k, v in flags.items() if k not in derived}, *fast[1:], derived)


def _csv_essence(out: bytes) -> list[tuple[object, ...]]:
    """The same from CSV output: cbc's columns are the last ones, ``findings`` to ``error`` after
    the grade and flag columns (named ``cbc_...`` when the input has a column of that name)."""
    text = out.decode("utf-8", "replace")
    table = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    if not table:
        return []
    header = table[0]
    end = len(header) - 4  # findings, urgency, status, error
    start = end
    while start > 0 and header[start - 1].endswith("_grade"):
        start -= 1
    while start > 0 and header[start - 1].endswith("_flag"):
        start -= 1
    flag_at = [(header[i].removeprefix("cbc_")[: -len("_flag")], i) for i in range(start, end)]
    rows: list[tuple[object, ...]] = []
    for row in table[1:]:
        if len(row) != len(header):
            return [("row of", len(row), "cells under a header of", len(header))]
        flags = {a: row[i] for a, i in flag_at if header[i].endswith("_flag") and row[i]}
        codes = sorted(c for c in row[end].split(";") if c)
        rows.append((flags, codes, row[end + 1] or None, row[end + 2]))
    return rows


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def check_input(data: bytes, suffix: str, tmp: Path, tally: Tally) -> None:
    """Run one input through the formats and paths that apply, and check every oracle."""
    path = tmp / f"input{suffix}"
    path.write_bytes(data)
    if suffix == ".toml":
        probes = [["ranges", "validate", str(path)]]
        for argv in probes:
            outcome = run_cbc(argv)
            tally.runs += 1
            _judge(outcome, argv, data, RANGES_CODES, tally)
        return
    command = "trend" if "trend" in str(path.parent.name) else "check"
    ndjson = run_cbc([command, str(path), "--format", "ndjson" if command == "check" else "json"])
    tally.runs += 1
    argv0 = [command, str(path), "--format", "ndjson"]
    if not _judge(ndjson, argv0, data, CHECK_CODES, tally) or command != "check":
        return
    debug = run_cbc(argv0, debug=True)
    tally.runs += 1
    _judge(debug, [*argv0, "(CBC_DEBUG=1)"], data, CHECK_CODES, tally)
    if debug.code != ndjson.code:
        tally.failures.append(
            Failure(
                "exit code differs with CBC_DEBUG", f"{ndjson.code} vs {debug.code}", argv0, data
            )
        )
    results = _results(ndjson)
    # FHIR NDJSON groups resources into samples; a file is read as NDJSON by its content.
    first = next((x for x in data.split(b"\n") if x.strip()), b"")
    try:
        # (A first line past the 4 KiB that format detection reads makes a JSON document.)
        sample_lines = (
            b"resourceType" not in data
            and len(first) < 4000
            and isinstance(json.loads(first), dict)
        )
    except (ValueError, RecursionError):
        sample_lines = False  # read as one JSON document, whose breaks are one error
    if suffix == ".ndjson" and sample_lines and ndjson.code in CHECK_CODES:
        lines = [r.get("line") for r in results]
        wanted = _ndjson_lines(data)
        if sorted(x for x in lines if isinstance(x, int)) != sorted(wanted) or len(lines) != len(
            wanted
        ):
            got = sorted(x for x in lines if isinstance(x, int))
            tally.failures.append(
                Failure(
                    "NDJSON lines not accounted for once each",
                    f"{len(wanted)} non-blank lines, {len(lines)} results; missing "
                    f"{sorted(wanted - set(got))[:5]}, extra {sorted(set(got) - wanted)[:5]}",
                    argv0,
                    data,
                )
            )
    if suffix in (".csv", ".tsv"):
        one = run_cbc(["check", str(path), "--format", "csv", "--jobs", "1"])
        two = run_cbc(["check", str(path), "--format", "csv", "--jobs", "2"])
        tally.runs += 2
        argv1 = ["check", str(path), "--format", "csv", "--jobs", "1|2"]
        _judge(one, argv1, data, CHECK_CODES, tally)
        if (one.code, one.out, one.err) != (two.code, two.out, two.err):
            tally.failures.append(Failure("--jobs 2 differs from --jobs 1", "", argv1, data))
        from cbc_cli.text import fold

        # Headers are matched without case or accents (cbc_cli.text.fold): so are these words.
        line = next((x for x in data.split(b"\n") if x.strip()), b"")
        try:
            header = fold(line.decode("utf-8"))
        except UnicodeDecodeError:  # read as Latin-1, as cbc reads such a line
            header = fold(line.decode("latin-1"))
        long_words = ("analyte", "test", "loinc", "result", "observation")
        wide = not any(word in header for word in long_words)
        # A quote left open across a line end is where the fast path, which cuts chunks where
        # quotes balance, may group broken lines otherwise than the csv module (every line is
        # still one row or part of one): those inputs are compared by the tests of quoted line
        # breaks in tests/test_columnar.py instead.
        balanced = all(line.count(b'"') % 2 == 0 for line in data.split(b"\n"))
        if wide and balanced and one.code in CHECK_CODES and ndjson.code in CHECK_CODES:
            fast, rows = _csv_essence(one.out), [_without_derived(r) for r in _essence(results)]
            fast = [_drop(f, r) for f, r in zip(fast, rows, strict=False)] + fast[len(rows) :]
            if len(fast) != len(rows):
                tally.failures.append(
                    Failure(
                        "CSV and NDJSON differ in rows", f"{len(fast)} vs {len(rows)}", argv1, data
                    )
                )
            elif fast != rows:
                at = next(i for i, (a, b) in enumerate(zip(fast, rows, strict=True)) if a != b)
                tally.failures.append(
                    Failure(
                        "CSV (fast) and NDJSON (row) paths disagree", f"row {at + 1}", argv1, data
                    )
                )


def _judge(outcome: Outcome, argv: list[str], data: bytes, codes: set[int], tally: Tally) -> bool:
    ok = True
    if outcome.code not in codes:
        last = outcome.err.strip().splitlines()[-1:] or [""]
        kind = {-1: "exception escaped", -2: "timed out", 70: "internal error (exit 70)"}.get(
            outcome.code, f"exit {outcome.code}"
        )
        tally.failures.append(Failure(kind, last[0][:200], argv, data))
        ok = False
    if _leaks(outcome, data):
        tally.failures.append(Failure("a cell value on stderr", "", argv, data))
        ok = False
    return ok


def fuzz(seconds: float, seed: int, max_inputs: int | None = None) -> Tally:
    """Mutate and check inputs until the time or the input count runs out."""
    rng = random.Random(seed)
    tally = Tally()
    seeds = [(p, p.read_bytes()) for p in SEEDS if p.stat().st_size < 200_000]
    end = time.monotonic() + seconds
    with tempfile.TemporaryDirectory() as folder:
        while time.monotonic() < end and (max_inputs is None or tally.tried < max_inputs):
            path, content = rng.choice(seeds)
            data = mutate(content, rng)
            sub = Path(folder) / (
                "trend" if "trend" in path.name or path.parent.name == "trend" else "in"
            )
            sub.mkdir(exist_ok=True)
            check_input(data, path.suffix, sub, tally)
            tally.tried += 1
    return tally


def corpus(folder: Path) -> Iterator[Path]:
    """The saved inputs that once failed (regression corpus)."""
    yield from sorted(p for p in folder.glob("*") if p.is_file() and p.suffix != ".md")


def _save(failures: list[Failure], folder: Path, report: Callable[[str], None]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(failures):
        named = [a for a in f.argv if "/" in a]  # the input's path ("ranges validate PATH")
        suffix = Path(named[0]).suffix if named else ".bin"
        target = folder / f"found-{int(time.time())}-{i}{suffix}"
        target.write_bytes(f.data)
        report(f"saved {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", type=Path, help="folder to save failing inputs in")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    started = time.monotonic()
    tally = fuzz(args.seconds, args.seed)
    kinds: dict[str, int] = {}
    for f in tally.failures:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    print(
        f"fuzz: {tally.tried} inputs, {tally.runs} runs of cbc in "
        f"{time.monotonic() - started:.0f} s, {len(tally.failures)} failures"
    )
    for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        example = next(f for f in tally.failures if f.kind == kind)
        print(
            f"  {n:5d}  {kind}: {example.detail} [{' '.join(example.argv[:1] + example.argv[2:])}]"
        )
    if args.save and tally.failures:
        _save(tally.failures, args.save, print)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
