"""Fuzzing in the test run: a short mutation run, the corpus of inputs that once failed, and
Hypothesis-drawn inputs for every reader. The oracles are in ``fuzzing.py`` (run it for longer
from the command line: ``python tests/fuzzing.py --seconds 1800``)."""

from __future__ import annotations

from pathlib import Path

import fuzzing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CORPUS = Path(__file__).parent / "fixtures" / "fuzz"


def _report(tally: fuzzing.Tally) -> str:
    return "\n".join(f"{f.kind}: {f.detail} {f.argv} {f.data[:120]!r}" for f in tally.failures[:10])


def test_short_mutation_run() -> None:
    # A fixed seed and count, so that a failure here is the same on every machine.
    tally = fuzzing.fuzz(seconds=600, seed=20261203, max_inputs=600)
    assert tally.tried == 600
    assert not tally.failures, _report(tally)


@pytest.mark.parametrize("path", list(fuzzing.corpus(CORPUS)), ids=lambda p: p.name)
def test_corpus(path: Path, tmp_path: Path) -> None:
    tally = fuzzing.Tally()
    folder = tmp_path / ("trend" if "trend" in path.name else "in")
    folder.mkdir()
    fuzzing.check_input(path.read_bytes(), path.suffix, folder, tally)
    assert not tally.failures, _report(tally)


LINE = st.text(
    alphabet=st.sampled_from([*list('0123456789.,;"\t{}[]:-<>eE /^|&~\\\rxQz8Marker'), "\n"]),
    max_size=80,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    suffix=st.sampled_from([".csv", ".tsv", ".ndjson", ".json", ".hl7"]),
    header=st.sampled_from(
        ["sample_id,sex,age,hgb,plt,anc", "sample_id\tHb\tPLT", "", "MSH|^~\\&|"]
    ),
    body=st.lists(LINE, max_size=6),
)
def test_drawn_inputs(tmp_path: Path, suffix: str, header: str, body: list[str]) -> None:
    data = "\n".join([header, *body]).encode("utf-8")
    tally = fuzzing.Tally()
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    fuzzing.check_input(data, suffix, folder, tally)
    assert not tally.failures, _report(tally)
