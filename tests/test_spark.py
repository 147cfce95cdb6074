"""Spark in local mode gives the answers of ``cbc check``/``cbc trend --format csv``, row for row.

One Spark session for the module (start-up costs seconds); 50,000 wide samples, and fewer for
long input and trend, where every sample goes through the row-by-row engine.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")
pq = pytest.importorskip("pyarrow.parquet")
pcsv = pytest.importorskip("pyarrow.csv")

from scale_data import by_row, cli_csv, cli_trend, long_csv, text, wide_csv  # noqa: E402

from cbc_cli.errors import InputError, UsageError  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    # pyspark 4.0 warns that it is not yet tested with pandas 3; no pandas code runs here.
    "ignore:PySpark does not yet fully support pandas:FutureWarning",
    "ignore::DeprecationWarning",
)


@pytest.fixture(scope="module")
def spark_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Spark driver's working directory, where relative paths resolve (the README recipe's)."""
    return tmp_path_factory.mktemp("spark")


@pytest.fixture(scope="module")
def spark(spark_dir: Path) -> Iterator[Any]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    here = Path.cwd()
    os.chdir(spark_dir)  # the JVM keeps the directory it starts in
    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("cbc-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
    finally:
        os.chdir(here)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    _stop_jvm()


def _stop_jvm() -> None:
    """End the JVM that PySpark started (it outlives stop(); tests/test_workers.py counts this
    process's children), so that a later session would start its own."""
    import subprocess

    from pyspark import SparkContext

    # PySpark's private gateway and JVM handles: PySpark has no public way to end its JVM.
    gateway = SparkContext._gateway
    if gateway is None:
        return
    gateway.shutdown()
    proc = getattr(gateway, "proc", None)
    if proc is not None:
        if proc.stdin is not None:
            proc.stdin.close()  # PySpark's JVM ends when its standard input closes
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=20)
    SparkContext._gateway = None  # so that getOrCreate() starts a JVM again (no public reset)
    SparkContext._jvm = None


def _parquet(csv_path: Path, rows_per_group: int) -> Path:
    path = csv_path.with_suffix(".parquet")
    pq.write_table(pcsv.read_csv(csv_path), path, row_group_size=rows_per_group)
    return path


def _rows(df: Any) -> tuple[list[str], list[list[str]]]:
    table = df.toArrow()
    return table.schema.names, [[text(v) for v in r.values()] for r in table.to_pylist()]


def test_wide_50k_samples_equal_cbc_check(spark: Any, tmp_path: Path) -> None:
    from cbc_cli.spark import interpret_dataframe

    source = wide_csv(tmp_path / "wide.csv", 50_000)
    df = spark.read.parquet(str(_parquet(source, 10_000)))
    out = interpret_dataframe(df, line_column="row")
    assert out.rdd.getNumPartitions() >= 1
    names, mine = _rows(out)
    header, rows = cli_csv(source)
    assert names == header
    assert len(mine) == len(rows) == 50_000
    added = header[len(df.columns) :]
    assert by_row(names, mine, added) == by_row(header, rows, added)
    assert {r[names.index("status")] for r in mine} == {"ok", "error"}


def test_long_samples_equal_cbc_check(spark: Any, tmp_path: Path) -> None:
    from cbc_cli.spark import interpret_dataframe

    source = long_csv(tmp_path / "long.csv", 5_000)
    # Small row groups, read as several partitions: samples are cut at partition ends unless
    # they are shuffled back together.
    spark.conf.set("spark.sql.files.maxPartitionBytes", "32k")
    try:
        df = spark.read.parquet(str(_parquet(source, 999)))
        assert df.rdd.getNumPartitions() > 2
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    names, mine = _rows(interpret_dataframe(df, line_column="row"))
    header, rows = cli_csv(source)
    assert names == header
    assert len(mine) == len(rows)
    added = header[len(df.columns) :]
    assert by_row(names, mine, added) == by_row(header, rows, added)


def test_trend_per_patient_equals_cbc_trend(spark: Any, tmp_path: Path) -> None:
    from cbc_cli.spark import interpret_trend

    source = wide_csv(tmp_path / "trend.csv", 5_000)
    df = spark.read.parquet(str(_parquet(source, 1_000))).repartition(4)
    names, mine = _rows(interpret_trend(df, line_column="row"))
    header, rows = cli_trend(source)
    assert names == header
    assert sorted(mine) == sorted(rows)
    assert len({r[0] for r in mine}) == 1_000


def test_bad_options_and_headers_fail_on_the_driver(spark: Any) -> None:
    from cbc_cli.spark import interpret_dataframe

    df = spark.createDataFrame([("A", 9.1)], "sample_id string, hgb double")
    with pytest.raises(UsageError):
        interpret_dataframe(df, grading="who-knows")
    with pytest.raises(InputError):
        interpret_dataframe(spark.createDataFrame([(1,)], "x long"))
    out = interpret_dataframe(df, sex="female", age=54).toArrow()
    assert out.column("anemia_grade").to_pylist() == [2]  # CTCAE v5: Hgb <10.0-8.0 g/dL
    assert out.schema.field("anemia_grade").type.bit_width == 8


def test_readme_spark_recipe(spark: Any, spark_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scale_data import run_recipe

    run_recipe("spark", spark_dir, monkeypatch)
    assert pq.read_table(spark_dir / "answers").num_rows == 6
