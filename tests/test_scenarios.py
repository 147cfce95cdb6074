"""Clinical scenarios: what the sources say cbc must answer, checked through every way in.

The scenarios live in ``tests/scenarios/*.toml``, one file per group (adults, children, ...).
They are written from the sources summarised in docs/clinical.md (each cites its own in a
``source`` field), never from the tool's output. Each single-sample scenario is run

- through the library (``build_patient``, ``build_panel``, ``interpret_panel``),
- through the command line as ``cbc check ... --format json``, and
- together with all the others of its grading scheme, as rows of one CSV file (refused values
  included) through ``cbc check FILE --format csv`` (the columnar path) and ``--format ndjson``
  (the row-by-row path).

The library and the JSON output are held to every expectation; the batch rows to flags, findings,
grades and urgency (what the CSV carries), and all three ways must agree with each other.
Series scenarios (``kind = "trend"``) run through the trend core (``build_trend``) and through
``cbc trend FILE --format json``.

Scenario format (one ``[[scenario]]`` table each)::

    name = "unique-within-the-file"
    source = "where the expected answer comes from; docs/clinical.md section N"
    [scenario.input]          # cbc check options: values and the person
    hgb = "9.1"               # a value, with a unit when needed ("91 g/L")
    sex = "female"            # also age ("54", "6m", "10d"), dob + collected, pregnant (1-3),
    temp = "38.5"             # profile, days_since_chemo, grading, lab_range (a list)
    [scenario.expect]
    flags = { hgb = "L" }            # per analyte: N, L, H, LL, HH or no-range
    findings = ["anemia"]            # finding codes that must be present
    absent = ["critical-value"]      # ... and must not be
    grades = { anemia = 2 }          # 0-4, or "none" for cannot grade
    pattern = "normocytic"           # the anemia finding's MCV pattern
    urgency = "routine"              # exact; urgency_not = [...] rules some out
    message_has = ["..."]            # the care-team message (case-insensitive substrings;
    message_lacks = ["..."]          #   "a|b" accepts either)
    text_has = ["..."]               # anything said: message, notes, findings, range notes
    text_lacks = ["..."]
    consistency_has = ["..."]        # the notes on values that do not fit together, said first;
    consistency_lacks = ["..."]      #   consistent = true: there must be none
    refused = true                   # the input must be refused (exit 3), with error_has = [...]

A series scenario has ``draws`` (tables with ``collected_at`` and values, optionally
``platelet_transfusion``), ``since``, ``transplant``, ``transfusions``, ``sex``, ``age`` and expects
``urgency``, ``milestones = { code = "reached" | "pending" | ... }``, ``milestone_days``,
``milestone_lost``,
``alert_has``/``alert_lacks``, ``recovering_has``/``recovering_lacks``, ``text_has``/``text_lacks``.

Many scenarios describe behaviour the project is being changed to meet; they are not weakened or
marked xfail when the tool falls short. A failure names the scenario, the field, what was expected
and what came back.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from cbc_cli.analytes import ANALYTES
from cbc_cli.api import build_panel, build_patient, default_ranges, resolve_scheme
from cbc_cli.cli import main
from cbc_cli.engine import interpret_panel
from cbc_cli.errors import CbcError, InputError
from cbc_cli.models import to_data
from cbc_cli.readers import read_input
from cbc_cli.readers.source import Source
from cbc_cli.trend import TrendOptions, build_trend, trend_data

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
CONTEXT_KEYS = frozenset(
    {
        "sex",
        "age",
        "dob",
        "collected",
        "pregnant",
        "profile",
        "temp",
        "days_since_chemo",
        "grading",
        "lab_range",
    }
)
SINGLE_EXPECT_KEYS = frozenset(
    {
        "flags",
        "findings",
        "absent",
        "grades",
        "pattern",
        "urgency",
        "urgency_not",
        "message_has",
        "message_lacks",
        "text_has",
        "text_lacks",
        "refused",
        "error_has",
        "consistency_has",
        "consistency_lacks",
        "consistent",
    }
)
TREND_EXPECT_KEYS = frozenset(
    {
        "urgency",
        "urgency_not",
        "milestones",
        "milestone_days",
        "milestone_lost",
        "alert_has",
        "alert_lacks",
        "recovering_has",
        "recovering_lacks",
        "text_has",
        "text_lacks",
    }
)
TREND_KEYS = frozenset(
    {"name", "source", "since", "transplant", "transfusions", "sex", "age", "draws", "expect"}
)
URGENCIES = ("none", "routine", "soon", "now")
FLAGS = ("N", "L", "H", "LL", "HH", "no-range")
# The graded terms that have a <finding>_grade column in the CSV output (README "Outputs").
CSV_GRADED = (
    "anemia",
    "neutropenia",
    "thrombocytopenia",
    "leukopenia",
    "lymphopenia",
    "leukocytosis",
    "erythrocytosis",
)


@dataclass(frozen=True)
class Scenario:
    """One scenario of one group file."""

    group: str
    name: str
    source: str
    kind: str
    data: dict[str, Any]
    expect: dict[str, Any]
    values: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}"

    @property
    def refused(self) -> bool:
        return bool(self.expect.get("refused"))

    @property
    def grading(self) -> str:
        return str(self.context.get("grading", "ctcae5"))


def _load() -> list[Scenario]:
    scenarios: list[Scenario] = []
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        kind = doc.get("kind", "single")
        names: set[str] = set()
        for raw in doc.get("scenario", []):
            name = raw.get("name")
            where = f"{path.name}: scenario {name!r}"
            assert isinstance(name, str), f"{path.name}: a scenario has no name"
            assert name, f"{path.name}: a scenario has an empty name"
            assert name not in names, f"{where}: the name is used twice"
            names.add(name)
            assert str(raw.get("source", "")).strip(), f"{where}: no source"
            expect = dict(raw.get("expect", {}))
            assert expect, f"{where}: no expectations"
            if kind == "trend":
                assert set(raw) <= TREND_KEYS, f"{where}: unknown keys {set(raw) - TREND_KEYS}"
                assert set(expect) <= TREND_EXPECT_KEYS, f"{where}: unknown expect keys"
                assert raw.get("draws"), f"{where}: no draws"
                scenarios.append(Scenario(path.stem, name, raw["source"], kind, raw, expect))
                continue
            assert set(raw) <= {"name", "source", "input", "expect"}, f"{where}: unknown keys"
            unknown = set(expect) - SINGLE_EXPECT_KEYS
            assert not unknown, f"{where}: unknown expect keys {unknown}"
            given = dict(raw.get("input", {}))
            values = {k: str(v) for k, v in given.items() if k not in CONTEXT_KEYS}
            context = {k: v for k, v in given.items() if k in CONTEXT_KEYS}
            assert values, f"{where}: no values in input"
            for analyte in values:
                assert analyte in ANALYTES, f"{where}: {analyte!r} is not an analyte id"
            for analyte, flag in expect.get("flags", {}).items():
                assert flag in FLAGS, f"{where}: flag {flag!r} for {analyte}"
            for key in ("urgency",):
                if key in expect:
                    assert expect[key] in URGENCIES, f"{where}: urgency {expect[key]!r}"
            scenarios.append(
                Scenario(path.stem, name, raw["source"], kind, raw, expect, values, context)
            )
    return scenarios


SCENARIOS = _load()
SINGLE = [s for s in SCENARIOS if s.kind == "single"]
TRENDS = [s for s in SCENARIOS if s.kind == "trend"]


def test_every_group_is_there() -> None:
    groups = {s.group for s in SCENARIOS}
    wanted = {
        "adults",
        "children",
        "newborns",
        "pregnancy",
        "chemotherapy_nadir",
        "marrow_failure_patterns",
        "age_sex_not_given",
        "transplant_series",
        "nurse_review",
        "consistency",
    }
    assert wanted <= groups, f"missing scenario groups: {sorted(wanted - groups)}"


# --- checking -----------------------------------------------------------------------------------


def _matches(text: str, wanted: str) -> bool:
    """Case-insensitive substring; "a|b" accepts either."""
    low = text.lower()
    return any(alt.lower() in low for alt in wanted.split("|"))


def _said(result: Mapping[str, Any]) -> str:
    """Everything a single-sample result says in words."""
    parts = [result.get("message") or "", result.get("safety") or ""]
    parts += list(result.get("consistency") or []) + list(result.get("notes") or [])
    for f in result.get("findings") or []:
        parts += [f.get("title") or "", f.get("explanation") or "", f.get("action") or ""]
        parts += [f.get("precautions") or "", f.get("background") or "", f.get("grade_note") or ""]
        # The topics a finding points to ("More: cbc explain growth-factors-transfusion").
        parts += list(f.get("topics") or [])
    for a in result.get("analytes") or []:
        parts.append(a.get("range_note") or "")
    return "\n".join(p for p in parts if p)


def _words(
    problems: list[str], field_name: str, text: str, has: list[str], lacks: list[str]
) -> None:
    short = " ".join(text.split())
    short = short if len(short) <= 400 else short[:400] + "..."
    for wanted in has:
        if not _matches(text, wanted):
            problems.append(f"{field_name}: expected to contain {wanted!r}; got {short!r}")
    for unwanted in lacks:
        if _matches(text, unwanted):
            problems.append(f"{field_name}: expected not to contain {unwanted!r}; got {short!r}")


def _core(
    problems: list[str],
    expect: Mapping[str, Any],
    flags: Mapping[str, str | None],
    findings: list[str],
    grades: Mapping[str, int | None],
    urgency: str | None,
) -> None:
    """Flags, findings, grades and urgency: what every way in (CSV included) must give."""
    for analyte, flag in expect.get("flags", {}).items():
        got = flags.get(analyte, "(not in the output)")
        if got != flag:
            problems.append(f"flag {analyte}: expected {flag!r}, got {got!r}")
    for code in expect.get("findings", []):
        if code not in findings:
            problems.append(f"finding {code!r}: expected present, got findings {findings}")
    for code in expect.get("absent", []):
        if code in findings:
            problems.append(f"finding {code!r}: expected absent, got findings {findings}")
    for term, grade in expect.get("grades", {}).items():
        want = None if grade == "none" else grade
        got_grade = grades.get(term, "(not graded)")
        if got_grade != want:
            shown = "none (cannot grade)" if want is None else want
            problems.append(f"grade {term}: expected {shown!r}, got {got_grade!r}")
    if "urgency" in expect and urgency != expect["urgency"]:
        problems.append(f"urgency: expected {expect['urgency']!r}, got {urgency!r}")
    if urgency in expect.get("urgency_not", []):
        problems.append(f"urgency: expected not {urgency!r}, got {urgency!r}")


def _check_result(problems: list[str], sc: Scenario, result: Mapping[str, Any]) -> None:
    """Every single-sample expectation, against a result as plain data (library or JSON)."""
    expect = sc.expect
    flags = {a["analyte"]: a["flag"] for a in result.get("analytes", [])}
    findings = [f["code"] for f in result.get("findings", [])]
    grades = dict(result.get("grades", {}))
    # A graded finding's grade stands for its term even where ``grades`` leaves it out.
    for f in result.get("findings", []):
        grades.setdefault(f["code"], f.get("grade"))
    _core(problems, expect, flags, findings, grades, result.get("urgency"))
    if "pattern" in expect:
        anemia = next((f for f in result.get("findings", []) if f["code"] == "anemia"), None)
        got = anemia.get("pattern") if anemia else "(no anemia finding)"
        if got != expect["pattern"]:
            problems.append(f"anemia pattern: expected {expect['pattern']!r}, got {got!r}")
    _words(
        problems,
        "message",
        result.get("message") or "",
        expect.get("message_has", []),
        expect.get("message_lacks", []),
    )
    _words(
        problems, "text", _said(result), expect.get("text_has", []), expect.get("text_lacks", [])
    )
    checks = list(result.get("consistency") or [])
    if expect.get("consistent") and checks:
        problems.append(f"consistency: expected none, got {checks!r}")
    if "consistency_has" in expect and not checks:
        problems.append("consistency: expected a note, got none")
    _words(
        problems,
        "consistency",
        "\n".join(checks),
        expect.get("consistency_has", []),
        expect.get("consistency_lacks", []),
    )


def _report(sc: Scenario, way: str, problems: list[str]) -> None:
    if problems:
        lines = "\n  ".join(problems)
        pytest.fail(f"{sc.id} [{way}] (source: {sc.source})\n  {lines}", pytrace=False)


# --- single samples: library and command line ---------------------------------------------------


def _library(sc: Scenario) -> dict[str, Any]:
    ctx = sc.context
    profile = ctx.get("profile", ())
    patient = build_patient(
        sex=ctx.get("sex"),
        age=ctx.get("age"),
        dob=ctx.get("dob"),
        collected=ctx.get("collected"),
        pregnant=ctx.get("pregnant"),
        profiles=[profile] if isinstance(profile, str) else profile,
        temperature=ctx.get("temp"),
        days_since_chemo=ctx.get("days_since_chemo"),
    )
    lab = dict(text.split("=", 1) for text in ctx.get("lab_range", []))
    panel = build_panel(sc.values, patient=patient, lab_ranges=lab)
    return to_data(interpret_panel(panel, default_ranges(), resolve_scheme(sc.grading)))


def _argv(sc: Scenario) -> list[str]:
    argv = ["check"]
    for key, value in {**sc.values, **sc.context}.items():
        option = "--" + key.replace("_", "-")
        for item in value if isinstance(value, list) else [value]:
            argv += [option, str(item)]
    return [*argv, "--format", "json"]


@pytest.mark.parametrize("sc", SINGLE, ids=lambda s: s.id)
def test_library(sc: Scenario) -> None:
    problems: list[str] = []
    if sc.refused:
        try:
            result = _library(sc)
        except InputError as exc:
            _words(problems, "error", str(exc), sc.expect.get("error_has", []), [])
        except CbcError as exc:
            problems.append(f"refused: expected an input error, got {type(exc).__name__}: {exc}")
        else:
            flags = {a["analyte"]: a["flag"] for a in result["analytes"]}
            problems.append(
                f"refused: expected the input to be refused, got flags {flags}, "
                f"urgency {result['urgency']!r}"
            )
        _report(sc, "library", problems)
        return
    try:
        result = _library(sc)
    except CbcError as exc:
        _report(sc, "library", [f"input: expected it to be read, got {type(exc).__name__}: {exc}"])
        return
    _check_result(problems, sc, result)
    _report(sc, "library", problems)


@pytest.mark.parametrize("sc", SINGLE, ids=lambda s: s.id)
def test_cli_json(sc: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, *_argv(sc))
    problems: list[str] = []
    if sc.refused:
        if code != 3:
            problems.append(f"exit code: expected 3 (input error), got {code}; stderr {err!r}")
        _words(problems, "stderr", err, sc.expect.get("error_has", []), [])
        if "Traceback" in err:
            problems.append("stderr: expected one line, got a traceback")
        _report(sc, "cbc check --format json", problems)
        return
    if code != 0:
        _report(sc, "cbc check --format json", [f"exit code: expected 0, got {code}: {err!r}"])
    results = json.loads(out)["results"]
    assert len(results) == 1
    _check_result(problems, sc, results[0])
    _report(sc, "cbc check --format json", problems)


# --- single samples: one CSV file through both batch paths --------------------------------------

_CSV_CONTEXT = {
    "sex": "sex",
    "age": "age",
    "dob": "dob",
    "collected": "collected_at",
    "temp": "temperature",
    "pregnant": "pregnant",
    "profile": "profile",
    # No reader column for this yet: it rides along (kept in the output) and changes no flag,
    # finding or urgency, which is all the batch rows are held to.
    "days_since_chemo": "days_since_chemo",
}


def _csv_text(scenarios: list[Scenario]) -> str:
    analytes = [a for a in ANALYTES if any(a in s.values for s in scenarios)]
    ranged = [a for a in ANALYTES if any(_lab_ranges(s).get(a) for s in scenarios)]
    header = ["sample_id", *_CSV_CONTEXT.values(), *analytes, *(f"{a}_range" for a in ranged)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for s in scenarios:
        context = [_cell(s.context.get(key)) for key in _CSV_CONTEXT]
        values = [s.values.get(a, "") for a in analytes]
        ranges = [_lab_ranges(s).get(a, "") for a in ranged]
        writer.writerow([s.id, *context, *values, *ranges])
    return buf.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _lab_ranges(sc: Scenario) -> dict[str, str]:
    return dict(text.split("=", 1) for text in sc.context.get("lab_range", []))


@dataclass
class BatchRun:
    """One batch run of a CSV of scenarios: the exit code and each row's answer by sample id."""

    code: int
    stderr: str
    rows: dict[str, dict[str, Any]]


def _run_main(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with (
        pytest.MonkeyPatch.context() as mp,
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(err),
    ):
        mp.setenv("NO_COLOR", "1")
        mp.delenv("CBC_RANGES", raising=False)
        mp.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
        try:
            main(argv)
        except SystemExit as exc:
            return (exc.code if isinstance(exc.code, int) else 0), err.getvalue()
    return 0, err.getvalue()


def _batch_groups() -> Iterator[tuple[str, list[Scenario]]]:
    """Single-sample scenarios by grading scheme (a whole-run option): one CSV file each, the
    refused values included as rows, as in a real export."""
    for grading in sorted({s.grading for s in SINGLE}):
        yield grading, [s for s in SINGLE if s.grading == grading]


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, BatchRun]]:
    """Each group of scenarios as one CSV file through --format csv and --format ndjson."""
    runs: dict[str, dict[str, BatchRun]] = {"csv": {}, "ndjson": {}}
    folder = tmp_path_factory.mktemp("scenario_batches")
    for label, group in _batch_groups():
        grading = group[0].grading
        source = folder / f"{label}.csv"
        source.write_text(_csv_text(group), encoding="utf-8")
        for fmt in ("csv", "ndjson"):
            target = folder / f"{label}.out.{fmt}"
            argv = ["check", str(source), "--format", fmt, "-o", str(target)]
            argv += ["--grading", grading, "--jobs", "1"]
            code, err = _run_main(argv)
            text = target.read_text(encoding="utf-8") if target.exists() else ""
            if fmt == "csv":
                rows = {r["sample_id"]: r for r in csv.DictReader(io.StringIO(text))}
            else:
                rows = {}
                for line in text.splitlines():
                    if line.strip():
                        data = json.loads(line)
                        rows[data["sample_id"]] = data
            for s in group:
                runs[fmt][s.id] = BatchRun(code, err, rows)
    return runs


def _csv_answer(
    row: Mapping[str, str],
) -> tuple[dict[str, str | None], list[str], dict[str, int | None], str | None]:
    flags = {k[: -len("_flag")]: (v or None) for k, v in row.items() if k.endswith("_flag")}
    findings = [f for f in (row.get("findings") or "").split(";") if f]
    grades: dict[str, int | None] = {}
    for term in CSV_GRADED:
        cell = row.get(f"{term}_grade")
        if cell is not None:
            grades[term] = int(cell) if cell else None
    return flags, findings, grades, row.get("urgency") or None


def _json_answer(
    result: Mapping[str, Any],
) -> tuple[dict[str, str | None], list[str], dict[str, int | None], str | None]:
    flags = {a["analyte"]: a["flag"] for a in result.get("analytes", [])}
    findings = [f["code"] for f in result.get("findings", [])]
    grades = {k: v for k, v in result.get("grades", {}).items() if k in CSV_GRADED}
    return flags, findings, grades, result.get("urgency")


def _batch_check(sc: Scenario, way: str, run: BatchRun, row: Mapping[str, Any] | None) -> None:
    problems: list[str] = []
    if row is None:
        _report(sc, way, [f"row: expected one for this scenario, got none; stderr {run.stderr!r}"])
        return
    answer = _csv_answer(row) if way.endswith("csv") else _json_answer(row)
    if sc.refused:
        if run.code != 3:
            problems.append(f"exit code: expected 3 (a value could not be read), got {run.code}")
        if row.get("status") != "error":
            flags, _, _, urgency = answer
            problems.append(
                f"status: expected an error row (value refused), got {row.get('status')!r} "
                f"with flags {flags} and urgency {urgency!r}"
            )
        _report(sc, way, problems)
        return
    if row.get("status") != "ok":
        problems.append(f"status: expected 'ok', got {row.get('status')!r}: {row.get('error')!r}")
    _core(problems, sc.expect, *answer)
    _report(sc, way, problems)


@pytest.mark.parametrize("sc", SINGLE, ids=lambda s: s.id)
def test_batch_csv_columnar(sc: Scenario, batches: dict[str, dict[str, BatchRun]]) -> None:
    run = batches["csv"][sc.id]
    _batch_check(sc, "cbc check FILE --format csv", run, run.rows.get(sc.id))


@pytest.mark.parametrize("sc", SINGLE, ids=lambda s: s.id)
def test_batch_ndjson_rows(sc: Scenario, batches: dict[str, dict[str, BatchRun]]) -> None:
    run = batches["ndjson"][sc.id]
    _batch_check(sc, "cbc check FILE --format ndjson", run, run.rows.get(sc.id))


@pytest.mark.parametrize("sc", [s for s in SINGLE if not s.refused], ids=lambda s: s.id)
def test_library_batch_and_cli_agree(
    sc: Scenario, batches: dict[str, dict[str, BatchRun]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever the answer, the library, the CSV row, the NDJSON row and the CLI give the same."""
    try:
        library = _json_answer(_library(sc))
    except CbcError as exc:
        pytest.fail(f"{sc.id}: the library refused the input: {exc}", pytrace=False)
    code, out, err = run_cli(capsys, *_argv(sc))
    assert code == 0, f"{sc.id}: cbc check exited {code}: {err}"
    answers = {
        "library": library,
        "cbc check --format json": _json_answer(json.loads(out)["results"][0]),
    }
    csv_row = batches["csv"][sc.id].rows.get(sc.id)
    ndjson_row = batches["ndjson"][sc.id].rows.get(sc.id)
    if csv_row is not None:
        answers["csv"] = _csv_answer(csv_row)
    if ndjson_row is not None:
        answers["ndjson"] = _json_answer(ndjson_row)
    problems = []
    base_flags, base_findings, base_grades, base_urgency = library
    for way, (flags, findings, grades, urgency) in answers.items():
        shared = {a: f for a, f in flags.items() if a in base_flags}
        if shared != base_flags:
            problems.append(f"{way}: flags {shared}, library {base_flags}")
        if findings != base_findings:
            problems.append(f"{way}: findings {findings}, library {base_findings}")
        if {k: grades.get(k) for k in base_grades} != base_grades:
            problems.append(f"{way}: grades {grades}, library {base_grades}")
        if urgency != base_urgency:
            problems.append(f"{way}: urgency {urgency!r}, library {base_urgency!r}")
    _report(sc, "library, batch and CLI agree", problems)


# --- series: the trend core and cbc trend -------------------------------------------------------

_TREND_COLUMNS = ("patient_id", "sample_id", "collected_at", "sex", "age")


def _trend_csv(sc: Scenario) -> str:
    draws: list[dict[str, Any]] = sc.data["draws"]
    values = [a for a in ANALYTES if any(a in d for d in draws)]
    extra = ["platelet_transfusion"] if any("platelet_transfusion" in d for d in draws) else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*_TREND_COLUMNS, *values, *extra])
    for i, d in enumerate(draws, 1):
        person = [sc.name, f"D{i}", d["collected_at"], sc.data.get("sex", ""), sc.data.get("age")]
        row = [_cell(v) for v in person]
        row += [_cell(d.get(a)) for a in values] + [_cell(d.get(k)) for k in extra]
        writer.writerow(row)
    return buf.getvalue()


def _trend_library(sc: Scenario) -> dict[str, Any]:
    text = _trend_csv(sc)
    source = Source(io.BufferedReader(io.BytesIO(text.encode())), "<scenario>")
    try:
        data = read_input(source)
        options = TrendOptions(
            since=date.fromisoformat(sc.data["since"]) if "since" in sc.data else None,
            transplant=sc.data.get("transplant"),
            transfusions=tuple(date.fromisoformat(t) for t in sc.data.get("transfusions", [])),
        )
        report = build_trend(
            data.records,
            default_ranges(),
            resolve_scheme("ctcae5"),
            options,
            header=data.header,
            input_notes=data.notes,
        )
    finally:
        source.close()
    return trend_data(report)


def _trend_said(person: Mapping[str, Any]) -> str:
    parts = [person.get("message") or "", person.get("timeline") or ""]
    for key in ("fell", "recovering", "watch", "notes"):
        parts += person.get(key) or []
    parts += [f"{a['title']} {a['message']}" for a in person.get("alerts") or []]
    parts += [f"{m['title']}: {m.get('note') or ''}" for m in person.get("milestones") or []]
    parts += [c["message"] for c in person.get("changes") or []]
    if person.get("latest"):
        parts.append(_said(person["latest"]))
    return "\n".join(p for p in parts if p)


def _check_trend(problems: list[str], sc: Scenario, report: Mapping[str, Any]) -> None:
    persons = report.get("persons") or []
    if len(persons) != 1:
        problems.append(f"persons: expected one series, got {len(persons)}")
        return
    person = persons[0]
    expect = sc.expect
    urgency = person.get("urgency")
    if "urgency" in expect and urgency != expect["urgency"]:
        problems.append(f"urgency: expected {expect['urgency']!r}, got {urgency!r}")
    if urgency in expect.get("urgency_not", []):
        problems.append(f"urgency: expected not {urgency!r}, got {urgency!r}")
    milestones = {m["code"]: m for m in person.get("milestones") or []}
    for code, status in expect.get("milestones", {}).items():
        got = milestones[code]["status"] if code in milestones else "(no such milestone)"
        if got != status:
            note = milestones.get(code, {}).get("note", "")
            problems.append(f"milestone {code}: expected {status!r}, got {got!r} ({note})")
    for code, day in expect.get("milestone_days", {}).items():
        got_day = milestones[code].get("day") if code in milestones else "(no such milestone)"
        if got_day != day:
            problems.append(f"milestone {code}: expected from day {day}, got day {got_day!r}")
    for code in expect.get("milestone_lost", []):
        m = milestones.get(code)
        lost = m is not None and (m["status"] == "lost" or m.get("fell_below_after") is not None)
        if not lost:
            got = "(no such milestone)" if m is None else m["status"]
            problems.append(f"milestone {code}: expected it shown as lost, got {got!r}")
    alerts = "\n".join(f"{a['title']} {a['message']}" for a in person.get("alerts") or [])
    _words(problems, "alerts", alerts, expect.get("alert_has", []), expect.get("alert_lacks", []))
    recovering = "\n".join(person.get("recovering") or [])
    _words(
        problems,
        "recovering",
        recovering,
        expect.get("recovering_has", []),
        expect.get("recovering_lacks", []),
    )
    _words(
        problems,
        "text",
        _trend_said(person),
        expect.get("text_has", []),
        expect.get("text_lacks", []),
    )


@pytest.mark.parametrize("sc", TRENDS, ids=lambda s: s.id)
def test_trend_library(sc: Scenario) -> None:
    problems: list[str] = []
    _check_trend(problems, sc, _trend_library(sc))
    _report(sc, "trend core", problems)


@pytest.mark.parametrize("sc", TRENDS, ids=lambda s: s.id)
def test_trend_cli(sc: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "series.csv"
    path.write_text(_trend_csv(sc), encoding="utf-8")
    argv = ["trend", str(path), "--format", "json"]
    if "since" in sc.data:
        argv += ["--since", sc.data["since"]]
    if "transplant" in sc.data:
        argv += ["--transplant", sc.data["transplant"]]
    for when in sc.data.get("transfusions", []):
        argv += ["--transfusion", when]
    code, out, err = run_cli(capsys, *argv)
    if code not in (0, 1):
        _report(sc, "cbc trend --format json", [f"exit code: expected 0, got {code}: {err!r}"])
    problems: list[str] = []
    _check_trend(problems, sc, json.loads(out))
    _report(sc, "cbc trend --format json", problems)
