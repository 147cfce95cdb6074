"""Parquet to Parquet (``cbc check in.parquet -o out.parquet``): written a row group at a time.

The writer holds at most ``ROW_GROUP_ROWS`` rows of answers before it writes them, so memory does
not grow with the file; these tests shrink the slices and row groups to see that at a small size,
and check that the answers are those of the whole table interpreted at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pcsv = pytest.importorskip("pyarrow.csv")
pq = pytest.importorskip("pyarrow.parquet")

from scale_data import wide_csv  # noqa: E402

from cbc_cli import parquet  # noqa: E402
from cbc_cli.api import build_patient, default_ranges, resolve_scheme  # noqa: E402
from cbc_cli.arrow import interpret_table  # noqa: E402
from cbc_cli.batch import BatchOptions, BatchStats  # noqa: E402


def _write(source: Path, target: Path) -> BatchStats:
    stats = BatchStats()
    parquet.write_parquet(
        str(source),
        target,
        BatchOptions("auto", [], [], formula_guard=False),
        default_ranges(()),
        resolve_scheme("ctcae5"),
        build_patient(),
        stats,
    )
    return stats


@pytest.mark.parametrize(("slice_rows", "group_rows"), [(100, 300), (128, 256), (1000, 10_000)])
def test_row_groups_are_bounded_and_the_answers_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_rows: int, group_rows: int
) -> None:
    table = pcsv.read_csv(wide_csv(tmp_path / "wide.csv", 1500))
    source = tmp_path / "in.parquet"
    pq.write_table(table, source, row_group_size=700)  # slices cut across the input's groups
    monkeypatch.setattr(parquet, "BATCH_ROWS", slice_rows)
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", group_rows)
    target = tmp_path / "out.parquet"
    stats = _write(source, target)
    meta = pq.ParquetFile(target).metadata
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    assert sum(sizes) == table.num_rows == stats.samples  # every row, none dropped
    # Each group is whole slices, the fewest that reach the size: never the whole file held.
    limit = group_rows + slice_rows - 1
    assert all(size <= limit for size in sizes), sizes
    assert all(size >= group_rows for size in sizes[:-1]), sizes
    if table.num_rows > limit:
        assert len(sizes) > 1
    written = pq.read_table(target)
    assert written.equals(interpret_table(table))
    assert not list(tmp_path.glob(".*partial"))
