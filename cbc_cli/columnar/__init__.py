"""Columnar evaluation of wide CSV exports: the engine's rules over whole chunks.

A row-by-row Python loop cannot keep up with millions of rows, so for a wide CSV or TSV export
the rules run over columns, whatever is made of the answers (the sink): CSV (the input lines
with cbc's columns), the brief NDJSON record (cbc_cli.brief), or only the counts of the
terminal summary. The rules:

- numpy splits a chunk of strictly regular lines into fields (cbc_cli.splitter);
- each distinct cell text is read once by the same cell reader as the scalar path, and each
  distinct person (sex and age texts) is read once and placed, for each analyte, in the class of
  persons whose values the engine judges by the same basis (``engine.value_basis``);
- the rules are the engine's own: ``engine.judge_value`` is asked once for each distinct value
  and class (``engine.derive_counts`` once for each distinct set of texts an ANC or ALC is
  derived from), and ``engine.decide`` once for each distinct set of answers a row holds; numpy
  only gathers the answers row by row. No module here compares a value with any limit;
- a row the engine's answers do not cover (an unreadable cell, no value at all, a formula-looking
  cell, an unreadable sex or age; for the brief record also a reported bound or a derived count)
  goes through the scalar engine in its place, and a chunk that does not split one row per line
  (blank lines, quoted line breaks, a wrong number of fields) is read by the scalar reader whole.

Chunks are judged side by side by forked worker processes (cbc_cli.workers, ``--jobs``; one
process judges them one after another with ``--jobs 1``), and written in input order. The
measurements that chose this are in docs/streams.md and README "Speed and memory".

The modules, one stage each, in the order a chunk meets them (each builds on the one before;
:class:`ColumnarCsv` is all of them):

- ``plan``: whether an export (wide, or long for cbc_cli.columnar_long) can take this path,
  and where its data lines start;
- ``state``: what a run is given (``RunInputs``, the long layout's too) and holds, set up from
  the plan; ``tables``: the answer tables it keeps;
- ``reading``: the input cut into chunks of whole lines;
- ``cells``: a chunk split into fields and each cell's text given an id;
- ``persons``: each row's sex and age read once per pair and placed in a class of persons;
- ``rendering``: what each sink makes of a new combination of answers;
- ``rules``: the engine asked once per distinct value and combination (``judge_rows``);
- ``sinks``: a chunk's output gathered from the answers, the scalar path filling in;
- ``run``: the loop over chunks, here or in forked workers; ``sizes``: how large a chunk is.

The input lines are copied to the CSV output byte for byte. Property tests check that this
package and the scalar path write identical CSV and brief NDJSON and count the same summary.
numpy is imported only on this path.
"""

from __future__ import annotations

from cbc_cli.columnar.plan import FastPlan, plan
from cbc_cli.columnar.run import ColumnarCsv
from cbc_cli.columnar.state import SINKS
from cbc_cli.columnar.tables import Verdict

__all__ = [
    "SINKS",
    "ColumnarCsv",
    "FastPlan",
    "Verdict",
    "plan",
]
