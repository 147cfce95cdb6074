"""A local Dask cluster (two worker processes) gives the answers of ``cbc check`` and
``cbc trend --format csv``, row for row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")
pcsv = pytest.importorskip("pyarrow.csv")

from scale_data import by_row, cli_csv, cli_trend, long_csv, text, wide_csv  # noqa: E402

from cbc_cli.errors import InputError, UsageError  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning",
    "ignore::ResourceWarning",
    # The recipe's cluster serves its dashboard on another port when 8787 is taken.
    "ignore:Port 8787 is already in use:UserWarning",
)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()
    # The worker processes were started through multiprocessing, whose resource tracker lives
    # on as a child of this process; tests/test_workers.py counts this process's children.
    from multiprocessing import resource_tracker

    # multiprocessing's private tracker: the standard library has no public way to stop it.
    stop = getattr(resource_tracker._resource_tracker, "_stop", None)
    if stop is not None:
        stop()


def _parquet(csv_path: Path, rows_per_group: int) -> Path:
    path = csv_path.with_suffix(".parquet")
    pq.write_table(pcsv.read_csv(csv_path), path, row_group_size=rows_per_group)
    return path


def _rows(ddf: Any) -> tuple[list[str], list[list[str]]]:
    frame = ddf.compute()
    return list(frame.columns), [[text(v) for v in r] for r in frame.itertuples(index=False)]


def test_wide_50k_samples_equal_cbc_check(client: Any, tmp_path: Path) -> None:
    from cbc_cli.dask import interpret_dataframe

    source = wide_csv(tmp_path / "wide.csv", 50_000)
    ddf = dd.read_parquet(str(_parquet(source, 10_000)), split_row_groups=True)
    assert ddf.npartitions == 5
    out = interpret_dataframe(ddf, line_column="row")
    names, mine = _rows(out)
    header, rows = cli_csv(source)
    assert names == header
    assert len(mine) == 50_000
    added = header[len(ddf.columns) :]
    assert by_row(names, mine, added) == by_row(header, rows, added)
    assert str(out.dtypes["anemia_grade"]) == "int8[pyarrow]"


def test_long_samples_equal_cbc_check(client: Any, tmp_path: Path) -> None:
    from cbc_cli.dask import interpret_dataframe

    source = long_csv(tmp_path / "long.csv", 5_000)
    ddf = dd.read_parquet(str(_parquet(source, 999)), split_row_groups=True)
    assert ddf.npartitions > 5  # partition ends cut samples unless shuffled back together
    names, mine = _rows(interpret_dataframe(ddf, line_column="row"))
    header, rows = cli_csv(source)
    assert names == header
    assert len(mine) == len(rows)
    added = header[len(ddf.columns) :]
    assert by_row(names, mine, added) == by_row(header, rows, added)


def test_trend_per_patient_equals_cbc_trend(client: Any, tmp_path: Path) -> None:
    from cbc_cli.dask import interpret_trend

    source = wide_csv(tmp_path / "trend.csv", 5_000)
    ddf = dd.read_parquet(str(_parquet(source, 1_000)), split_row_groups=True)
    names, mine = _rows(interpret_trend(ddf, line_column="row"))
    header, rows = cli_trend(source)
    assert names == header
    assert sorted(mine) == sorted(rows)


def test_bad_options_and_headers_fail_before_any_task(client: Any) -> None:
    import pandas as pd

    from cbc_cli.dask import interpret_dataframe

    ddf = dd.from_pandas(pd.DataFrame({"sample_id": ["A"], "hgb": [9.1]}), npartitions=1)
    with pytest.raises(UsageError):
        interpret_dataframe(ddf, pregnant=5)
    with pytest.raises(InputError):
        interpret_dataframe(dd.from_pandas(pd.DataFrame({"x": [1]}), npartitions=1))


def test_readme_dask_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scale_data import run_recipe

    run_recipe("dask", tmp_path, monkeypatch)
    assert pq.read_table(tmp_path / "answers-dask").num_rows == 6
