"""One set of rules: the columnar batch path writes exactly what the scalar engine writes."""

from __future__ import annotations

import ast
import io
import random
from pathlib import Path
from typing import Any, get_args

import pytest
from helpers import columnar_runner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbc_cli import columnar
from cbc_cli.analytes import ANALYTES
from cbc_cli.api import default_ranges, resolve_scheme
from cbc_cli.batch import run
from cbc_cli.columnar import sizes
from cbc_cli.grading import Grade
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import Flag
from cbc_cli.panel import Patient, Transplant
from cbc_cli.readers import read_input
from cbc_cli.readers.records import CellReader
from cbc_cli.readers.source import open_source
from cbc_cli.writers.batch_writers import CsvWriter

ROOT = Path(__file__).resolve().parent.parent

# Values at and around every limit that matters: ranges, critical limits, CTCAE and DAIDS cuts.
EDGES = {
    "hgb": [
        "6.5",
        "6.6",
        "6.59",
        "7.0",
        "7.99",
        "8.0",
        "8.01",
        "9.9",
        "10.0",
        "10.4",
        "10.9",
        "10.95",
        "11.0",
        "12.0",
        "11.99",
        "14.0",
        "16.0",
        "16.01",
        "17.0",
        "19.9",
        "20.0",
        "8.99",
        "22.5",
        "22.6",
        "25.1",
        "120 g/L",
        "5.5857 mmol/L",
        # The plausibility floor (1.0 g/dL) and a g/L slip under it: a cell error.
        "1.0",
        "0.99",
        "9.1 g/L",
    ],
    "wbc": [
        "0.99",
        "1.0",
        "1.99",
        "2.0",
        "2.5",
        "2.99",
        "3.0",
        "4.5",
        "4.49",
        "0.99",
        "9.0",
        "13.5",
        "34.0",
        "34.1",
        "50.1",
        "11.0",
        "11.01",
        "37.0",
        "37.1",
        "100",
        "100.1",
        "1500/uL",
        # A count above zero and under the analyser's step (0.01) is a /uL slip: a cell error.
        "0",
        "0.01",
        "0.009",
        "2.1/uL",
    ],
    "anc": [
        "0.09",
        "0.1",
        "0.39",
        "0.4",
        "0.49",
        "0.5",
        "0.8",
        "0.99",
        "1.0",
        "1.21",
        "1.49",
        "1.5",
        "1.79",
        "1.8",
        "7.7",
        "7.71",
        "28.0",
        "28.1",
        "800 cells/uL",
        "0",
        "0.009",
    ],
    "plt": [
        "0",
        "0.9",
        "1",
        "62/uL",
        "9",
        "10",
        "20",
        "24.9",
        "25",
        "36",
        "37",
        "49",
        "50",
        "74",
        "75",
        "100",
        "124",
        "125",
        "139",
        "140",
        "450",
        "451",
        "910",
        "911",
        "139",
        "597",
        "598",
        "1001",
    ],
    "alc": [
        "0.19",
        "0.2",
        "0.35",
        "0.49",
        "0.5",
        "0.6",
        "0.79",
        "0.8",
        "0.99",
        "1.0",
        "4.8",
        "4.9",
    ],
    "hct": ["17", "18", "35.9", "36", "41", "47", "51", "51.1", "61", "62", "0.41 L/L"],
    "mcv": ["79.9", "80", "100", "100.1"],
    "neut_pct": ["20", "40", "70", "85"],
    # With neutrophils % they can add up to more than 100: then no ANC is derived.
    "band_pct": ["0", "3", "10", "30"],
    "lymph_pct": ["5", "20", "45", "80"],
}
# Reported bounds on both sides of limits (reported as "<0.5": flagged only where the whole span
# is beyond a limit, graded only where every value it stands for has the same grade).
BOUNDS = {
    "hgb": ["<8", "<6.5", ">20", "<12"],
    "wbc": ["<1.0", "<0.5", ">100", ">11"],
    "anc": ["<0.5", "<0.1", "<1.0", ">7.7", "<=0.5", ">=1.5"],
    "plt": ["<20", "<10", ">450", "<150"],
    "alc": ["<0.2", "<0.5", ">4.8"],
    "hct": ["<18", ">61"],
    "mcv": ["<80", ">100"],
    "neut_pct": ["<5", ">80"],
    "band_pct": ["<1"],
    "lymph_pct": ["<10"],
}
# With lab flags printed beside values ("9.1 L", "*12.0"), which the scalar path compares with
# cbc's flags: such rows must come out the same through the columnar path.
NOISE = ["", "NA", "-", "abc", "<0.1", ">5", "-1", "=1+2", "9,1", "9.1 L", "62H", "*12.0"]
NOISE += ["3.2 LL", "12.0 (H)", "150 HH", "0.4!", "1.1 A"]
SEXES = ["F", "M", "female", "male", "", "U", "x", "2"]
AGES = [
    "3w",
    "1m",
    "0w",
    "54",
    "30",
    "17",
    "16",
    "12",
    "5",
    "2",
    "1",
    "0",
    "6m",
    "3m",
    "45d",
    "10d",
    "1d",
    "",
    "abc",
    "90",
]


@st.composite
def exports(draw: st.DrawFn, always: tuple[str, ...] = ()) -> str:
    analytes = draw(st.lists(st.sampled_from(sorted(EDGES)), min_size=1, max_size=6, unique=True))
    analytes = list(dict.fromkeys([*always, *analytes]))
    header = ["sample_id", "sex", "age", *analytes]
    rows = []
    for i in range(draw(st.integers(1, 25))):
        # Sample ids that open like a formula test the line starts (formula cells go scalar).
        # A quoted line break (a note in the id) may fall across a chunk boundary.
        sample = draw(
            st.sampled_from(
                [f"S{i}", f"S{i}", f"=S{i}", f"-{i}", f"@S{i}", f"S-{i}", f"S{i}\nnote"]
            )
        )
        # Sex and age are often missing: such values are judged against every range that could
        # apply to the person (ranges.Envelope), on both paths.
        sex = "" if draw(st.integers(0, 2)) == 0 else draw(st.sampled_from(SEXES))
        age = "" if draw(st.integers(0, 2)) == 0 else draw(st.sampled_from(AGES))
        cells = [sample, sex, age]
        for a in analytes:
            cells.append(
                draw(st.sampled_from(EDGES[a] + NOISE[:2]))
                if draw(st.booleans())
                else draw(st.sampled_from(EDGES[a] + BOUNDS[a] + NOISE))
            )
        rows.append(cells)

    return export_text(draw, header, rows)


def export_text(draw: st.DrawFn, header: list[str], rows: list[list[str]]) -> str:
    """The CSV text of an export (a field with a comma or line break quoted), its line ends CRLF
    or LF and, at times, a blank line before sample S3 (that chunk is read by csv)."""

    def line(cells: list[str]) -> str:
        return ",".join(f'"{c}"' if "," in c or "\n" in c else c for c in cells)

    text = "\n".join([",".join(header), *(line(r) for r in rows)]) + "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 4)) == 0:
        text = text.replace("\nS3,", "\n\nS3,")
    return text


def _scalar(
    path: Path, scheme_id: str, limits: Limits = DEFAULT_LIMITS, context: Patient | None = None
) -> str:
    scheme = resolve_scheme(scheme_id)
    source = open_source(str(path))
    data = read_input(source, limits=limits)
    out = io.StringIO()
    writer = CsvWriter(
        out, data.header, data.analytes, scheme, long=False, delimiter=data.delimiter
    )
    for record, result in run(data.records, default_ranges(), scheme, context or Patient()):
        writer.write(record, result)
    source.close()
    return out.getvalue()


def _columnar(
    path: Path,
    scheme_id: str,
    jobs: int = 1,
    limits: Limits = DEFAULT_LIMITS,
    context: Patient | None = None,
) -> str:
    runner, source = columnar_runner(path, scheme_id, jobs=jobs, limits=limits)
    if context is not None:
        runner.context = context
    fast = runner.fast
    runner.out = out = io.StringIO()
    tab = fast.tab
    CsvWriter(out, tab.header, fast.analytes, runner.scheme, long=False, delimiter=tab.delimiter)
    runner.run()
    source.close()
    return out.getvalue()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=exports(),
    scheme_id=st.sampled_from(["ctcae5", "ctcae6", "daids21"]),
    chunk=st.sampled_from([64, 300, 1 << 20]),
    jobs=st.sampled_from([1, 2]),  # --jobs 2 (workers that learn what each met) changes nothing
)
def test_columnar_equals_scalar(
    tmp_path_factory: pytest.TempPathFactory, text: str, scheme_id: str, chunk: int, jobs: int
) -> None:
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = chunk  # small chunks cut lines, CRLF pairs and numbers apart
    try:
        assert _columnar(path, scheme_id, jobs) == _scalar(path, scheme_id)
    finally:
        sizes.CHUNK_BYTES = original


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=exports(always=("wbc", "neut_pct")),
    scheme_id=st.sampled_from(["ctcae5", "ctcae6", "daids21"]),
    chunk=st.sampled_from([300, 1 << 20]),
)
def test_derived_counts_match_the_scalar_path(
    tmp_path_factory: pytest.TempPathFactory, text: str, scheme_id: str, chunk: int
) -> None:
    # A WBC and a differential: the ANC (and ALC) derived where not given, bands added, not
    # derived where the percentages pass 100 or a value is a reported bound.
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = chunk
    try:
        assert _columnar(path, scheme_id) == _scalar(path, scheme_id)
    finally:
        sizes.CHUNK_BYTES = original


def _context(
    sex: str = "",
    age: str = "",
    *,
    pregnancy_trimester: int | None = None,
    profiles: tuple[str, ...] = (),
    days_since_chemo: int | None = None,
    transplant: Transplant | None = None,
) -> Patient:
    """A run's context as the options give it (``--sex``, ``--age``, ``--pregnancy`` ...)."""
    reader = CellReader(None)
    person = reader.patient({"sex": sex, "age": age}.get)
    assert not reader.errors
    return Patient(
        sex=person.sex,
        age=person.age,
        pregnancy_trimester=pregnancy_trimester,
        profiles=profiles,
        days_since_chemo=days_since_chemo,
        transplant=transplant,
    )


CONTEXTS = [
    _context("F", pregnancy_trimester=1),
    _context("F", pregnancy_trimester=2),
    _context("F", "30", pregnancy_trimester=3),
    _context("", pregnancy_trimester=3),  # pregnancy without a sex: every range that could apply
    _context("M", "4"),  # a child for the rows that give no age
    _context("", "2w"),  # a newborn
    _context("", "6m"),
    _context(profiles=("duffy-null",)),  # ANC ranges for adults only: other ages are noted
    _context("M", "40", profiles=("duffy-null",)),
    _context(days_since_chemo=10, transplant="allo"),  # words only: the cells do not change
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=exports(),
    scheme_id=st.sampled_from(["ctcae5", "ctcae6", "daids21"]),
    context=st.sampled_from(CONTEXTS),
)
def test_a_run_context_is_judged_alike(
    tmp_path_factory: pytest.TempPathFactory, text: str, scheme_id: str, context: Patient
) -> None:
    # What the options say of every person (pregnancy, a child's age, a profile) fills what the
    # rows do not say, on both paths.
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    assert _columnar(path, scheme_id, context=context) == _scalar(path, scheme_id, context=context)


# Cells and lines past small limits (field 40, line 120): long ids, values and notes, a line
# past the limit, and quoted line breaks that take a row past it.
LONG = ["S" + "x" * 45, "9" * 50, "x" * 130, "N" * 39 + "," + "a" * 90, "p" * 41 + "\nq"]


@st.composite
def exports_with_long_cells(draw: st.DrawFn) -> str:
    text = draw(exports())
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        # Into a line that holds no quote, so that rows stay well formed.
        plain = [i for i, line in enumerate(lines[1:-1], start=1) if '"' not in line]
        if not plain:
            break
        at = draw(st.sampled_from(plain))
        cells = lines[at].rstrip("\r").split(",")
        cells[draw(st.integers(0, len(cells) - 1))] = '"' + draw(st.sampled_from(LONG)) + '"'
        lines[at] = ",".join(cells) + ("\r" if lines[at].endswith("\r") else "")
    return "\n".join(lines)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=exports_with_long_cells(),
    chunk=st.sampled_from([64, 300, 1 << 20]),
    jobs=st.sampled_from([1, 2]),
)
def test_columnar_equals_scalar_past_the_limits(
    tmp_path_factory: pytest.TempPathFactory, text: str, chunk: int, jobs: int
) -> None:
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    limits = Limits(field=40, line=120)
    original = sizes.CHUNK_BYTES
    sizes.CHUNK_BYTES = chunk
    try:
        assert _columnar(path, "ctcae5", jobs, limits) == _scalar(path, "ctcae5", limits)
    finally:
        sizes.CHUNK_BYTES = original


def test_the_shipped_export_goes_columnar_and_matches() -> None:
    path = ROOT / "examples" / "lab_export.csv"
    assert _columnar(path, "ctcae5") == _scalar(path, "ctcae5")


@pytest.mark.parametrize(
    ("header", "covered"),
    [
        ("sample_id,sex,age,hgb,plt", True),
        ("Sample ID;Gender;Age;Hb (g/L);PLT", True),
        ("sample_id,dob,collected_at,hgb", False),
        ("sample_id,hgb,hgb_unit", False),
        ("sample_id,analyte,value,unit", False),
        ("sample_id,temperature,anc", False),
        ("sample_id,hgb,,", False),
    ],
)
def test_plan_covers_only_what_it_can(tmp_path: Path, header: str, covered: bool) -> None:
    path = tmp_path / "x.csv"
    path.write_text(header + "\n" + ",".join("1" for _ in header.split(",")) + "\n")
    source = open_source(str(path))
    assert (columnar.plan(source, "auto", {}, {}) is not None) is covered
    source.close()


@pytest.mark.parametrize(
    "content",
    [
        b"sample_id,sex,age,hgb\nM\xfcller,F,40,9.1\nS2,weibl\xe9,40,9\n",  # Latin-1 lines
        b"sample_id,sex,age,hgb,plt\nS1,F,40,9.1,100\n,,,,\n , , , , \nS2,F,40,9,90\n",  # blank
        # Blank to str.strip, as the csv reader's rows are judged: Unicode and control spaces.
        (
            "sample_id,sex,age,hgb\nS1,F,40,9.1\n\u00a0,,,\n\x0c,,,\n,,,\x0b\n\u2003, ,\u3000,\n"
        ).encode(),
        "sample_id,sex,age,hgb\n\u00c9-1,F,40,9.1\n,F,40,9\n\u00a0S3,F,40,8\n".encode(),
        # ; as delimiter: a findings cell that holds ; is quoted as the csv module quotes it.
        b"sample_id;sex;age;hgb;plt;anc\nA;F;54;7,1;20;0,3\nB;M;40;14,0;250;4,0\n",
        # A NUL byte inside a cell, past the first kilobyte (where binary input is refused).
        b"sample_id,sex,age,hgb\n" + b"S0,F,40,9.1\n" * 120 + b"S1,F,40,9\x00\nS2,F,40,9.5\n",
    ],
)
def test_chunks_the_columnar_rules_do_not_cover_match_the_scalar_path(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    assert _columnar(path, "ctcae5") == _scalar(path, "ctcae5")


def test_a_full_differential_export_matches_the_scalar_path(tmp_path: Path) -> None:
    # Every analyte of the catalogue in one file: the widest code word the rules build.
    spread = {"hct": 40.0, "mcv": 90.0, "mch": 30.0, "mchc": 33.0, "rdw": 14.0, "plt": 250.0}
    spread |= {"neut_pct": 50.0, "band_pct": 3.0, "lymph_pct": 30.0, "rbc": 4.5, "hgb": 13.0}
    rng = random.Random(7)
    header = ["sample_id", "sex", "age", *ANALYTES]
    lines = [",".join(header)]
    for i in range(400):
        cells = [f"S{i}", rng.choice("FM"), str(rng.randint(18, 90))]
        cells += [f"{spread.get(a, 3.0) * rng.uniform(0.1, 2.2):.2f}" for a in ANALYTES]
        lines.append(",".join(cells))
    path = tmp_path / "differential.csv"
    path.write_text("\n".join(lines) + "\n")
    for scheme_id in ("ctcae5", "daids21"):
        assert _columnar(path, scheme_id) == _scalar(path, scheme_id)


@given(
    batches=st.lists(
        st.lists(st.integers(0, 2**64 - 2) | st.integers(0, 40), max_size=300), max_size=6
    )
)
@settings(max_examples=60, deadline=None)
def test_key_index_gives_each_key_one_id_in_order_of_first_use(batches: list[list[int]]) -> None:
    import numpy as np

    from cbc_cli.splitter import KeyIndex

    index, expected = KeyIndex(), {}  # type: ignore[var-annotated]
    batch: list[int] = []

    def new_ids(keys: np.ndarray, rows: np.ndarray) -> list[int]:
        fresh = [k for k in dict.fromkeys(batch) if k not in expected]
        assert keys.tolist() == fresh  # each new key once, in order of first use
        assert rows.tolist() == [batch.index(k) for k in fresh]
        for k in fresh:
            expected[k] = len(expected)
        return [expected[k] for k in fresh]

    for batch in batches:
        keys = np.array(batch, dtype=np.uint64)
        ids = index.ids(keys, new_ids)
        assert ids.tolist() == [expected[k] for k in batch]
    assert len(index) == len(expected)


def test_key_index_stays_small_with_many_distinct_keys() -> None:
    # Ten thousand distinct texts in a column (two decimals) must not blow the table up.
    import numpy as np

    from cbc_cli.splitter import KeyIndex

    index = KeyIndex()
    keys = np.arange(1, 50_001, dtype=np.uint64) * np.uint64(2654435761)
    ids = index.ids(keys, lambda keys, rows: rows.tolist())
    assert ids.tolist() == list(range(50_000))
    assert index.nbytes <= 16 * 8 * 50_000  # at most 8 slots a key (a quarter full)


def test_a_quoted_line_break_across_a_chunk_boundary_is_one_row(tmp_path: Path) -> None:
    # The chunk is cut only where the quotes are balanced, so the field stays whole.
    lines = ["sample_id,sex,age,hgb,plt"]
    lines += [f"S{i:06d},F,54,12.5,250" for i in range(6000)]
    lines += ['"note\nline two of the note",F,54,9.1,100', "S9,F,54,12,250"]
    path = tmp_path / "straddle.csv"
    path.write_text("\n".join(lines) + "\n")
    body = path.read_bytes().split(b"\n", 1)[1]
    inside = body.index(b'"note\n') + len(b'"note\n')  # just past the quoted line break
    # First reads (CHUNK_BYTES // 8) that end a few bytes past it, and larger ones.
    for chunk in (8 * (inside + 4), 8 * (inside + 1), 1 << 20, 4_096):
        original = sizes.CHUNK_BYTES
        sizes.CHUNK_BYTES = chunk
        try:
            assert _columnar(path, "ctcae5") == _scalar(path, "ctcae5")
        finally:
            sizes.CHUNK_BYTES = original


def test_persons_are_kept_by_pair_seen_not_by_every_sex_and_age(tmp_path: Path) -> None:
    # Thousands of distinct sex texts and ages: memory follows the pairs seen (a dense table
    # of every sex by every age would hold 3,000 x 2,000 cells, 48 MB).
    import tracemalloc

    lines = ["sample_id,sex,age,hgb"] + [f"S{i},F{i},{i % 2000}d,12.5" for i in range(3000)]
    path = tmp_path / "pairs.csv"
    path.write_text("\n".join(lines) + "\n")
    runner, source = columnar_runner(path)
    tracemalloc.start()
    try:
        runner.run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        source.close()
    assert runner.stats.samples == 3000
    assert peak < 16 << 20


def test_an_error_while_judging_a_chunk_reaches_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "e.csv"
    path.write_text("sample_id,sex,age,hgb\n" + "".join(f"S{i},F,54,12.5\n" for i in range(9000)))
    calls = []

    def broken(self: columnar.ColumnarCsv, first_line: int, body: bytes) -> object:
        calls.append(first_line)
        if len(calls) == 2:
            raise RuntimeError("judging failed")
        return original(self, first_line, body)

    original = columnar.ColumnarCsv.judge_chunk
    monkeypatch.setattr(columnar.ColumnarCsv, "judge_chunk", broken)
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 16_384)
    runner, source = columnar_runner(path)
    try:
        with pytest.raises(RuntimeError, match="judging failed"):
            runner.run()
    finally:
        source.close()
    assert runner.written_through is not None  # the chunk before the failure is written
    assert runner.written_through > 1


@pytest.mark.parametrize("scheme_id", ["ctcae5", "daids21"])
def test_missing_sex_and_age_judged_alike(tmp_path: Path, scheme_id: str) -> None:
    # Without a sex or age (or with one too coarse to choose a band) a value is judged against
    # every range that could apply; both paths must flag and grade it alike, values between the
    # candidates' limits (graded without an LLN) included.
    analytes = ["hgb", "wbc", "anc", "plt", "alc", "hct"]
    lines = ["sample_id,sex,age," + ",".join(analytes)]
    ages = ["", "0", "3w", "1m", "0w", "2", "17", "40"]
    n = 0
    for sex in ("", "F", "M"):
        for age in ages:
            for k in range(max(len(EDGES[a]) for a in analytes)):
                cells = [EDGES[a][(k + i) % len(EDGES[a])] for i, a in enumerate(analytes)]
                lines.append(",".join([f"S{n}", sex, age, *cells]))
                n += 1
    path = tmp_path / "no_age.csv"
    path.write_text("\n".join(lines) + "\n")
    assert _columnar(path, scheme_id) == _scalar(path, scheme_id)


def test_reported_bounds_and_derived_counts_stay_on_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The engine's answers cover a reported bound and a derived ANC or ALC: only the rows the
    # engine cannot answer for (an unreadable cell, no value) are read row by row.
    lines = ["sample_id,sex,age,wbc,neut_pct,band_pct,lymph_pct,anc,hgb"]
    lines += [
        "S1,F,54,<1.0,40,3,20,<0.5,<8",  # bounds: no derivation from a bound
        "S2,M,,3.1,40,3,20,,12",  # ANC and ALC derived, age unknown
        "S3,F,4,6.0,85,30,20,,11",  # neutrophils and bands over 100: no ANC derived
        "S4,,,0.9,10,,5,,>18",  # derived, no bands; sex and age unknown
        "S5,F,54,abc,40,3,20,1.2,12",  # an unreadable WBC: row by row
        "S6,F,54,,,,,,",  # no value at all: an error row, row by row
    ]
    path = tmp_path / "differential.csv"
    path.write_text("\n".join(lines) + "\n")
    # The row path judges a sample through engine.interpret_panel (as cbc_cli.batch calls it):
    # of the columnar run's samples only the one with an unreadable WBC gets there (the one
    # with no value at all is an error row before any panel).
    from cbc_cli.engine import interpret_panel

    expected = _scalar(path, "ctcae5")
    panels: list[str | None] = []

    def counted(panel: Any, *args: Any, **kwargs: Any) -> Any:
        panels.append(panel.sample_id)
        return interpret_panel(panel, *args, **kwargs)

    monkeypatch.setattr("cbc_cli.batch.interpret_panel", counted)
    assert _columnar(path, "ctcae5") == expected
    assert panels == ["S5"]


def test_a_changed_rule_changes_both_paths_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One rule set: a change to how the engine flags or grades a value reaches the columnar
    # path with no edit there (it restates no rule that could fall out of step).
    from cbc_cli.engine import values
    from cbc_cli.grading import grade_value

    path = ROOT / "examples" / "lab_export.csv"
    before = _columnar(path, "ctcae5")
    flag_value = values.flag_value

    def stricter_flag(value: float, low: float | None, *args: object, **kw: object) -> str:
        flag = flag_value(value, low, *args, **kw)  # type: ignore[arg-type]
        return "L" if flag == "N" and low is not None and value < 1.2 * low else flag

    def one_grade_worse(criterion: object, value: float, *args: object) -> object:
        g = grade_value(criterion, value, *args)  # type: ignore[arg-type]
        return Grade(min(g.grade + 1, 4), g.note, g.criterion) if g.grade else g

    # Patched where a value is judged (engine.values), the one place both paths ask.
    monkeypatch.setattr(values, "flag_value", stricter_flag)
    monkeypatch.setattr(values, "grade_value", one_grade_worse)
    after = _columnar(path, "ctcae5")
    assert after != before
    assert after == _scalar(path, "ctcae5")


# What carries a clinical rule, which columnar.py must leave to the engine: the names of the
# limits a value is compared with, the engine's flag codes, and the functions that apply them.
_LIMIT_NAMES = {
    "low",
    "high",
    "inner_low",
    "inner_high",
    "critical_low",
    "critical_high",
    "lln",
    "uln",
    "number",
    "thresholds",
    "plausible",
}
_ENGINE_API = {
    "DERIVATION_BASE",
    "DERIVED_COUNTS",
    "FINDING_RULES",
    "LAB_CRITICAL_FLAGS",
    "LAB_ABNORMAL_FLAGS",
    "Basis",
    "Decision",
    "care_message",
    # The critical limits a value can be beyond, to number the answers that name one (the
    # message names the limit): the range table's values, no comparison with them.
    "critical_limits",
    # Likewise a newborn's own limits (no age given), to number the answers beyond each set
    # of them (the message names them), and their type.
    "every_newborn_limit",
    "NewbornLimit",
    "PROMPT_ANALYTES",
    "decide",
    "is_child",
    "reported_value",
    "derive_counts",
    "judge_value",
    "value_basis",
    # Whether a hemoglobin and hematocrit fit together, asked once per distinct pair of texts
    # (cbc_cli.columnar.pairs): the engine's own check, not restated.
    "HGB_HCT",
    "hgb_hct_disagreement",
}


_FAST_MODULES = [
    *sorted(
        str(p.relative_to(ROOT / "cbc_cli")) for p in (ROOT / "cbc_cli" / "columnar").glob("*.py")
    ),
    "columnar_long.py",
]
"""The columnar paths: wide exports (every module of the package) and long ones. They ask the
engine and restate no rule."""


def _columnar_tree(module: str) -> ast.Module:
    return ast.parse((ROOT / "cbc_cli" / module).read_text())


@pytest.mark.parametrize("module", _FAST_MODULES)
def test_columnar_imports_only_the_engines_public_rules(module: str) -> None:
    # From the pure core it takes the engine's public functions and the types it passes on:
    # no grading criteria or thresholds, no range envelopes, no rounding guard of its own.
    allowed = {
        "cbc_cli.engine": _ENGINE_API,
        # missing_context: whether the scheme cannot grade the person at all (the row path
        # then writes an error row), asked of grading, not restated.
        "cbc_cli.grading": {"Scheme", "missing_context"},
        "cbc_cli.ranges": {"RangeTable"},
        "cbc_cli.models": {"URGENCY_ORDER", "Flag", "Result"},
        "cbc_cli.units": {"Quantity"},
        # The age types and at_least: which side of a band bound an age lies on (the bounds
        # are the range table's and the scheme's, not restated).
        "cbc_cli.age": {"Age", "AgeBound", "AgeBounds", "at_least"},
    }
    for node in ast.walk(_columnar_tree(module)):
        if isinstance(node, ast.Import):
            names = {a.name for a in node.names}
            assert not names & {*allowed, "cbc_cli.explanations"}, names
        if isinstance(node, ast.ImportFrom) and node.module in (*allowed, "cbc_cli.explanations"):
            names = {a.name for a in node.names}
            assert names <= allowed.get(node.module or "", set()), (node.module, names)


@pytest.mark.parametrize("module", _FAST_MODULES)
def test_columnar_compares_no_value_with_a_limit(module: str) -> None:
    # No comparison of anything named like a limit, no flag code written out, no numpy
    # comparison function: flags and grades come from engine.judge_value alone.
    flags = set(get_args(Flag))
    for node in ast.walk(_columnar_tree(module)):
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


_PERSON_AGES = [
    *(f"{n}d" for n in (0, 1, 6, 7, 8, 13, 14, 15, 27, 28, 29, 30, 31, 45, 59, 60, 61, 89, 90)),
    *(f"{n}w" for n in (0, 1, 2, 3, 4, 5, 8, 9, 12, 13, 26, 52, 53, 104)),
    *(f"{n}m" for n in (0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 18, 23, 24, 25, 36, 59, 60, 84)),
    *(str(n) for n in (0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 15, 16, 17, 18, 19, 40, 65, 90)),
    *(f"{n}y" for n in (1, 2, 6, 7, 17, 18)),
    "",
    "abc",
]


@pytest.mark.parametrize("scheme_id", ["ctcae5", "ctcae6", "daids21"])
def test_persons_sharing_an_entry_are_judged_as_they_would_be_alone(
    tmp_path: Path, scheme_id: str
) -> None:
    # Persons whose ages lie on the same side of every band bound share one entry; each must be
    # flagged and graded as the row path does for that person alone, at every age unit, around
    # every band edge, each analyte's values across its limits.
    analytes = list(EDGES)
    lines = ["sample_id,sex,age," + ",".join(analytes)]
    for sex in ("F", "M", ""):
        for age in _PERSON_AGES:
            for k in range(3):
                cells = [EDGES[a][(7 * k + i) % len(EDGES[a])] for i, a in enumerate(analytes)]
                lines.append(",".join([f"S{len(lines)}", sex, age, *cells]))
    path = tmp_path / "persons.csv"
    path.write_text("\n".join(lines) + "\n")
    assert _columnar(path, scheme_id) == _scalar(path, scheme_id)


def test_ages_in_one_band_share_one_person_whatever_their_number(tmp_path: Path) -> None:
    # Adults' ranges and criteria change at no age from 20 years on (docs/clinical.md section
    # 2): thousands of distinct ages written in days, weeks or months, each its own text, are
    # one person per sex, not one each (the engine would be asked for each analyte's basis of
    # every one, and the run would keep them all).
    ages = [f"{d}{unit}" for d in range(7400, 9999, 2) for unit in ("d", " days")]
    ages += [f"{w}w" for w in range(1060, 5000, 3)] + [f"{m}m" for m in range(245, 1500)]
    lines = ["sample_id,sex,age,hgb,plt"]
    lines += [f"S{i},{'FM'[i % 2]},{age},12.5,250" for i, age in enumerate(ages)]
    path = tmp_path / "adults.csv"
    path.write_text("\n".join(lines) + "\n")
    runner, source = columnar_runner(path)
    try:
        runner.run()
    finally:
        source.close()
    assert len(set(ages)) > 5000
    assert runner.stats.samples == len(ages)
    assert runner.persons_kept == 2  # a woman and a man
    assert 1 <= runner.persons_kept <= 2 * 2


def test_the_engine_function_the_fast_path_asks_judges_by_the_sources() -> None:
    # engine.judge_value, by the basis engine.value_basis gives a person. NCI CTCAE v5.0
    # (2017): anemia grade 2 is Hgb <10.0-8.0 g/dL; neutropenia grade 4 is ANC <0.5 x10^9/L, so
    # an ANC reported as "<0.5" is grade 4 whatever its true value, and low for certain.
    from cbc_cli.engine import judge_value, value_basis
    from cbc_cli.units import Quantity

    ranges, scheme = default_ranges(), resolve_scheme("ctcae5")
    woman = _context("F", "40")
    hgb = judge_value(Quantity("hgb", 9.1, None, "9.1"), value_basis("hgb", woman, ranges, scheme))
    assert hgb.flag == "L"
    assert dict(hgb.grades)["anemia"].grade == 2
    anc_basis = value_basis("anc", woman, ranges, scheme)
    anc = judge_value(Quantity("anc", 0.5, "<", "<0.5"), anc_basis)
    assert dict(anc.grades)["neutropenia"].grade == 4
    assert anc.certain == ("low",)
    # The same value for a person with the same basis is judged alike: a batch asks once.
    older = value_basis("anc", _context("F", "41"), ranges, scheme)
    assert older == anc_basis
